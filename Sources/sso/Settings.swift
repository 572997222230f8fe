import ArgumentParser
import Foundation
import Yams

/// Every setting of `sso serve`, from four places: the command line wins over the environment,
/// which wins over the configuration file (`--config`, YAML or JSON), which wins over the
/// default. One table (`Settings.all`) names each setting in all four, so the README's table,
/// `sso config check` and `serve` cannot drift apart.
struct Setting: Sendable {
    enum Kind: Sendable {
        case text
        case url
        case integer(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        case boolean
        case list
        case choice([String])
    }

    /// The key in a configuration file.
    let key: String
    /// The `sso serve` option.
    let option: String
    let environment: String
    let kind: Kind
    let defaultValue: SettingValue?
}

enum SettingValue: Sendable, Equatable {
    case text(String)
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case list([String])
}

extension Setting {
    /// Reads `raw` (a file's value or an environment variable's text) as this setting's kind;
    /// the reason otherwise.
    func read(_ raw: Any) -> Result<SettingValue, SettingProblem> {
        func problem(_ expected: String) -> Result<SettingValue, SettingProblem> {
            .failure(SettingProblem(key: key, message: "must be \(expected) (got \(Self.describe(raw)))"))
        }
        switch kind {
        case .text:
            guard let text = raw as? String, !text.isEmpty else { return problem("a non-empty string") }
            return .success(.text(text))
        case .url:
            guard let text = raw as? String, let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""),
                url.host != nil, url.query == nil, url.fragment == nil
            else { return problem("an http(s) URL without query or fragment") }
            return .success(.text(text))
        case .integer(let range):
            let number: Int? = (raw as? Int) ?? (raw as? String).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !(raw is Bool), let number, range.contains(number) else {
                return problem("a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return .success(.integer(number))
        case .number(let range):
            let number: Double? = (raw as? Int).map(Double.init) ?? (raw as? Double)
                ?? (raw as? String).flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !(raw is Bool), let number, number.isFinite, range.contains(number) else {
                return problem("a number from \(range.lowerBound) to \(range.upperBound)")
            }
            return .success(.number(number))
        case .boolean:
            if let flag = raw as? Bool { return .success(.boolean(flag)) }
            switch (raw as? String)?.lowercased() {
            case "true", "on", "yes", "1": return .success(.boolean(true))
            case "false", "off", "no", "0": return .success(.boolean(false))
            default: return problem("true or false")
            }
        case .list:
            if let text = raw as? String {   // the environment's comma-separated form
                return .success(.list(text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty }))
            }
            guard let items = raw as? [Any], let texts = items as? [String] else { return problem("a list of strings") }
            return .success(.list(texts))
        case .choice(let choices):
            guard let text = raw as? String, choices.contains(text) else {
                return problem("one of \(choices.joined(separator: ", "))")
            }
            return .success(.text(text))
        }
    }

