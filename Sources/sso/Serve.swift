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
    @Option(help: Settings.help("host", "Address to listen on.")) var host: String?
    @Option(help: Settings.help("port", "Port to listen on.")) var port: String?
    @Option(help: Settings.help("issuer", "Issuer URL (default http://HOST:PORT).")) var issuer: String?
    @OptionGroup var data: DataOption
    @Option(help: Settings.help("resources", "Folder with templates/, static/ and locales/ (found automatically)."))
    var resources: String?
    @Flag(inversion: .prefixedNo, help: Settings.help("demo", "Add a demo user and client and serve the demo application at /demo."))
    var demo: Bool?
    @Option(name: .customLong("code-ttl"), help: Settings.help("code_ttl", "Authorization code lifetime, seconds."))
    var codeTTL: String?
    @Option(name: .customLong("access-token-ttl"), help: Settings.help("access_token_ttl", "Access and ID token lifetime, seconds."))
    var accessTokenTTL: String?
    @Option(name: .customLong("refresh-token-ttl"), help: Settings.help("refresh_token_ttl", "Refresh token lifetime, seconds."))
    var refreshTokenTTL: String?
    @Option(name: .customLong("session-ttl"), help: Settings.help("session_ttl", "SSO session idle timeout, seconds."))
    var sessionTTL: String?
    @Option(name: .customLong("session-max-ttl"), help: Settings.help("session_max_ttl", "SSO session absolute lifetime, seconds."))
    var sessionMaxTTL: String?
    @Option(name: .customLong("device-code-ttl"), help: Settings.help("device_code_ttl",
            "How long a device authorization request waits for the user, seconds."))
    var deviceCodeTTL: String?
    @Option(name: .customLong("device-poll-interval"), help: Settings.help("device_poll_interval",
            "Seconds a device waits between polls of the token endpoint at first."))
    var devicePollInterval: String?
    @Option(name: .customLong("refresh-reuse-grace"), help: Settings.help("refresh_reuse_grace",
            "Seconds after a refresh-token rotation in which the rotated token gets the same answer again (0: strict)."))
    var refreshReuseGrace: String?
    @Flag(inversion: .prefixedNo, help: Settings.help("legacy", "Serve the broker's legacy login endpoints."))
    var legacy: Bool?
    @Option(name: .customLong("legacy-client-id"), help: Settings.help("legacy_client_id", "The public client legacy logins issue tokens to."))
    var legacyClientID: String?
    @Option(name: .customLong("metrics-token"), help: Settings.help("metrics_token",
            "The Bearer token Prometheus sends to read /metrics (16 characters or more; prefer the variable, which ps does not show). Without it /metrics is not served."))
    var metricsToken: String?
    @Option(name: .customLong("trusted-proxy"), help: Settings.help("trusted_proxies",
            "Address of a reverse proxy whose X-Forwarded-For and X-Request-Id are believed (repeatable; the variable is comma-separated)."))
    var trustedProxies: [String] = []
    @Option(name: .customLong("upstream-timeout"), help: Settings.help("upstream_timeout",
            "Seconds an upstream sign-in provider has to answer each call."))
    var upstreamTimeout: String?
    @Option(name: .customLong("idle-timeout"), help: Settings.help("idle_timeout",
            "Seconds a connection with no request in flight stays open."))
    var idleTimeout: String?
    @Option(name: .customLong("request-read-timeout"), help: Settings.help("request_read_timeout",
            "Seconds a request has from its first byte until its head and body have arrived; then 408 and close."))
    var requestReadTimeout: String?
    @Option(name: .customLong("max-connections"), help: Settings.help("max_connections",
            "Connections open at once; more are answered 503 and closed. Keep it below the open-file limit."))
    var maxConnections: String?
    @Option(name: .customLong("max-connections-per-address"), help: Settings.help("max_connections_per_address",
            "Connections open at once from one TCP peer address, 0 for no cap; behind a reverse proxy every peer is the proxy."))
    var maxConnectionsPerAddress: String?
    @Option(name: .customLong("log-format"), help: Settings.help("log_format", "json (one JSON object per line) or text."))
    var logFormat: String?
    @Option(name: .customLong("log-level"), help: Settings.help("log_level", "trace, debug, info, notice, warning, error or critical."))
    var logLevel: String?
    @Option(name: .customLong("key-reload-interval"), help: Settings.help("key_reload_interval",
            "Seconds between checks of the signing keys: a key added by 'sso keys rotate' or withdrawn by 'sso keys revoke' is seen within this time."))
    var keyReloadInterval: String?
    @Option(name: .customLong("purge-interval"), help: Settings.help("purge_interval", "Seconds between background purges of expired rows."))
    var purgeInterval: String?
    @Option(name: .customLong("audit-retention-days"), help: Settings.help("audit_retention_days",
            "Days security events are kept in the audit table (fractions allowed: 0.25 is six hours)."))
    var auditRetentionDays: String?
    @Option(name: .customLong("login-failures-per-account"), help: Settings.help("login_failures_per_account",
            "Failed sign-ins an account may have from one address in an hour; past them that address waits."))
    var loginFailuresPerAccount: String?
    @Option(name: .customLong("login-failures-per-account-all-addresses"), help: Settings.help(
            "login_failures_per_account_all_addresses",
            "Failed sign-ins an account may have from every address together in an hour; past them an address that failed at it waits."))
    var loginFailuresPerAccountAllAddresses: String?
    @Option(name: .customLong("login-failures-per-address"), help: Settings.help("login_failures_per_address",
            "Failed sign-ins an address may have in an hour."))
    var loginFailuresPerAddress: String?
    @Option(name: .customLong("token-failures-per-address"), help: Settings.help("token_failures_per_address",
            "Failed token, introspection and revocation requests an address may have in an hour."))
    var tokenFailuresPerAddress: String?
    @Option(name: .customLong("client-auth-failures"), help: Settings.help("client_auth_failures",
            "Failed authentications a client may have from one address in an hour; past them that address waits."))
    var clientAuthFailures: String?
    @Option(name: .customLong("federation-failures-per-address"), help: Settings.help("federation_failures_per_address",
            "Failed federation callbacks an address may have in an hour."))
    var federationFailuresPerAddress: String?
    @Option(name: .customLong("user-code-failures-per-address"), help: Settings.help("user_code_failures_per_address",
            "Wrong device user codes an address may enter in an hour."))
    var userCodeFailuresPerAddress: String?

    /// What the command line gave, by setting key, as text (or flags and lists).
    var commandLine: [String: Any] {
        var given: [String: Any] = [:]
        let texts: [(String, String?)] = [
            ("host", host), ("port", port), ("issuer", issuer), ("data", data.data), ("database", data.database),
            ("resources", resources), ("code_ttl", codeTTL), ("access_token_ttl", accessTokenTTL),
            ("refresh_token_ttl", refreshTokenTTL), ("refresh_reuse_grace", refreshReuseGrace), ("session_ttl", sessionTTL),
            ("session_max_ttl", sessionMaxTTL), ("legacy_client_id", legacyClientID), ("metrics_token", metricsToken), ("upstream_timeout", upstreamTimeout),
            ("log_format", logFormat), ("log_level", logLevel), ("key_reload_interval", keyReloadInterval),
            ("purge_interval", purgeInterval), ("audit_retention_days", auditRetentionDays),
            ("login_failures_per_account", loginFailuresPerAccount),
            ("login_failures_per_account_all_addresses", loginFailuresPerAccountAllAddresses),
            ("login_failures_per_address", loginFailuresPerAddress),
            ("token_failures_per_address", tokenFailuresPerAddress), ("client_auth_failures", clientAuthFailures),
            ("federation_failures_per_address", federationFailuresPerAddress),
            ("device_code_ttl", deviceCodeTTL), ("device_poll_interval", devicePollInterval),
            ("user_code_failures_per_address", userCodeFailuresPerAddress),
            ("idle_timeout", idleTimeout), ("request_read_timeout", requestReadTimeout),
            ("max_connections", maxConnections), ("max_connections_per_address", maxConnectionsPerAddress),
        ]
        for (key, value) in texts { if let value { given[key] = value } }
        if let demo { given["demo"] = demo }
        if let legacy { given["legacy"] = legacy }
        if !trustedProxies.isEmpty { given["trusted_proxies"] = trustedProxies }
        return given
    }

    /// The settings in effect, or every problem with them, each named with where it came from.
    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ResolvedSettings {
        let path = config ?? environment["SSO_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let given = Settings.gather(file: path, environment: environment, commandLine: commandLine)
        guard given.problems.isEmpty else { throw ValidationError(given.problems.joined(separator: "\n")) }
        return ResolvedSettings(commandLine: given.commandLine, environment: given.environment, file: given.file)
    }

    func run() async throws {
        let settings = try settings()
        if settings.text("log_format") == "json" {
            LoggingSystem.bootstrap(JSONLinesLogHandler.init(label:))
        } else {
            LoggingSystem.bootstrap(TextLogHandler.init(label:))
        }
        let host = settings.text("host") ?? "127.0.0.1"
        let port = settings.integer("port")
        guard let resources = settings.text("resources") ?? SSOServer.locateResources() else {
            throw ValidationError("Cannot find the Resources folder; pass --resources DIR or set SSO_RESOURCES.")
        }
        if let token = settings.text("metrics_token"), token.count < 16 {
            throw ValidationError("metrics_token must have 16 characters or more (a random value; 'openssl rand -hex 32').")
        }
        let sessionTTL = settings.integer("session_ttl")
        let options = ServerOptions(
            host: host, port: port, issuer: settings.text("issuer"), dataDirectory: settings.text("data") ?? "./data",
            database: settings.text("database"), resourcesDirectory: resources, demo: settings.boolean("demo"),
            lifetimes: Lifetimes(
                authorizationCode: settings.integer("code_ttl"), accessToken: settings.integer("access_token_ttl"),
                refreshToken: settings.integer("refresh_token_ttl"), sessionIdle: sessionTTL,
                sessionAbsolute: max(settings.integer("session_max_ttl"), sessionTTL),
                refreshReuseGrace: settings.integer("refresh_reuse_grace"), deviceCode: settings.integer("device_code_ttl"),
                devicePollInterval: settings.integer("device_poll_interval")),
            legacy: settings.boolean("legacy"),
            legacyClientID: settings.text("legacy_client_id") ?? "SingleSignOn",
            metricsToken: settings.text("metrics_token"),
            trustedProxies: Set(settings.list("trusted_proxies")),
            upstreamTimeout: settings.integer("upstream_timeout"),
            limits: AbuseLimits(
                loginFailuresPerAccount: settings.integer("login_failures_per_account"),
                loginFailuresPerAddress: settings.integer("login_failures_per_address"),
                tokenFailuresPerAddress: settings.integer("token_failures_per_address"),
                clientAuthFailures: settings.integer("client_auth_failures"),
                federationFailuresPerAddress: settings.integer("federation_failures_per_address"),
                userCodeFailuresPerAddress: settings.integer("user_code_failures_per_address"),
                loginFailuresPerAccountAllAddresses: settings.integer("login_failures_per_account_all_addresses")),
            keyReloadInterval: settings.integer("key_reload_interval"), purgeInterval: Double(settings.integer("purge_interval")),
            auditRetentionDays: settings.number("audit_retention_days"),
            connections: ConnectionLimits(
                idleTimeout: Double(settings.integer("idle_timeout")),
                requestReadTimeout: Double(settings.integer("request_read_timeout")),
                maximumConnections: settings.integer("max_connections"),
                maximumConnectionsPerAddress: settings.integer("max_connections_per_address")))
        // As many descriptors as the connection cap needs, where the hard limit allows: a shell's
        // soft limit is often 1,024. The server warns at start-up when they still disagree.
        options.connections.raiseOpenFileLimit()
        var environment = ProcessInfo.processInfo.environment
        environment["SSO_LOG_LEVEL"] = settings.text("log_level")
        let app = try await SSOServer.makeApplication(options, environment: environment)
        try await app.runService()
    }
}
