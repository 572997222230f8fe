import ArgumentParser
import Foundation
import SSOCore
import SSOServer

/// The per-client policy options shared by `client add` and `client update`. Every one is
/// optional: `add` starts from the defaults, `update` from the stored client.
struct ClientPolicyOptions: ParsableArguments {
    /// The grant types of the modules this server is built with.
    static var grantTypes: Set<String> { Set(GrantModules.grantTypes) }

    @Option(name: .customLong("redirect-uri"), help: "A redirect URI, compared exactly (repeatable).")
    var redirectURIs: [String] = []
    @Option(help: "Allowed scopes, space-separated (default \"openid profile email\").") var scope: String?
    @Option(help: "Display name shown on the login and consent pages.") var name: String?
    @Flag(name: .customLong("skip-consent"), inversion: .prefixedNo, help: "Do not ask users for consent (first-party sites).")
    var skipConsent: Bool?
    @Option(name: .customLong("grant-types"), parsing: .singleValue,
            help: ArgumentHelp("Allowed grant types (comma-separated or repeated; default authorization_code,refresh_token), of: "
                               + GrantModules.grantTypes.joined(separator: ", ") + "."))
    var grantTypes: [String] = []
    @Flag(name: .customLong("no-refresh-token"), help: "Issue no refresh tokens (removes the refresh_token grant).")
    var noRefreshToken = false
    @Option(help: "PKCE: required (default) or optional (for legacy partners; a sent challenge is still enforced).")
    var pkce: String?
    @Option(name: .customLong("access-token-ttl"), help: "Access- and ID-token lifetime, seconds (default: the server's).")
    var accessTokenTTL: Int?
    @Option(name: .customLong("access-token-format"), help: "jwt (default) or reference (opaque, checked by lookup).")
    var accessTokenFormat: String?
    @Flag(help: "Reference tokens: renew the lifetime on every use (with --sliding-max as the absolute cap).")
    var sliding = false
    @Option(name: .customLong("sliding-max"), help: "Seconds after issue beyond which a sliding token is never renewed.")
    var slidingMax: Int?
    @Option(name: .customLong("refresh-token-ttl"), help: "Refresh-token lifetime, seconds (default: the server's).")
    var refreshTokenTTL: Int?
    @Option(name: .customLong("id-token-alg"), help: "ID-token signature: RS256 (default), ES256 or EdDSA.")
    var idTokenAlg: String?
    @Option(name: .customLong("token-endpoint-auth"),
            help: "Pin the client authentication: client_secret_basic, client_secret_post, or none (public).")
    var tokenEndpointAuth: String?
    @Option(name: .customLong("post-logout-redirect-uri"), help: "Where logout may return to (repeatable).")
    var postLogoutRedirectURIs: [String] = []
    @Option(name: .customLong("backchannel-logout-uri"),
            help: "Where a logout token is posted when a user's session ends (OpenID Connect Back-Channel Logout); '' removes it.")
    var backchannelLogoutURI: String?
    @Option(help: "The resource server (aud) of the tokens this client gets with client_credentials; '' removes it.")
    var audience: String?
    @Option(name: .customLong("resource-server"),
            help: "This client is the resource server of tokens with this audience (aud) and may introspect them; the issuer's URL for users' tokens from /authorize; '' removes it.")
    var resourceAudience: String?
    @Flag(name: .customLong("federation-api"), inversion: .prefixedNo,
          help: "Allow the federation JSON API (/api/v1/oauth/authorize-url/ and /api/v1/oauth/authorize/) (default off).")
    var federationAPI: Bool?
    @Option(name: .customLong("default-acr"),
            help: "The assurance level (acr) asked for when a request names none of the server's levels; '' removes it.")
    var defaultACR: String?
    @Option(name: .customLong("minimum-acr"),
            help: "The weakest assurance level (acr) this client accepts: never a code below it; '' removes it.")
    var minimumACR: String?

