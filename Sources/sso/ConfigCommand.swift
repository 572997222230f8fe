import ArgumentParser
import Foundation

/// `sso config check`: validates a configuration file before a server is started with it.
/// `sso config reference` (not listed): the settings table of docs/configuration.md.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check configuration files.", subcommands: [Check.self, Reference.self])

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

    /// Prints the settings table that docs/configuration.md holds, made from `Settings.all`:
    /// `Scripts/configuration-reference` writes it there, and a test fails while the two differ.
    struct Reference: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the settings reference (Markdown) for docs/configuration.md.", shouldDisplay: false)

        func run() async throws {
            print(Self.table, terminator: "")
        }

        static var table: String {
            var lines = [
                "| Key | Option | Environment | Values | Default | Meaning |",
                "|---|---|---|---|---|---|",
            ]
            for setting in Settings.all {
                let meaning = [setting.help, setting.details].compactMap { $0 }.joined(separator: " ")
                let cells = [
                    "`\(setting.key)`", "`\(setting.option)`", "`\(setting.environment)`", values(setting),
                    shownDefault(setting), cell(meaning),
                ]
                lines.append("| " + cells.joined(separator: " | ") + " |")
            }
            return lines.joined(separator: "\n") + "\n"
        }

        /// What a setting takes, and in what unit.
        static func values(_ setting: Setting) -> String {
            let unit = setting.unit.map { " " + $0 } ?? ""
            switch setting.kind {
            case .text: return "text"
            case .url: return "http(s) URL without query or fragment"
            case .integer(let range): return "\(range.lowerBound)–\(range.upperBound)\(unit)"
            case .number(let range): return "\(number(range.lowerBound))–\(number(range.upperBound))\(unit), fractions allowed"
            case .boolean: return "`true`, `false`"
            case .list: return "list of text"
            case .choice(let choices): return choices.map { "`\($0)`" }.joined(separator: ", ")
            }
        }

        static func shownDefault(_ setting: Setting) -> String {
            switch setting.defaultValue {
            case .boolean(let flag): return "`\(flag)`"
            case .list(let items) where items.isEmpty: return "none"
            case .some: return setting.shownDefault.map { "`\($0)`" } ?? "none"
            // A value in words (`found automatically`) is no literal.
            case nil: return setting.defaultText.map { $0.contains(" ") ? cell($0) : "`\($0)`" } ?? "none"
            }
        }

        static func number(_ value: Double) -> String {
            value.rounded() == value ? String(Int(value)) : String(value)
        }

        /// Text a table cell can hold.
        static func cell(_ text: String) -> String {
            text.replacingOccurrences(of: "|", with: "\\|")
        }
    }
}