    static func describe(_ raw: Any) -> String {
        switch raw {
        case let text as String: return "\"\(text)\""
        case let flag as Bool: return String(flag)
        case is [Any]: return "a list"
        case is [String: Any]: return "a mapping"
        default: return "\(raw)"
        }
    }
}

/// One thing wrong with a setting, said so that the operator can fix it.
struct SettingProblem: Error, Sendable, Equatable, CustomStringConvertible {
    let key: String
    let message: String
    var description: String { "'\(key)' \(message)" }
}

enum Settings {
    static let all: [Setting] = [
        Setting(key: "host", option: "--host", environment: "SSO_HOST", kind: .text, defaultValue: .text("127.0.0.1")),
        Setting(key: "port", option: "--port", environment: "SSO_PORT", kind: .integer(0...65535), defaultValue: .integer(8080)),
        Setting(key: "issuer", option: "--issuer", environment: "SSO_ISSUER", kind: .url, defaultValue: nil),
        Setting(key: "data", option: "--data", environment: "SSO_DATA_DIR", kind: .text, defaultValue: .text("./data")),
        Setting(key: "database", option: "--database", environment: "SSO_DATABASE", kind: .text, defaultValue: nil),
        Setting(key: "resources", option: "--resources", environment: "SSO_RESOURCES", kind: .text, defaultValue: nil),
        Setting(key: "demo", option: "--demo", environment: "SSO_DEMO", kind: .boolean, defaultValue: .boolean(false)),
        seconds("code_ttl", 60),
        seconds("access_token_ttl", 3600),
        seconds("refresh_token_ttl", 30 * 24 * 3600),
        Setting(key: "refresh_reuse_grace", option: "--refresh-reuse-grace", environment: "SSO_REFRESH_REUSE_GRACE",
                kind: .integer(0...300), defaultValue: .integer(10)),
        seconds("session_ttl", 8 * 3600),
        seconds("session_max_ttl", 7 * 24 * 3600),
        seconds("device_code_ttl", 600),
        Setting(key: "device_poll_interval", option: "--device-poll-interval", environment: "SSO_DEVICE_POLL_INTERVAL",
                kind: .integer(1...60), defaultValue: .integer(5)),
        Setting(key: "legacy", option: "--[no-]legacy", environment: "SSO_LEGACY", kind: .boolean, defaultValue: .boolean(true)),
        Setting(key: "legacy_client_id", option: "--legacy-client-id", environment: "SSO_LEGACY_CLIENT_ID", kind: .text,
                defaultValue: .text("SingleSignOn")),
        Setting(key: "trusted_proxies", option: "--trusted-proxy", environment: "SSO_TRUSTED_PROXIES", kind: .list,
                defaultValue: .list([])),
        Setting(key: "metrics_token", option: "--metrics-token", environment: "SSO_METRICS_TOKEN", kind: .text,
                defaultValue: nil),
        seconds("upstream_timeout", 10),
        // Connections (SSOServer's ConnectionLimits has the reasons for these defaults).
        seconds("idle_timeout", 75),
        seconds("request_read_timeout", 20),
        Setting(key: "max_connections", option: "--max-connections", environment: "SSO_MAX_CONNECTIONS",
                kind: .integer(1...1_000_000), defaultValue: .integer(4096)),
        Setting(key: "max_connections_per_address", option: "--max-connections-per-address",
                environment: "SSO_MAX_CONNECTIONS_PER_ADDRESS", kind: .integer(0...1_000_000), defaultValue: .integer(256)),
        Setting(key: "log_format", option: "--log-format", environment: "SSO_LOG_FORMAT", kind: .choice(["json", "text"]),
                defaultValue: .text("json")),
        Setting(key: "log_level", option: "--log-level", environment: "SSO_LOG_LEVEL",
                kind: .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]), defaultValue: .text("info")),
        seconds("key_reload_interval", 2),
        seconds("purge_interval", 60),
        Setting(key: "audit_retention_days", option: "--audit-retention-days", environment: "SSO_AUDIT_RETENTION_DAYS",
                kind: .number(0.001...36500), defaultValue: .number(90)),
        count("login_failures_per_account", 5),
        count("login_failures_per_account_all_addresses", 100),
        count("login_failures_per_address", 20),
        count("token_failures_per_address", 50),
        count("client_auth_failures", 20),
        count("federation_failures_per_address", 20),
        count("user_code_failures_per_address", 10),
    ]

    static func seconds(_ key: String, _ value: Int) -> Setting {
        Setting(key: key, option: "--" + key.replacingOccurrences(of: "_", with: "-"),
                environment: "SSO_" + key.uppercased(), kind: .integer(1...Int(Int32.max)), defaultValue: .integer(value))
    }

    static func count(_ key: String, _ value: Int) -> Setting {
        Setting(key: key, option: "--" + key.replacingOccurrences(of: "_", with: "-"),
                environment: "SSO_" + key.uppercased(), kind: .integer(1...1_000_000), defaultValue: .integer(value))
    }

    static func setting(_ key: String) -> Setting? { all.first { $0.key == key } }

    /// An option's help with its environment variable and default, read from the table so that
    /// `--help` cannot drift from what `serve` does.
    static func help(_ key: String, _ text: String) -> ArgumentHelp {
        guard let setting = setting(key) else { return ArgumentHelp(text) }
        var notes = ["env \(setting.environment)"]
        switch setting.defaultValue {
        case .text(let value): notes.append("default \(value)")
        case .integer(let value): notes.append("default \(value)")
        // Not `formatted()`: that is ICU's number formatting, and it would map ICU's locale data
        // into every `sso serve` at start-up (megabytes of resident memory) for one help string.
        case .number(let value): notes.append("default \(value.rounded() == value ? String(Int(value)) : String(value))")
        case .boolean(let value): notes.append("default \(value ? "on" : "off")")
        case .list, nil: break
        }
        let sentence = text.hasSuffix(".") ? String(text.dropLast()) : text
        return ArgumentHelp(sentence + " (" + notes.joined(separator: "; ") + ").")
    }

    /// A configuration file's settings, or every problem in it (unknown keys, wrong types, values
    /// out of range), each named. YAML or JSON: JSON is YAML, but a `.json` file is read as JSON
    /// for its exact errors.
    static func load(file path: String) -> (values: [String: SettingValue], problems: [SettingProblem]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            return ([:], [SettingProblem(key: path, message: "cannot be read")])
        }
        let parsed: Any?
        do {
            if path.lowercased().hasSuffix(".json") {
                parsed = exact(try JSONSerialization.jsonObject(with: data))
            } else {
                parsed = try Yams.load(yaml: String(decoding: data, as: UTF8.self))
            }
        } catch {
            return ([:], [SettingProblem(key: path, message: "is not valid \(path.hasSuffix(".json") ? "JSON" : "YAML"): \(error)")])
        }
        guard let mapping = parsed as? [String: Any] else {
            return ([:], [SettingProblem(key: path, message: "must be a mapping of setting names to values")])
        }
        var values: [String: SettingValue] = [:]
        var problems: [SettingProblem] = []
        for key in mapping.keys.sorted() {
            guard let setting = setting(key) else {
                let hint = all.map(\.key).min { distance($0, key) < distance($1, key) }
                    .flatMap { distance($0, key) <= 3 ? " (did you mean '\($0)'?)" : nil } ?? ""
                problems.append(SettingProblem(key: key, message: "is not a setting\(hint)"))
                continue
            }
            switch setting.read(mapping[key]!) {
            case .success(let value): values[key] = value
            case .failure(let problem): problems.append(problem)
            }
        }
        return (values, problems)
    }

    /// JSON numbers and booleans as Swift's Int, Double and Bool: Foundation hands both out as
    /// NSNumber, and an NSNumber 1 casts to `true` (so `"port": 1` read as a boolean).
    static func exact(_ value: Any) -> Any {
        switch value {
        case let number as NSNumber where !(value is String):
            let type = String(cString: number.objCType)
            if type == "c" || type == "B" { return number.boolValue }
            if ["f", "d"].contains(type) { return number.doubleValue }
            return number.intValue
        case let items as [Any]: return items.map(exact)
        case let mapping as [String: Any]: return mapping.mapValues(exact)
        default: return value
        }
    }

    /// Settings given by environment variables, or the problems with them.
    static func environment(_ environment: [String: String]) -> (values: [String: SettingValue], problems: [SettingProblem]) {
        var values: [String: SettingValue] = [:]
        var problems: [SettingProblem] = []
        for setting in all {
            guard let text = environment[setting.environment], !text.isEmpty else { continue }
            switch setting.read(text) {
            case .success(let value): values[setting.key] = value
            case .failure(let problem): problems.append(SettingProblem(key: setting.environment, message: problem.message))
            }
        }
        return (values, problems)
    }

    /// Edit distance, for "did you mean".
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in a.indices {
            var diagonal = row[0]
            row[0] = i + 1
            for j in b.indices {
                let above = row[j + 1]
                row[j + 1] = Swift.min(above + 1, row[j] + 1, diagonal + (a[i] == b[j] ? 0 : 1))
                diagonal = above
            }
        }
        return row[b.count]
    }

    /// The file's, the environment's and the command line's settings, each checked, with every
    /// problem named with where it came from: what `serve` starts with and `config check` shows.
    static func gather(file path: String?, environment: [String: String], commandLine: [String: Any])
        -> (file: [String: SettingValue], environment: [String: SettingValue], commandLine: [String: SettingValue],
            problems: [String])
    {
        var problems: [String] = []
        var file: [String: SettingValue] = [:]
        if let path {
            let loaded = load(file: path)
            file = loaded.values
            problems += loaded.problems.map { "\(path): \($0)" }
        }
        let (fromEnvironment, environmentProblems) = Self.environment(environment)
        problems += environmentProblems.map { "environment: \($0)" }
        var fromCommandLine: [String: SettingValue] = [:]
        for (key, raw) in commandLine {
            guard let setting = setting(key) else { continue }
            switch setting.read(raw) {
            case .success(let value): fromCommandLine[key] = value
            case .failure(let problem): problems.append("\(setting.option): \(problem.message)")
            }
        }
        return (file, fromEnvironment, fromCommandLine, problems)
    }
}

