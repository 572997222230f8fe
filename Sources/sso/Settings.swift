import ArgumentParser
import Foundation
import Logging
import SSOCore
import SSOPasswords
import SSOServer
import Yams

/// One setting of `sso serve`, declared once (in `Settings.all`): its file key, its command-line
/// option and environment variable (named after the key unless named otherwise), the values it
/// takes, its default, what it means and where it goes in `ServerOptions`. Everything else is
/// read from that declaration: `serve`'s options and their help (`SettingOptions`), the
/// environment and file readers, `sso config check`, the options `serve` starts with
/// (`ResolvedSettings.serverOptions`) and the reference in docs/configuration.md
/// (`sso config reference`). The command line wins over the environment, which wins over the
/// configuration file (`--config`, YAML or JSON), which wins over the default.
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
    /// The `sso serve` option's long name, without its dashes.
    let name: String
    let environment: String
    let kind: Kind
    let defaultValue: SettingValue?
    /// The default in words where it is no value of its own (the issuer follows the host and port).
    let defaultText: String?
    /// What a number counts, for the reference.
    let unit: String?
    /// The value's name in `--help` (`--database <url>`); the option's name otherwise.
    let valueName: String?
    /// The sentence `--help` shows; the reference begins with it.
    let help: String
    /// What the reference says beyond the help.
    let details: String?
    /// What is wrong with a value of the right kind (`must be …`); `nil` when it is fine.
    let check: (@Sendable (SettingValue) -> String?)?
    /// Puts the value where `serve` reads it.
    let apply: @Sendable (inout ServerOptions, SettingValue) -> Void

    init<Value: SettingConvertible>(
        _ key: String, _ kind: Kind, default defaultValue: SettingValue? = nil, option: String? = nil,
        environment: String? = nil, defaultText: String? = nil, unit: String? = nil, valueName: String? = nil,
        into path: any WritableKeyPath<ServerOptions, Value> & Sendable, _ help: String, details: String? = nil,
        check: (@Sendable (SettingValue) -> String?)? = nil
    ) {
        self.check = check
        self.key = key
        self.name = option ?? key.replacingOccurrences(of: "_", with: "-")
        self.environment = environment ?? "SSO_" + key.uppercased()
        self.kind = kind
        self.defaultValue = defaultValue
        self.defaultText = defaultText
        self.unit = unit
        self.valueName = valueName
        self.help = help
        self.details = details
        self.apply = { options, value in
            guard let converted = Value(setting: value) else {
                preconditionFailure("\(key): \(value) does not fit \(Value.self)")
            }
            options[keyPath: path] = converted
        }
    }

    /// The option as the reference and the command line's problems name it: `--port`, `--[no-]legacy`.
    var option: String {
        if case .boolean = kind { return "--[no-]" + name }
        return "--" + name
    }

    /// The default as `--help` and the reference say it; `nil` when there is none.
    var shownDefault: String? {
        switch defaultValue {
        case .text(let value): value
        case .integer(let value): String(value)
        // Not `formatted()`: that is ICU's number formatting, and it would map ICU's locale data
        // into every `sso serve` at start-up (megabytes of resident memory) for one help string.
        case .number(let value): value.rounded() == value ? String(Int(value)) : String(value)
        case .boolean(let value): value ? "on" : "off"
        case .list, nil: defaultText
        }
    }

    /// The option's help: the sentence, then its environment variable and default.
    var argumentHelp: ArgumentHelp {
        var notes = ["env \(environment)"]
        if let shown = shownDefault { notes.append("default \(shown)") }
        let sentence = help.hasSuffix(".") ? String(help.dropLast()) : help
        return ArgumentHelp(sentence + " (" + notes.joined(separator: "; ") + ").", valueName: valueName)
    }
}

enum SettingValue: Sendable, Equatable {
    case text(String)
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case list([String])
}

extension SettingValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral
{
    init(stringLiteral value: String) { self = .text(value) }
    init(integerLiteral value: Int) { self = .integer(value) }
    init(floatLiteral value: Double) { self = .number(value) }
    init(booleanLiteral value: Bool) { self = .boolean(value) }
}

