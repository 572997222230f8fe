import Foundation

/// How a client proves its identity at the token endpoint (RFC 7591 `token_endpoint_auth_method`).
public enum ClientAuthMethod: String, Sendable, Codable, CaseIterable {
    case clientSecretBasic = "client_secret_basic"
    case clientSecretPost = "client_secret_post"
    case none
}

/// A registered relying party.
public struct Client: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    /// SHA-256 digest of the secret; `nil` for a public client.
    public var secretDigest: String?
    /// Exact strings; `/authorize` compares `redirect_uri` to them character for character.
    public var redirectURIs: [String]
    public var allowedScopes: ScopeSet
    public var grantTypes: [String]
    public var authMethod: ClientAuthMethod
    /// When set, a confidential client must authenticate exactly with `authMethod`; otherwise
    /// it may use either `client_secret_basic` or `client_secret_post`.
    public var authMethodPinned: Bool
    /// Skips the consent page: for first-party sites of the broker itself.
    public var skipConsent: Bool
    /// Whether `/authorize` demands a PKCE challenge. A challenge that is sent is always enforced.
    public var pkceRequired: Bool
    /// JWS algorithm of ID tokens for this client; RS256 unless registered otherwise,
    /// since OpenID Connect makes RS256 the default every client must accept.
    public var idTokenSigningAlgorithm: SigningAlgorithm
    /// Access- and ID-token lifetime for this client, seconds; `nil` means the server's default.
    public var accessTokenTTL: Int?
    public var accessTokenFormat: AccessTokenFormat
    /// Reference tokens only: each use renews the token for its lifetime again, until this many
    /// seconds after issue; `nil` means no sliding.
    public var slidingMaxTTL: Int?
    /// Refresh-token lifetime for this client, seconds; `nil` means the server's default.
    public var refreshTokenTTL: Int?
    /// Where RP-initiated logout may return to.
    public var postLogoutRedirectURIs: [String]
    /// Where the server posts a logout token when a session this client was part of ends
    /// (OpenID Connect Back-Channel Logout 1.0); `nil`: the client is not told.
    public var backchannelLogoutURI: String?
    /// The resource server (RFC 9068 `aud`) of the tokens this client obtains for itself with
    /// `client_credentials`; `nil`: this server's issuer.
    public var audience: String?
    /// When this client is a resource server: the audience (`aud`) of the tokens it serves,
    /// which it may introspect (RFC 7662 section 4). The issuer's URL is the audience of the
    /// tokens users get through `/authorize`. `nil`: it introspects only its own tokens.
    public var resourceAudience: String?
    /// Whether the client may use the federation JSON API (`/api/v1/oauth/authorize-url/` and
    /// `/api/v1/oauth/authorize/`), which signs users in through an upstream provider without
    /// our login page. Off unless switched on for the client.
    public var federationAPI: Bool
    /// The assurance level (`acr`) asked for this client when its request names none of the
    /// server's levels; `nil`: none is asked.
    public var defaultACR: String?
    /// The weakest assurance level this client accepts: a request for less, or for nothing, is
    /// treated as a request for this one, and no code is issued below it (an essential claim,
    /// OpenID Connect Core 5.5.1.1); `nil`: no minimum.
    public var minimumACR: String?
    public var createdAt: Date

    public init(
        id: String, name: String, secretDigest: String?, redirectURIs: [String],
        allowedScopes: ScopeSet = StandardScope.defaultForClients,
        grantTypes: [String],
        authMethod: ClientAuthMethod = .clientSecretBasic, authMethodPinned: Bool = false, skipConsent: Bool = false,
        pkceRequired: Bool = true, idTokenSigningAlgorithm: SigningAlgorithm = .rs256, accessTokenTTL: Int? = nil,
        refreshTokenTTL: Int? = nil, postLogoutRedirectURIs: [String] = [], accessTokenFormat: AccessTokenFormat = .jwt,
        slidingMaxTTL: Int? = nil, backchannelLogoutURI: String? = nil, audience: String? = nil,
        resourceAudience: String? = nil, federationAPI: Bool = false, defaultACR: String? = nil, minimumACR: String? = nil,
        createdAt: Date
    ) {
        self.id = id
        self.name = name
        self.secretDigest = secretDigest
        self.redirectURIs = redirectURIs
        self.allowedScopes = allowedScopes
        self.grantTypes = grantTypes
        self.authMethod = authMethod
        self.authMethodPinned = authMethodPinned
        self.skipConsent = skipConsent
        self.pkceRequired = pkceRequired
        self.idTokenSigningAlgorithm = idTokenSigningAlgorithm
        self.accessTokenTTL = accessTokenTTL
        self.accessTokenFormat = accessTokenFormat
        self.slidingMaxTTL = slidingMaxTTL
        self.refreshTokenTTL = refreshTokenTTL
        self.postLogoutRedirectURIs = postLogoutRedirectURIs
        self.backchannelLogoutURI = backchannelLogoutURI
        self.audience = audience
        self.resourceAudience = resourceAudience
        self.federationAPI = federationAPI
        self.defaultACR = defaultACR
        self.minimumACR = minimumACR
        self.createdAt = createdAt
    }

    public var isPublic: Bool { authMethod == .none }
    public func allowsGrant(_ grantType: GrantType) -> Bool { grantTypes.contains(grantType.rawValue) }

    /// The partner convention's minimal code exchange: a public client registered with PKCE
    /// optional may exchange its code with `grant_type`, `code` and `client_id` only, leaving out
    /// the `redirect_uri` its authorization request carried, which RFC 6749 section 4.1.3 wants
    /// repeated. A `redirect_uri` it does send must still match. No other client may omit it: a
    /// confidential client, or one that must use PKCE, follows the RFC.
    public var allowsMinimalCodeExchange: Bool { isPublic && !pkceRequired }
}