    var parsedGrantTypes: [String] {
        grantTypes.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    func check() throws {
        for uri in redirectURIs + postLogoutRedirectURIs {
            guard let url = URL(string: uri), let scheme = url.scheme, !scheme.isEmpty, url.fragment == nil, !uri.contains("#")
            else { throw ValidationError("'\(uri)' is not an absolute URI without a fragment.") }
        }
        if let backchannelLogoutURI, !backchannelLogoutURI.isEmpty {
            // Back-Channel Logout 1.0 section 2.2: an absolute http(s) URI without a fragment.
            guard let url = URL(string: backchannelLogoutURI), ["http", "https"].contains(url.scheme ?? ""),
                url.host != nil, url.fragment == nil
            else { throw ValidationError("--backchannel-logout-uri must be an absolute http(s) URI without a fragment.") }
        }
        if let scope, ScopeSet(parsing: scope) == nil { throw ValidationError("--scope has characters RFC 6749 forbids.") }
        if let audience, audience.contains(where: { $0.isWhitespace || $0.isNewline }) {
            throw ValidationError("--audience is one URI or name, without spaces.")
        }
        if let resourceAudience, resourceAudience.contains(where: { $0.isWhitespace || $0.isNewline }) {
            throw ValidationError("--resource-server is one URI or name, without spaces.")
        }
        for (flag, value) in [("--default-acr", defaultACR), ("--minimum-acr", minimumACR)] {
            if let value, value.contains(where: { $0.isWhitespace || $0.isNewline }) {
                throw ValidationError("\(flag) is one acr value (a level of the server's acr_levels), without spaces.")
            }
        }
        if let pkce, !["required", "optional"].contains(pkce) { throw ValidationError("--pkce is required or optional.") }
        for type in parsedGrantTypes where !Self.grantTypes.contains(type) {
            throw ValidationError("Unknown grant type '\(type)'; this server offers \(Self.grantTypes.sorted().joined(separator: ", ")).")
        }
        if let accessTokenFormat, AccessTokenFormat(rawValue: accessTokenFormat) == nil {
            throw ValidationError("--access-token-format is jwt or reference.")
        }
        if sliding, accessTokenFormat == "jwt" { throw ValidationError("Only reference tokens can slide.") }
        if slidingMax != nil, !sliding { throw ValidationError("--sliding-max goes with --sliding.") }
        for (flag, value) in [("--access-token-ttl", accessTokenTTL), ("--refresh-token-ttl", refreshTokenTTL),
                              ("--sliding-max", slidingMax)] {
            if let value, value <= 0 { throw ValidationError("\(flag) must be a positive number of seconds.") }
        }
        if let idTokenAlg, SigningAlgorithm(rawValue: idTokenAlg) == nil {
            throw ValidationError("--id-token-alg is RS256, ES256 or EdDSA.")
        }
        if let tokenEndpointAuth, ClientAuthMethod(rawValue: tokenEndpointAuth) == nil {
            throw ValidationError("--token-endpoint-auth is client_secret_basic, client_secret_post or none.")
        }
    }

    /// A client may only be allowed scopes the server knows (built in or `sso scope add`).
    func checkScopesKnown(_ client: Client, storage: some ScopeStore) async throws {
        let unknown = try await storage.unknownScopes(in: client.allowedScopes)
        guard unknown.isEmpty else {
            throw ValidationError("Unknown scope \(unknown.joined(separator: ", ")); register it first with 'sso scope add'.")
        }
    }

    func apply(to client: inout Client) {
        if !redirectURIs.isEmpty { client.redirectURIs = redirectURIs }
        if let scope, let scopes = ScopeSet(parsing: scope) { client.allowedScopes = scopes }
        if let name { client.name = name }
        if let skipConsent { client.skipConsent = skipConsent }
        if !parsedGrantTypes.isEmpty { client.grantTypes = parsedGrantTypes }
        if noRefreshToken { client.grantTypes.removeAll { $0 == "refresh_token" } }
        if let pkce { client.pkceRequired = pkce == "required" }
        if let accessTokenTTL { client.accessTokenTTL = accessTokenTTL }
        if let refreshTokenTTL { client.refreshTokenTTL = refreshTokenTTL }
        if let accessTokenFormat, let format = AccessTokenFormat(rawValue: accessTokenFormat) {
            client.accessTokenFormat = format
            if format == .jwt { client.slidingMaxTTL = nil }
        }
        if sliding {
            client.accessTokenFormat = .reference
            // Without an explicit cap a sliding token lives at most 30 days.
            client.slidingMaxTTL = slidingMax ?? 30 * 24 * 3600
        }
        if let idTokenAlg, let algorithm = SigningAlgorithm(rawValue: idTokenAlg) { client.idTokenSigningAlgorithm = algorithm }
        if let tokenEndpointAuth, let method = ClientAuthMethod(rawValue: tokenEndpointAuth) {
            client.authMethod = method
            client.authMethodPinned = method != .none
        }
        if !postLogoutRedirectURIs.isEmpty { client.postLogoutRedirectURIs = postLogoutRedirectURIs }
        if let backchannelLogoutURI { client.backchannelLogoutURI = backchannelLogoutURI.isEmpty ? nil : backchannelLogoutURI }
        if let audience { client.audience = audience.isEmpty ? nil : audience }
        if let resourceAudience { client.resourceAudience = resourceAudience.isEmpty ? nil : resourceAudience }
        if let federationAPI { client.federationAPI = federationAPI }
        if let defaultACR { client.defaultACR = defaultACR.isEmpty ? nil : defaultACR }
        if let minimumACR { client.minimumACR = minimumACR.isEmpty ? nil : minimumACR }
    }

    /// The grant types the client will have: a client without authorization_code (a machine
    /// client) needs no redirect URI.
    var effectiveGrantTypes: [String] {
        var types = parsedGrantTypes.isEmpty ? ["authorization_code", "refresh_token"] : parsedGrantTypes
        if noRefreshToken { types.removeAll { $0 == "refresh_token" } }
        return types
    }
}