/// A type a setting's value is put into `ServerOptions` as.
protocol SettingConvertible: SendableMetatype {
    init?(setting value: SettingValue)
}

extension String: SettingConvertible {
    init?(setting value: SettingValue) {
        guard case .text(let text) = value else { return nil }
        self = text
    }
}

extension Int: SettingConvertible {
    init?(setting value: SettingValue) {
        guard case .integer(let number) = value else { return nil }
        self = number
    }
}

/// Fractions of seconds and days; a whole number of seconds given as one.
extension UInt32: SettingConvertible {
    init?(setting value: SettingValue) {
        guard case .integer(let number) = value, let exact = UInt32(exactly: number) else { return nil }
        self = exact
    }
}

extension Double: SettingConvertible {
    init?(setting value: SettingValue) {
        switch value {
        case .number(let number): self = number
        case .integer(let number): self = Double(number)
        default: return nil
        }
    }
}

extension Bool: SettingConvertible {
    init?(setting value: SettingValue) {
        guard case .boolean(let flag) = value else { return nil }
        self = flag
    }
}

extension Set: SettingConvertible where Element == String {
    init?(setting value: SettingValue) {
        guard case .list(let items) = value else { return nil }
        self = Set(items)
    }
}

extension Optional: SettingConvertible where Wrapped: SettingConvertible {
    init?(setting value: SettingValue) {
        guard let wrapped = Wrapped(setting: value) else { return nil }
        self = .some(wrapped)
    }
}

/// A count of failures in an hour.
extension ThrottlePolicy: SettingConvertible {
    init?(setting value: SettingValue) {
        guard let allowed = Int(setting: value) else { return nil }
        self = .failures(allowed)
    }
}

extension SettingConvertible where Self: RawRepresentable, RawValue == String {
    init?(setting value: SettingValue) {
        guard let text = String(setting: value) else { return nil }
        self.init(rawValue: text)
    }
}

/// The `acr_levels` entries, weakest first.
extension AssuranceLevels: SettingConvertible {
    init?(setting value: SettingValue) {
        guard case .list(let entries) = value else { return nil }
        self.init(entries: entries)
    }
}

extension Logger.Level: SettingConvertible {}
extension LogFormat: SettingConvertible {}

extension Setting {
    /// Reads `raw` (a file's value or an environment variable's text) as this setting's kind
    /// and checks it; the reason otherwise.
    func read(_ raw: Any) -> Result<SettingValue, SettingProblem> {
        readKind(raw).flatMap { value in
            guard let message = check?(value) else { return .success(value) }
            return .failure(SettingProblem(key: key, message: message))
        }
    }

