import ArgumentParser
import Foundation

/// `sso config check`: validates a configuration file before a server is started with it.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check configuration files.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a configuration file (YAML or JSON) and the SSO_ environment variables; name each problem.",
            discussion: "Prints the settings in effect (file over defaults, environment over file) when all is well.")

        @Option(help: "The configuration file.") var file: String

        func run() async throws {
            let given = Settings.gather(file: self.file, environment: ProcessInfo.processInfo.environment, commandLine: [:])
            guard given.problems.isEmpty else {
                FileHandle.standardError.write(Data((given.problems.joined(separator: "\n") + "\n").utf8))
                throw ExitCode(1)
            }
            let (file, environment) = (given.file, given.environment)
            let resolved = ResolvedSettings(commandLine: [:], environment: environment, file: file)
            print("\(self.file): ok")
            for setting in Settings.all {
                let source = environment[setting.key] != nil ? "environment"
                    : file[setting.key] != nil ? "file" : "default"
                var shown = Self.show(resolved.values[setting.key])
                if setting.key == "database", var url = URLComponents(string: shown), url.password != nil {
                    url.password = "***"   // never print a database password
                    shown = url.string ?? "(hidden)"
                }
                print("  \(setting.key) = \(shown)  (\(source))")
            }
        }

        static func show(_ value: SettingValue?) -> String {
            switch value {
            case .text(let text): text
            case .integer(let number): String(number)
            case .number(let number): String(number)
            case .boolean(let flag): String(flag)
            case .list(let items): "[" + items.joined(separator: ", ") + "]"
            case nil: "(none)"
            }
        }
    }
}
