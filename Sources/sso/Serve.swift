import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SSOCore
import SSOServer

/// `sso serve`: runs the authorization server.
///
/// Every option is also an environment variable and a configuration-file key (`Settings.all`);
/// the command line wins over the environment, which wins over the file, which wins over the
/// default. Options have no defaults here, so that "not given" can be told from "given".
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the authorization server.",
        discussion: "Each option is also an environment variable (SSO_...) and a key of the --config file; see 'sso config check'.")

    @Option(help: "A configuration file, YAML or JSON (env SSO_CONFIG); the environment and the command line win over it.")
    var config: String?
    @Option(help: "Address to listen on (env SSO_HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (env SSO_PORT; default 8080).") var port: String?
    @Option(help: "Issuer URL (env SSO_ISSUER; default http://HOST:PORT).") var issuer: String?
    @OptionGroup var data: DataOption
    @Option(help: "Folder with templates/, static/ and locales/ (env SSO_RESOURCES; found automatically).")
    var resources: String?
    @Flag(inversion: .prefixedNo, help: "Add a demo user and client and serve the demo application at /demo (env SSO_DEMO).")
    var demo: Bool?
    @Option(name: .customLong("code-ttl"), help: "Authorization code lifetime, seconds (default 60).") var codeTTL: String?
    @Option(name: .customLong("access-token-ttl"), help: "Access and ID token lifetime, seconds (default 3600).")
    var accessTokenTTL: String?
    @Option(name: .customLong("refresh-token-ttl"), help: "Refresh token lifetime, seconds (default 30 days).")
    var refreshTokenTTL: String?
    @Option(name: .customLong("session-ttl"), help: "SSO session idle timeout, seconds (default 8 hours).") var sessionTTL: String?
    @Option(name: .customLong("session-max-ttl"), help: "SSO session absolute lifetime, seconds (default 7 days).")
    var sessionMaxTTL: String?
    @Option(name: .customLong("refresh-reuse-grace"),
            help: "Seconds after a refresh-token rotation in which the rotated token gets the same answer again (0: strict; default 10).")
    var refreshReuseGrace: String?
    @Flag(inversion: .prefixedNo, help: "Serve the broker's legacy login endpoints (env SSO_LEGACY; default on).")
    var legacy: Bool?
    @Option(name: .customLong("legacy-client-id"), help: "The public client legacy logins issue tokens to (default SingleSignOn).")
    var legacyClientID: String?
    @Option(name: .customLong("trusted-proxy"),
            help: "Address of a reverse proxy whose X-Forwarded-For is believed (repeatable; env SSO_TRUSTED_PROXIES, comma-separated).")
    var trustedProxies: [String] = []
    @Option(name: .customLong("upstream-timeout"), help: "Seconds an upstream sign-in provider has to answer each call (default 10).")
    var upstreamTimeout: String?
    @Option(name: .customLong("log-format"), help: "json (one JSON object per line; default) or text (env SSO_LOG_FORMAT).")
    var logFormat: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info (default), notice, warning, error or critical (env SSO_LOG_LEVEL).")
    var logLevel: String?
    @Option(name: .customLong("key-reload-interval"),
            help: "Seconds between reads of the signing keys: a key added by 'sso keys rotate' is seen within this time (default 30).")
    var keyReloadInterval: String?
    @Option(name: .customLong("purge-interval"), help: "Seconds between background purges of expired rows (default 60).")
    var purgeInterval: String?
    @Option(name: .customLong("audit-retention-days"),
            help: "Days security events are kept in the audit table (fractions allowed: 0.25 is six hours; default 90).")
    var auditRetentionDays: String?
    @Option(name: .customLong("login-failures-per-account"), help: "Failed sign-ins an account may have in an hour (default 5).")
    var loginFailuresPerAccount: String?
    @Option(name: .customLong("login-failures-per-address"), help: "Failed sign-ins an address may have in an hour (default 20).")
    var loginFailuresPerAddress: String?
    @Option(name: .customLong("token-failures-per-address"),
            help: "Failed token, introspection and revocation requests an address may have in an hour (default 50).")
    var tokenFailuresPerAddress: String?
    @Option(name: .customLong("client-auth-failures"), help: "Failed authentications a client may have in an hour (default 20).")
    var clientAuthFailures: String?
    @Option(name: .customLong("federation-failures-per-address"),
            help: "Failed federation callbacks an address may have in an hour (default 20).")
    var federationFailuresPerAddress: String?

    /// What the command line gave, by setting key, as text (or flags and lists).
    var commandLine: [String: Any] {
        var given: [String: Any] = [:]
        let texts: [(String, String?)] = [
            ("host", host), ("port", port), ("issuer", issuer), ("data", data.data), ("database", data.database),
            ("resources", resources), ("code_ttl", codeTTL), ("access_token_ttl", accessTokenTTL),
            ("refresh_token_ttl", refreshTokenTTL), ("refresh_reuse_grace", refreshReuseGrace), ("session_ttl", sessionTTL),
            ("session_max_ttl", sessionMaxTTL), ("legacy_client_id", legacyClientID), ("upstream_timeout", upstreamTimeout),
            ("log_format", logFormat), ("log_level", logLevel), ("key_reload_interval", keyReloadInterval),
            ("purge_interval", purgeInterval), ("audit_retention_days", auditRetentionDays),
            ("login_failures_per_account", loginFailuresPerAccount), ("login_failures_per_address", loginFailuresPerAddress),
            ("token_failures_per_address", tokenFailuresPerAddress), ("client_auth_failures", clientAuthFailures),
            ("federation_failures_per_address", federationFailuresPerAddress),
        ]
        for (key, value) in texts { if let value { given[key] = value } }
        if let demo { given["demo"] = demo }
        if let legacy { given["legacy"] = legacy }
        if !trustedProxies.isEmpty { given["trusted_proxies"] = trustedProxies }
        return given
    }

    /// The settings in effect, or every problem with them, each named with where it came from.
    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ResolvedSettings {
        var problems: [String] = []
        var file: [String: SettingValue] = [:]
        if let path = config ?? environment["SSO_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            let loaded = Settings.load(file: path)
            file = loaded.values
            problems += loaded.problems.map { "\(path): \($0)" }
        }
        let (fromEnvironment, environmentProblems) = Settings.environment(environment)
        problems += environmentProblems.map { "environment: \($0)" }
        var fromCommandLine: [String: SettingValue] = [:]
        for (key, raw) in commandLine {
            guard let setting = Settings.setting(key) else { continue }
            switch setting.read(raw) {
            case .success(let value): fromCommandLine[key] = value
            case .failure(let problem): problems.append("\(setting.option): \(problem.message)")
            }
        }
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "\n")) }
        return ResolvedSettings(commandLine: fromCommandLine, environment: fromEnvironment, file: file)
    }

    func run() async throws {
        let settings = try settings()
        if settings.text("log_format") == "json" { LoggingSystem.bootstrap(JSONLinesLogHandler.init(label:)) }
        let host = settings.text("host") ?? "127.0.0.1"
        let port = settings.integer("port")
        guard let resources = settings.text("resources") ?? SSOServer.locateResources() else {
            throw ValidationError("Cannot find the Resources folder; pass --resources DIR or set SSO_RESOURCES.")
        }
        let sessionTTL = settings.integer("session_ttl")
        let options = ServerOptions(
            host: host, port: port, issuer: settings.text("issuer"), dataDirectory: settings.text("data") ?? "./data",
            database: settings.text("database"), resourcesDirectory: resources, demo: settings.boolean("demo"),
            lifetimes: Lifetimes(
                authorizationCode: settings.integer("code_ttl"), accessToken: settings.integer("access_token_ttl"),
                refreshToken: settings.integer("refresh_token_ttl"), sessionIdle: sessionTTL,
                sessionAbsolute: max(settings.integer("session_max_ttl"), sessionTTL),
                refreshReuseGrace: settings.integer("refresh_reuse_grace")),
            legacy: settings.boolean("legacy"),
            legacyClientID: settings.text("legacy_client_id") ?? "SingleSignOn",
            trustedProxies: Set(settings.list("trusted_proxies")),
            upstreamTimeout: settings.integer("upstream_timeout"),
            limits: AbuseLimits(
                loginFailuresPerAccount: settings.integer("login_failures_per_account"),
                loginFailuresPerAddress: settings.integer("login_failures_per_address"),
                tokenFailuresPerAddress: settings.integer("token_failures_per_address"),
                clientAuthFailures: settings.integer("client_auth_failures"),
                federationFailuresPerAddress: settings.integer("federation_failures_per_address")),
            keyReloadInterval: settings.integer("key_reload_interval"), purgeInterval: Double(settings.integer("purge_interval")),
            auditRetentionDays: settings.number("audit_retention_days"))
        var environment = ProcessInfo.processInfo.environment
        environment["SSO_LOG_LEVEL"] = settings.text("log_level")
        let app = try await SSOServer.makeApplication(options, environment: environment)
        try await app.runService()
    }
}
