/// The pages' Content-Security-Policy.
///
/// `form-action` governs not only where a form is sent but every redirect that answers it
/// (Chromium cancels the navigation otherwise): a login, consent or logout form whose answer is
/// a 302 to a relying party must name that party's origin. Pages that lead to one name exactly
/// the origin of the registered, validated URI they will redirect to, and nothing else.
enum ContentSecurityPolicy {
    /// The policy of a page whose forms may end in a redirect to each of `formTargets`.
    static func header(formTargets: [String] = []) -> String {
        var formAction = "'self'"
        for source in formTargets.compactMap(source(for:)) where !formAction.contains(source) {
            formAction += " " + source
        }
        return "default-src 'self'; frame-ancestors 'none'; form-action \(formAction); base-uri 'none'"
    }

    /// The CSP source expression that matches `uri`'s origin: `https://rp.example:8443` for a
    /// web address, `com.example.app:` for a native app's private-use scheme. `nil` for a
    /// relative reference (the server's own pages, covered by `'self'`) and for anything a
    /// source expression cannot spell exactly (an IPv6 literal, a character outside the
    /// grammar), which then gets no exception.
    static func source(for uri: String) -> String? {
        guard let colon = uri.firstIndex(of: ":") else { return nil }
        let scheme = uri[..<colon].lowercased()
        guard let first = scheme.unicodeScalars.first, isLetter(first),
            scheme.unicodeScalars.allSatisfy({ isLetter($0) || isDigit($0) || "+-.".unicodeScalars.contains($0) })
        else { return nil }
        let rest = uri[uri.index(after: colon)...]
        guard rest.hasPrefix("//") else {
            // A private-use scheme (RFC 8252 7.1): the scheme is the whole origin. Schemes that
            // run or embed content are never allowed, whatever was registered.
            return ["http", "https", "javascript", "data", "vbscript", "blob", "filesystem", "file"].contains(scheme)
                ? nil : scheme + ":"
        }
        let afterSlashes = rest.dropFirst(2)
        let authority = afterSlashes.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@"), !authority.isEmpty else { return nil }
        var host = Substring(authority)
        var port: Substring?
        if let portColon = authority.lastIndex(of: ":") {
            host = authority[..<portColon]
            port = authority[authority.index(after: portColon)...]
        }
        guard !host.isEmpty,
            host.unicodeScalars.allSatisfy({ isLetter($0) || isDigit($0) || $0 == "-" || $0 == "." }),
            port.map({ !$0.isEmpty && $0.count <= 5 && $0.unicodeScalars.allSatisfy(isDigit) }) ?? true
        else { return nil }
        return scheme + "://" + host.lowercased() + (port.map { ":" + $0 } ?? "")
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }
}
