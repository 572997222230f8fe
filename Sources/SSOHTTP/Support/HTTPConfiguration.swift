import Foundation
import SSOCore

/// What the HTTP layer needs to know about where it runs.
public struct HTTPConfiguration: Sendable {
    /// The issuer identifier; every absolute URL we publish starts with it.
    public var issuer: String
    /// The folder holding `templates/`, `static/` and `locales/`.
    public var resourcesDirectory: String
    /// Serve the demo relying party at `/demo`.
    public var demo: Bool
    /// Lifetime of the session cookie in the browser; the server enforces its own expiry too.
    public var sessionCookieMaxAge: Int
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed.
    public var trustedProxies: Set<String>
    /// The digest of the Bearer token that reads `/metrics`; `nil`: `/metrics` is not served on
    /// this public port at all (it tells traffic, clients and failures to whoever asks).
    public var metricsTokenDigest: String?

    public init(
        issuer: String, resourcesDirectory: String, demo: Bool = false, sessionCookieMaxAge: Int = 7 * 24 * 3600,
        trustedProxies: Set<String> = [], metricsToken: String? = nil
    ) {
        self.issuer = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        self.resourcesDirectory = resourcesDirectory
        self.demo = demo
        self.sessionCookieMaxAge = sessionCookieMaxAge
        self.trustedProxies = trustedProxies
        metricsTokenDigest = metricsToken.map(SecretDigest.sha256)
    }

    /// Cookies carry `Secure` whenever the issuer is served over HTTPS.
    public var secureCookies: Bool { issuer.lowercased().hasPrefix("https://") }
}