/// The settings in effect: the command line's, else the environment's, else the file's, else
/// the default.
struct ResolvedSettings: Sendable {
    let values: [String: SettingValue]

    init(commandLine: [String: SettingValue], environment: [String: SettingValue], file: [String: SettingValue]) {
        var values: [String: SettingValue] = [:]
        for setting in Settings.all {
            if let value = commandLine[setting.key] ?? environment[setting.key] ?? file[setting.key] ?? setting.defaultValue {
                values[setting.key] = value
            }
        }
        self.values = values
    }

    func text(_ key: String) -> String? {
        if case .text(let text) = values[key] { return text }
        return nil
    }

    func integer(_ key: String) -> Int {
        if case .integer(let value) = values[key] { return value }
        preconditionFailure("\(key) is not an integer setting")
    }

    func number(_ key: String) -> Double {
        if case .number(let value) = values[key] { return value }
        if case .integer(let value) = values[key] { return Double(value) }
        preconditionFailure("\(key) is not a number setting")
    }

    func boolean(_ key: String) -> Bool {
        if case .boolean(let value) = values[key] { return value }
        preconditionFailure("\(key) is not a boolean setting")
    }

    func list(_ key: String) -> [String] {
        if case .list(let value) = values[key] { return value }
        return []
    }
}
