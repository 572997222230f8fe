import Foundation
import Logging
import SSOCore
import SSOPasswords

/// How `sso serve` runs: its settings (command line, environment, configuration file,
/// defaults) merged, or what a test starts the server with.
public struct ServerOptions: Sendable {
    public var host: String
    public var port: Int
    /// The issuer URL: the one given, else `http://HOST:PORT` of the host and port as they are.
    public var issuer: String {
        get { givenIssuer ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }
        set { givenIssuer = newValue }
    }
    private var givenIssuer: String?
    public var dataDirectory: String
    /// `nil` for the SQLite file in the data directory, else a `postgres://` address shared
    /// by several instances.
    public var database: String?
    public var resourcesDirectory: String
    public var demo: Bool
    public var lifetimes: Lifetimes
    /// Serve the broker's legacy login endpoints.
    public var legacy: Bool
    /// The public client the legacy logins issue tokens to.
    public var legacyClientID: String
    /// The Bearer token that reads `/metrics`; `nil`: `/metrics` is not served.
    public var metricsToken: String?
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    public var trustedProxies: Set<String>
    /// Seconds an upstream provider has to answer each call.
    public var upstreamTimeout: Int
    /// Failure limits per account, address and client.
    public var limits: AbuseLimits
    /// Seconds between reads of the signing keys (a key added by `sso keys rotate` is seen
    /// within this time).
    public var keyReloadInterval: Int
    /// Seconds between background purges of expired rows; fractions allowed (tests).
    public var purgeInterval: Double
    /// Days security events are kept in the audit table; fractions allowed (a deployment that
    /// ships the JSON log to a collector may keep only hours).
    public var auditRetentionDays: Double
    /// The assurance levels (`acr` values) requests may ask for and clients may require, weakest first.
    public var assuranceLevels: AssuranceLevels = .standard
    /// Seconds between reads of the back-channel logout outbox; fractions allowed (tests).
    public var logoutDeliveryInterval: Double
    /// Idle and request-read timeouts, and the caps on open connections.
    public var connections: ConnectionLimits
    /// The level of the server's logger; above `info` (from `notice`) the access log is left out.
    public var logLevel: Logger.Level
    /// How log lines are written. The executable bootstraps swift-log with it, once per
    /// process, before it builds the application; `makeApplication` does not read it.
    public var logFormat: LogFormat
    /// Argon2id's cost for new password hashes; hashes below it are replaced at sign-in.
    public var passwordHash: Argon2Parameters
    /// Threads that check passwords at once; `nil`: one per core.
    public var passwordCheckThreads: Int?
    /// Seconds a sign-in may expect to wait for its password check before it is answered 503.
    public var passwordCheckMaximumWait: Double

    /// The password checks' threads and wait limit.
    public var passwordCheckLimits: PasswordHashingPool.Limits {
        passwordCheckThreads.map { PasswordHashingPool.Limits(threads: $0, maximumWait: passwordCheckMaximumWait) }
            ?? PasswordHashingPool.Limits(maximumWait: passwordCheckMaximumWait)
    }

    public init(
        host: String = "127.0.0.1", port: Int = 8080, issuer: String? = nil, dataDirectory: String = "./data",
        database: String? = nil, resourcesDirectory: String, demo: Bool = false, lifetimes: Lifetimes = Lifetimes(), legacy: Bool = true,
        legacyClientID: String = "SingleSignOn", metricsToken: String? = nil, trustedProxies: Set<String> = [],
        upstreamTimeout: Int = 10,
        limits: AbuseLimits = AbuseLimits(), keyReloadInterval: Int = 2,
        purgeInterval: Double = 60, auditRetentionDays: Double = 90, logoutDeliveryInterval: Double = 1,
        connections: ConnectionLimits = ConnectionLimits(), logLevel: Logger.Level = .info, logFormat: LogFormat = .json,
        passwordHash: Argon2Parameters = .baseline, passwordCheckThreads: Int? = nil, passwordCheckMaximumWait: Double = 2
    ) {
        self.host = host
        self.port = port
        self.givenIssuer = issuer
        self.dataDirectory = dataDirectory
        self.database = database
        self.resourcesDirectory = resourcesDirectory
        self.demo = demo
        self.lifetimes = lifetimes
        self.legacy = legacy
        self.legacyClientID = legacyClientID
        self.metricsToken = metricsToken
        self.trustedProxies = trustedProxies
        self.upstreamTimeout = upstreamTimeout
        self.limits = limits
        self.keyReloadInterval = keyReloadInterval
        self.purgeInterval = purgeInterval
        self.auditRetentionDays = auditRetentionDays
        self.logoutDeliveryInterval = logoutDeliveryInterval
        self.connections = connections
        self.logLevel = logLevel
        self.logFormat = logFormat
        self.passwordHash = passwordHash
        self.passwordCheckThreads = passwordCheckThreads
        self.passwordCheckMaximumWait = passwordCheckMaximumWait
    }
}

/// The log line formats: one JSON object per line for a collector, or swift-log's text layout.
public enum LogFormat: String, Sendable, CaseIterable {
    case json, text
}

/// Argon2 settings that libargon2 cannot run: less than 8 KiB of memory per lane.
public struct InvalidPasswordHashSettings: Error, CustomStringConvertible {
    public var parameters: Argon2Parameters

    public var description: String {
        "password_hash_memory (\(parameters.memoryKiB) KiB) must be at least 8 KiB per lane of password_hash_parallelism "
            + "(\(parameters.parallelism))"
    }
}
