import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SSOCore
import SSOServer

/// `sso serve`: runs the authorization server.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the authorization server.")

    @Option(help: "Address to listen on (env SSO_HOST).") var host: String?
    @Option(help: "Port to listen on (env SSO_PORT).") var port: Int?
    @Option(help: "Issuer URL (env SSO_ISSUER; default http://HOST:PORT).") var issuer: String?
    @OptionGroup var data: DataOption
    @Option(help: "Folder with templates/, static/ and locales/ (env SSO_RESOURCES; found automatically).")
    var resources: String?
    @Flag(help: "Add a demo user and client and serve the demo application at /demo.") var demo = false
    @Option(name: .customLong("code-ttl"), help: "Authorization code lifetime, seconds.") var codeTTL = 60
    @Option(name: .customLong("access-token-ttl"), help: "Access and ID token lifetime, seconds.") var accessTokenTTL = 3600
    @Option(name: .customLong("refresh-token-ttl"), help: "Refresh token lifetime, seconds.") var refreshTokenTTL = 30 * 24 * 3600
    @Option(name: .customLong("session-ttl"), help: "SSO session idle timeout, seconds.") var sessionTTL = 8 * 3600
    @Option(name: .customLong("session-max-ttl"), help: "SSO session absolute lifetime, seconds.") var sessionMaxTTL = 7 * 24 * 3600
    @Option(name: .customLong("refresh-reuse-grace"),
            help: "Seconds after a refresh-token rotation in which the rotated token gets the same answer again (0: strict).")
    var refreshReuseGrace = 10
    @Flag(inversion: .prefixedNo, help: "Serve the broker's legacy login endpoints (env SSO_LEGACY=off turns them off).")
    var legacy = true
    @Option(name: .customLong("legacy-client-id"), help: "The public client legacy logins issue tokens to.")
    var legacyClientID = "SingleSignOn"
    @Option(name: .customLong("trusted-proxy"),
            help: "Address of a reverse proxy whose X-Forwarded-For is believed (repeatable; env SSO_TRUSTED_PROXIES, comma-separated).")
    var trustedProxies: [String] = []
    @Option(name: .customLong("upstream-timeout"), help: "Seconds an upstream sign-in provider has to answer each call.")
    var upstreamTimeout = 10
    @Option(name: .customLong("log-format"), help: "json (one JSON object per line) or text (env SSO_LOG_FORMAT).")
    var logFormat: String?
    @Option(name: .customLong("key-reload-interval"),
            help: "Seconds between reads of the signing keys: a key added by 'sso keys rotate' is seen within this time.")
    var keyReloadInterval = 30
    @Option(name: .customLong("purge-interval"), help: "Seconds between background purges of expired codes, tokens and sessions.")
    var purgeInterval = 60
    @Option(name: .customLong("audit-retention-days"),
            help: "Days security events are kept in the audit table (fractions allowed: 0.25 is six hours).")
    var auditRetentionDays = 90.0
    @Option(name: .customLong("login-failures-per-account"), help: "Failed sign-ins an account may have in an hour before it is locked.")
    var loginFailuresPerAccount = 5
    @Option(name: .customLong("login-failures-per-address"), help: "Failed sign-ins an address may have in an hour before it is locked.")
    var loginFailuresPerAddress = 20
    @Option(name: .customLong("token-failures-per-address"),
            help: "Failed token, introspection and revocation requests an address may have in an hour.")
    var tokenFailuresPerAddress = 50
    @Option(name: .customLong("client-auth-failures"), help: "Failed authentications a client may have in an hour.")
    var clientAuthFailures = 20
    @Option(name: .customLong("federation-failures-per-address"),
            help: "Failed federation callbacks an address may have in an hour.")
    var federationFailuresPerAddress = 20

    func validate() throws {
        for (name, value) in [("code-ttl", codeTTL), ("access-token-ttl", accessTokenTTL),
                              ("refresh-token-ttl", refreshTokenTTL), ("session-ttl", sessionTTL),
                              ("session-max-ttl", sessionMaxTTL), ("upstream-timeout", upstreamTimeout),
                              ("key-reload-interval", keyReloadInterval), ("purge-interval", purgeInterval)] where value <= 0 {
            throw ValidationError("--\(name) must be a positive number of seconds.")
        }
        for (name, value) in [("login-failures-per-account", loginFailuresPerAccount),
                              ("login-failures-per-address", loginFailuresPerAddress),
                              ("token-failures-per-address", tokenFailuresPerAddress),
                              ("client-auth-failures", clientAuthFailures),
                              ("federation-failures-per-address", federationFailuresPerAddress)] where value <= 0 {
            throw ValidationError("--\(name) must be a positive number.")
        }
        if let logFormat, !["json", "text"].contains(logFormat) {
            throw ValidationError("--log-format is json or text.")
        }
        guard auditRetentionDays > 0 else { throw ValidationError("--audit-retention-days must be positive.") }
        guard (0...300).contains(refreshReuseGrace) else {
            throw ValidationError("--refresh-reuse-grace must be from 0 to 300 seconds; a long window hides token theft.")
        }
    }

    func run() async throws {
        let format = logFormat ?? Environment.value("SSO_LOG_FORMAT") ?? "json"
        guard ["json", "text"].contains(format) else { throw ValidationError("SSO_LOG_FORMAT is json or text.") }
        if format == "json" { LoggingSystem.bootstrap(JSONLinesLogHandler.init(label:)) }
        let host = host ?? Environment.value("SSO_HOST") ?? "127.0.0.1"
        let port = port ?? Environment.value("SSO_PORT").map({ Int($0) ?? -1 }) ?? 8080
        guard (0...65535).contains(port) else {
            throw ValidationError("The port must be a number from 0 to 65535.")
        }
        guard let resources = resources ?? Environment.value("SSO_RESOURCES") ?? SSOServer.locateResources() else {
            throw ValidationError("Cannot find the Resources folder; pass --resources DIR or set SSO_RESOURCES.")
        }
        let issuer = issuer ?? Environment.value("SSO_ISSUER")
        if let issuer {
            guard let url = URL(string: issuer), let scheme = url.scheme, ["http", "https"].contains(scheme),
                url.host != nil, url.query == nil, url.fragment == nil
            else { throw ValidationError("The issuer must be an http(s) URL without query or fragment.") }
        }
        let options = ServerOptions(
            host: host, port: port, issuer: issuer, dataDirectory: data.directory, database: data.databaseURL,
            resourcesDirectory: resources,
            demo: demo,
            lifetimes: Lifetimes(authorizationCode: codeTTL, accessToken: accessTokenTTL, refreshToken: refreshTokenTTL,
                                 sessionIdle: sessionTTL, sessionAbsolute: max(sessionMaxTTL, sessionTTL),
                                 refreshReuseGrace: refreshReuseGrace),
            legacy: legacy && !["off", "0", "false", "no"].contains(Environment.value("SSO_LEGACY")?.lowercased() ?? ""),
            legacyClientID: legacyClientID,
            trustedProxies: Set(trustedProxies + (Environment.value("SSO_TRUSTED_PROXIES") ?? "")
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }),
            upstreamTimeout: upstreamTimeout,
            limits: AbuseLimits(
                loginFailuresPerAccount: loginFailuresPerAccount, loginFailuresPerAddress: loginFailuresPerAddress,
                tokenFailuresPerAddress: tokenFailuresPerAddress, clientAuthFailures: clientAuthFailures,
                federationFailuresPerAddress: federationFailuresPerAddress),
            keyReloadInterval: keyReloadInterval, purgeInterval: Double(purgeInterval),
            auditRetentionDays: auditRetentionDays)
        let app = try await SSOServer.makeApplication(options)
        try await app.runService()
    }
}