    private func readKind(_ raw: Any) -> Result<SettingValue, SettingProblem> {
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
        Setting("host", .text, default: "127.0.0.1", into: \.host, "Address to listen on."),
        Setting("port", .integer(0...65535), default: 8080, into: \.port, "Port to listen on.",
                details: "0: any free port."),
        Setting("issuer", .url, defaultText: "http://HOST:PORT", into: \.issuer, "Issuer URL.",
                details: "When it is `https`, cookies are `Secure` and `__Host-` prefixed and every answer carries HSTS."),
        Setting("data", .text, default: "./data", environment: "SSO_DATA_DIR", into: \.dataDirectory, "Data directory.",
                details: "Holds `sso.sqlite` and `master.key`."),
        Setting("database", .text, defaultText: "sqlite", valueName: "url", into: \.database,
                "sqlite (the file in the data directory) or postgres://user:password@host:port/db?sslmode=&schema=&pool_size=.",
                details: "`sslmode=disable|prefer|require|verify-full` (default `prefer`: TLS when offered, as libpq), "
                    + "`schema=NAME` (default `public`; created when missing), `pool_size=N` (connections per instance, "
                    + "default 20). The schema is created or migrated at start-up, once, whichever instance starts first."),
        Setting("resources", .text, defaultText: "found automatically", into: \.resourcesDirectory,
                "Folder with templates/, static/ and locales/.",
                details: "The first `Resources` folder with templates in it: in the working directory, else beside the binary or in one of the five folders above it."),
        Setting("demo", .boolean, default: false, into: \.demo,
                "Add a demo user and client and serve the demo application at /demo.",
                details: "User `demo` with password `demo-password`, public client `demo`."),
        seconds("code_ttl", 60, into: \.lifetimes.authorizationCode, "Authorization code lifetime, seconds."),
        seconds("access_token_ttl", 3600, into: \.lifetimes.accessToken, "Access and ID token lifetime, seconds."),
        seconds("refresh_token_ttl", 30 * 24 * 3600, into: \.lifetimes.refreshToken, "Refresh token lifetime, seconds.",
                details: "30 days."),
        Setting("refresh_reuse_grace", .integer(0...300), default: 10, unit: "seconds", into: \.lifetimes.refreshReuseGrace,
                "Seconds after a refresh-token rotation in which the rotated token gets the same answer again (0: strict).",
                details: "For two tabs refreshing at once; later, reuse revokes the token's family."),
        seconds("session_ttl", 8 * 3600, into: \.lifetimes.sessionIdle, "SSO session idle timeout, seconds.",
                details: "8 hours."),
        seconds("session_max_ttl", 7 * 24 * 3600, into: \.lifetimes.sessionAbsolute, "SSO session absolute lifetime, seconds.",
                details: "7 days; never shorter than `session_ttl` (a shorter one is raised to it)."),
        seconds("device_code_ttl", 600, into: \.lifetimes.deviceCode,
                "How long a device authorization request waits for the user, seconds.",
                details: "Its device code and user code."),
        Setting("device_poll_interval", .integer(1...60), default: 5, unit: "seconds", into: \.lifetimes.devicePollInterval,
                "Seconds a device waits between polls of the token endpoint at first.",
                details: "Each `slow_down` answer adds 5."),
        Setting("legacy", .boolean, default: true, into: \.legacy, "Serve the broker's legacy login endpoints."),
        Setting("legacy_client_id", .text, default: "SingleSignOn", into: \.legacyClientID,
                "The public client legacy logins issue tokens to."),
        Setting("trusted_proxies", .list, default: .list([]), option: "trusted-proxy", into: \.trustedProxies,
                "Address of a reverse proxy whose X-Forwarded-For and X-Request-Id are believed (repeatable; the variable is comma-separated).",
                details: "Its `X-Forwarded-For` names the client for the per-address limits. A list in a file."),
        Setting("metrics_token", .text, into: \.metricsToken,
                "The Bearer token Prometheus sends to read /metrics (16 characters or more; prefer the variable, which ps does not show). Without it /metrics is not served.",
                details: "Without it `/metrics` answers 404."),
        seconds("upstream_timeout", 10, into: \.upstreamTimeout, "Seconds an upstream sign-in provider has to answer each call."),
        // Connections: ConnectionLimits has the reasons for these defaults.
        seconds("idle_timeout", ConnectionLimits.defaultIdleTimeout, into: \.connections.idleTimeout, "Seconds a connection with no request in flight stays open.",
                details: "A new one that sent nothing, a keep-alive one between requests. Longer than the 60 s a proxy keeps "
                    + "an idle upstream connection, so that the proxy closes first."),
        seconds("request_read_timeout", ConnectionLimits.defaultRequestReadTimeout, into: \.connections.requestReadTimeout,
                "Seconds a request has from its first byte until its head and body have arrived; then 408 and close.",
                details: "Against a head or body sent a byte at a time."),
        Setting("max_connections", .integer(1...1_000_000), default: .integer(ConnectionLimits.defaultMaximumConnections), unit: "connections",
                into: \.connections.maximumConnections,
                "Connections open at once; more are answered 503 and closed. Keep it below the open-file limit.",
                details: "One more is closed before anything is read. Needs that many file descriptors and 256 more; "
                    + "`serve` raises its soft limit as far as the hard limit allows."),
        Setting("max_connections_per_address", .integer(0...1_000_000),
                default: .integer(ConnectionLimits.defaultMaximumConnectionsPerAddress), unit: "connections",
                into: \.connections.maximumConnectionsPerAddress,
                "Connections open at once from one TCP peer address, 0 for no cap; behind a reverse proxy every peer is the proxy.",
                details: "Behind a proxy set 0 and limit clients at the proxy."),
        Setting("log_format", .choice(LogFormat.allCases.map(\.rawValue)), default: "json", into: \.logFormat,
                "json (one JSON object per line) or text.",
                details: "`json`: `ts`, `level`, `message` and the fields, on standard output. `text`: "
                    + "`time level label: key=value … [module] message` (swift-log's layout) on standard error."),
        Setting("log_level", .choice(Logger.Level.allCases.map(\.rawValue)), default: "info", into: \.logLevel,
                "trace, debug, info, notice, warning, error or critical.",
                details: "Above `info` (from `notice`) the access log is left out."),
        seconds("key_reload_interval", 2, into: \.keyReloadInterval,
                "Seconds between checks of the signing keys: a key added by 'sso keys rotate' or withdrawn by 'sso keys revoke' is seen within this time.",
                details: "One short query; the keys are read again only when they changed. On every instance."),
        seconds("purge_interval", 60, into: \.purgeInterval, "Seconds between background purges of expired rows.",
                details: "Codes, tokens, sessions, interactions, federation states and throttle counters, in batches of "
                    + "500 rows, one short transaction each."),
        Setting("acr_levels", .list, default: .list(AssuranceLevels.standard.entries), option: "acr-level",
                defaultText: AssuranceLevels.standard.names.joined(separator: ", "), into: \.assuranceLevels,
                "An assurance level (acr value) requests may ask for and clients may require, weakest first (repeatable; the variable is comma-separated).",
                details: "Each is `name=methods|methods`: the level is reached by a sign-in whose authentication methods "
                    + "(`amr`) include every method of one alternative, methods joined by `+` (`urn:unifiedsso:acr:mfa=pwd+otp|hwk+user`). "
                    + "The default levels are defined in docs/step-up.md. Published as `acr_values_supported`.",
                check: { value in
                    guard case .list(let entries) = value, AssuranceLevels(entries: entries) != nil else {
                        return "must be entries of the form name=pwd+otp|hwk, each name once"
                    }
                    return nil
                }),
        Setting("audit_retention_days", .number(0.001...36500), default: 90.0, unit: "days", into: \.auditRetentionDays,
                "Days security events are kept in the audit table (fractions allowed: 0.25 is six hours).",
                details: "For deployments that ship the JSON log to a collector."),
        // Passwords: Argon2id at OWASP's baseline, on a bounded set of threads.
        Setting("password_hash_memory", .integer(8...1_048_576), default: .integer(Int(Argon2Parameters.baseline.memoryKiB)),
                unit: "KiB", into: \.passwordHash.memoryKiB,
                "Memory of one Argon2id password hash, in KiB (19456 is 19 MiB, OWASP's baseline).",
                details: "Each password check holds it while it runs: at most `password_check_threads` of them at once. "
                    + "Hashes made with less are replaced at the user's next sign-in."),
        Setting("password_hash_iterations", .integer(1...64), default: .integer(Int(Argon2Parameters.baseline.iterations)),
                unit: "passes", into: \.passwordHash.iterations, "Passes of one Argon2id password hash over its memory.",
                details: "Hashes made with fewer are replaced at the user's next sign-in."),
        Setting("password_hash_parallelism", .integer(1...16), default: .integer(Int(Argon2Parameters.baseline.parallelism)),
                unit: "lanes", into: \.passwordHash.parallelism, "Lanes of one Argon2id password hash.",
                details: "One lane (the default) is hashed by libsodium's vectorised code; with more, libargon2 starts a thread "
                    + "for each lane of every check, beside `password_check_threads`. The memory must be at least 8 KiB per lane."),
        Setting("password_check_threads", .integer(1...256), defaultText: "one per core", unit: "threads",
                into: \.passwordCheckThreads, "Threads that hash and check passwords at once.",
                details: "Other requests never wait for them."),
        Setting("password_check_max_wait", .number(0...60), default: 2.0, unit: "seconds", into: \.passwordCheckMaximumWait,
                "Seconds a sign-in may expect to wait for its password check; past that it is answered 503 with Retry-After.",
                details: "Judged from the recent checks' average time and the checks already waiting: a storm of sign-ins "
                    + "queues at the clients, not in the server. The browser sees a page asking to try again in a few seconds."),
        count("login_failures_per_account", 5, into: \.limits.loginAccount,
              "Failed sign-ins an account may have from one address in an hour; past them that address waits.",
              details: "Password or TOTP. The last locks the account for that address only, 30 s, each further failure "
                  + "doubling the lock up to 15 minutes."),
        count("login_failures_per_account_all_addresses", 100, into: \.limits.loginAccountAllAddresses,
              "Failed sign-ins an account may have from every address together in an hour; past them an address that failed at it waits.",
              details: "While the lock lasts, an address that has not failed at the account still gets through."),
        count("login_failures_per_address", 20, into: \.limits.loginAddress, "Failed sign-ins an address may have in an hour.",
              details: "At any account, on the login page and the legacy logins."),
        count("token_failures_per_address", 50, into: \.limits.tokenAddress,
              "Failed token, introspection and revocation requests an address may have in an hour.",
              details: "Bad client credentials, invalid grants; the legacy refresh too."),
        count("client_auth_failures", 20, into: \.limits.clientAuthentication,
              "Failed authentications a client may have from one address in an hour; past them that address waits.",
              details: "Even with the right secret. As many from every address together answer wrong secrets with 429 "
                  + "everywhere, never the right one."),
        count("federation_failures_per_address", 20, into: \.limits.federationAddress,
              "Failed federation callbacks an address may have in an hour.",
              details: "Forged, replayed or expired states."),
        count("user_code_failures_per_address", 10, into: \.limits.userCodeAddress,
              "Wrong device user codes an address may enter in an hour.",
              details: "On the device verification page."),
    ]

