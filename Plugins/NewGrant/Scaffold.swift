import Foundation

/// What `new-grant` does, as plain file operations on the package directory: every check and
/// every edit is worked out first, then the files are written.
struct Scaffold {
    let grantType: String
    /// `DeviceCode` for `urn:ietf:params:oauth:grant-type:device_code`.
    let name: String
    let root: URL

    var module: String { "SSOGrant\(name)" }
    var testModule: String { "SSOGrant\(name)Tests" }
    var typeName: String { "\(name)Grant" }
    /// The `GrantType` constant the module declares: the name in lowerCamelCase
    /// (`DeviceCode` -> `deviceCode`, `JWTBearer` -> `jwtBearer`).
    var constant: String {
        let leading = name.prefix { $0.isUppercase }
        let lowered = leading.count > 1 && leading.count < name.count ? leading.dropLast() : leading
        return lowered.lowercased() + name.dropFirst(lowered.count)
    }
    var sourceFile: URL { root.appendingPathComponent("Sources/\(module)/\(typeName).swift") }
    var testFile: URL { root.appendingPathComponent("Tests/\(testModule)/\(typeName)Tests.swift") }
    var packageFile: URL { root.appendingPathComponent("Package.swift") }
    var modulesFile: URL { root.appendingPathComponent("Sources/SSOServer/GrantModules.swift") }

    init(grantType: String, name: String?, root: URL) throws {
        // The value goes into Swift string literals and onto the wire: RFC 6749 section A.10's
        // grant-name is a URI or a name of letters, digits and "-", ".", "_"; no quotes, no escapes.
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._:/"))
        guard !grantType.isEmpty, grantType.unicodeScalars.allSatisfy({ $0.isASCII && allowed.contains($0) }) else {
            throw ScaffoldError("'\(grantType)' is not a grant type: use letters, digits and - . _ : / (a name or a URI).")
        }
        self.grantType = grantType
        self.root = root
        self.name = name ?? Self.name(for: grantType)
        guard let first = self.name.unicodeScalars.first, CharacterSet.uppercaseLetters.contains(first),
            self.name.unicodeScalars.allSatisfy({ $0.isASCII && CharacterSet.alphanumerics.contains($0) })
        else {
            throw ScaffoldError("'\(self.name)' cannot name a module: pass --name with a capitalised Swift name, e.g. --name DeviceCode.")
        }
    }

    /// The last segment of the grant type, in UpperCamelCase: `device_code` -> `DeviceCode`.
    static func name(for grantType: String) -> String {
        let last = grantType.split(whereSeparator: { ":/".contains($0) }).last.map(String.init) ?? grantType
        return last.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    func write() throws {
        let manager = FileManager.default
        for (url, what) in [(sourceFile.deletingLastPathComponent(), "the module"),
                            (testFile.deletingLastPathComponent(), "its test target")]
        where manager.fileExists(atPath: url.path) {
            throw ScaffoldError("\(url.path) exists already (\(what)). Pick another --name, or remove it first.")
        }
        var package = try String(contentsOf: packageFile, encoding: .utf8)
        var modules = try String(contentsOf: modulesFile, encoding: .utf8)
        guard !package.contains("\"\(module)\"") else { throw ScaffoldError("Package.swift names \(module) already.") }
        if let existing = try registeredGrantType() {
            throw ScaffoldError("'\(grantType)' is already served by \(existing). A server has one module per grant type.")
        }
        package = try Self.insert(Templates.target(module), before: "// new-grant: grant targets", in: package, file: "Package.swift")
        package = try Self.insert("\"\(module)\",", before: "// new-grant: server dependencies", in: package, file: "Package.swift")
        package = try Self.insert(Templates.testTarget(module: module, testModule: testModule), before: "// new-grant: test targets",
                                  in: package, file: "Package.swift")
        modules = try Self.insert("import \(module)", before: "// new-grant: imports", in: modules, file: "GrantModules.swift")
        modules = try Self.insert("\(typeName).self,", before: "// new-grant: registrations", in: modules, file: "GrantModules.swift")

        try manager.createDirectory(at: sourceFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try manager.createDirectory(at: testFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Templates.grant(typeName: typeName, constant: constant, grantType: grantType).write(to: sourceFile, atomically: true, encoding: .utf8)
        try Templates.test(module: module, typeName: typeName, grantType: grantType)
            .write(to: testFile, atomically: true, encoding: .utf8)
        try package.write(to: packageFile, atomically: true, encoding: .utf8)
        try modules.write(to: modulesFile, atomically: true, encoding: .utf8)
    }

    /// The module that already declares `grantType`, if one does.
    func registeredGrantType() throws -> String? {
        let sources = root.appendingPathComponent("Sources")
        let declaration = Templates.declaration(grantType)
        for directory in try FileManager.default.contentsOfDirectory(atPath: sources.path) where directory.hasPrefix("SSOGrant") {
            let folder = sources.appendingPathComponent(directory)
            for file in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where file.hasSuffix(".swift") {
                let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                if text.contains(declaration) { return directory }
            }
        }
        return nil
    }

    /// `text` with `line` inserted above the marker's line, at the marker's indentation.
    static func insert(_ line: String, before marker: String, in text: String, file: String) throws -> String {
        guard let range = text.range(of: marker) else {
            throw ScaffoldError("\(file) has no '\(marker)' line; put it back where the grant modules are listed.")
        }
        let lineStart = text[..<range.lowerBound].lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
        let indent = String(text[lineStart..<range.lowerBound])
        let block = line.split(separator: "\n", omittingEmptySubsequences: false).map { indent + $0 }.joined(separator: "\n")
        return String(text[..<lineStart]) + block + "\n" + String(text[lineStart...])
    }

    var summary: String {
        """
        Created the grant module for '\(grantType)':
          Sources/\(module)/\(typeName).swift        the grant (depends on SSOCore only)
          Tests/\(testModule)/\(typeName)Tests.swift  its test, through the real token endpoint
          Package.swift                               the two targets, and \(module) in SSOServer's dependencies
          Sources/SSOServer/GrantModules.swift        the registration line: \(typeName).self

        Next:
          1. swift build && swift test --filter \(testModule)    (the skeleton passes as generated)
          2. Write authorize(_:) in \(typeName).swift: what this grant checks and what it may issue;
             change the test to match, including the refusals.
          3. Let a client use it: sso client update --id CLIENT --grant-types \(grantType)
        """
    }
}

struct ScaffoldError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
