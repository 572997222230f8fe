import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SSOServer

/// `sso serve`: runs the authorization server.
///
/// Every setting (`Settings.all`) is an option here, an environment variable and a
/// configuration-file key; the command line wins over the environment, which wins over the
/// file, which wins over the default. Options have no defaults here, so that "not given" can be
/// told from "given".
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the authorization server.",
        discussion: "Each option is also an environment variable (SSO_...) and a key of the --config file; see 'sso config check'.")

    @Option(help: "A configuration file, YAML or JSON (env SSO_CONFIG); the environment and the command line win over it.")
    var config: String?
    @OptionGroup var options: SettingOptions

    /// The settings in effect, or every problem with them, each named with where it came from.
    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ResolvedSettings {
        let path = config ?? environment["SSO_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let given = Settings.gather(file: path, environment: environment, commandLine: options.given)
        guard given.problems.isEmpty else { throw ValidationError(given.problems.joined(separator: "\n")) }
        return ResolvedSettings(commandLine: given.commandLine, environment: given.environment, file: given.file)
    }

    func run() async throws {
        let options = try settings().serverOptions(resources: { SSOServer.locateResources() })
        switch options.logFormat {
        case .json: LoggingSystem.bootstrap(JSONLinesLogHandler.init(label:))
        case .text: LoggingSystem.bootstrap(TextLogHandler.init(label:))
        }
        // As many descriptors as the connection cap needs, where the hard limit allows: a shell's
        // soft limit is often 1,024. The server warns at start-up when they still disagree.
        options.connections.raiseOpenFileLimit()
        let app = try await SSOServer.makeApplication(options)
        try await app.runService()
    }
}

/// `serve`'s options, one for each setting, made from `Settings.all` rather than declared one by
/// one. ArgumentParser finds a command's options by reflecting on an instance of it (`init()`):
/// this type's mirror shows it one `Option` (a `Flag` for a boolean) per setting, labelled with
/// the setting's key, and `init(from:)` reads each back by the same key. Parsing, `--help`, the
/// errors and shell completion stay ArgumentParser's own.
struct SettingOptions: ParsableArguments, CustomReflectable {
    /// What the command line gave, by setting key: text, a flag, or a list.
    private(set) var given: [String: any Sendable] = [:]

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for setting in Settings.all {
            let key = Key(stringValue: setting.key)
            switch setting.kind {
            case .boolean:
                if let flag = try container.decode(Flag<Bool?>.self, forKey: key).wrappedValue { given[setting.key] = flag }
            case .list:
                let items = try container.decode(Option<[String]>.self, forKey: key).wrappedValue
                if !items.isEmpty { given[setting.key] = items }
            case .text, .url, .integer, .number, .choice:
                if let text = try container.decode(Option<String?>.self, forKey: key).wrappedValue { given[setting.key] = text }
            }
        }
    }

    var customMirror: Mirror {
        Mirror(self, children: Settings.all.map { (label: $0.key as String?, value: Self.argument($0)) }, displayStyle: .struct)
    }

    /// The setting's option, as a property declared `@Option` (or `@Flag`) would hold it.
    static func argument(_ setting: Setting) -> Any {
        switch setting.kind {
        case .boolean:
            Flag<Bool?>(name: .customLong(setting.name), inversion: .prefixedNo, help: setting.argumentHelp)
        case .list:
            Option<[String]>(wrappedValue: [], name: .customLong(setting.name), help: setting.argumentHelp)
        case .text, .url, .integer, .number, .choice:
            Option<String?>(name: .customLong(setting.name), help: setting.argumentHelp)
        }
    }

    struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