    /// A duration in whole seconds.
    static func seconds<Value: SettingConvertible>(
        _ key: String, _ value: Int, into path: any WritableKeyPath<ServerOptions, Value> & Sendable, _ help: String,
        details: String? = nil
    ) -> Setting {
        Setting(key, .integer(1...Int(Int32.max)), default: .integer(value), unit: "seconds", into: path, help, details: details)
    }

    /// How many failures an hour a throttle allows.
    static func count(
        _ key: String, _ value: Int, into path: any WritableKeyPath<ServerOptions, ThrottlePolicy> & Sendable, _ help: String,
        details: String? = nil
    ) -> Setting {
        Setting(key, .integer(1...1_000_000), default: .integer(value), unit: "failures an hour", into: path, help,
                details: details)
    }

    static func setting(_ key: String) -> Setting? { all.first { $0.key == key } }

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

    /// The options `serve` starts with: each setting's value put where its declaration says.
    /// `resources` finds the Resources folder when none is given.
    func serverOptions(resources: () -> String?) throws -> ServerOptions {
        var options = ServerOptions(resourcesDirectory: "")   // a given folder is never empty
        for setting in Settings.all {
            if let value = values[setting.key] { setting.apply(&options, value) }
        }
        if options.resourcesDirectory.isEmpty {
            guard let found = resources() else {
                throw ValidationError("Cannot find the Resources folder; pass --resources DIR or set SSO_RESOURCES.")
            }
            options.resourcesDirectory = found
        }
        if let token = options.metricsToken, token.count < 16 {
            throw ValidationError("metrics_token must have 16 characters or more (a random value; 'openssl rand -hex 32').")
        }
        // A session's absolute lifetime is never shorter than its idle timeout.
        options.lifetimes.sessionAbsolute = max(options.lifetimes.sessionAbsolute, options.lifetimes.sessionIdle)
        return options
    }
}
