import Foundation

/// An upstream identity provider users may sign in with (Yandex, Google, Mail.ru, VK ID, or
/// any OpenID Connect provider). Its client secret is sealed: the server must send it upstream.
public struct UpstreamProvider: Sendable, Codable, Equatable {
    /// How the provider describes the user, which decides how its profile is read.
    public enum ProfileShape: String, Sendable, Codable, CaseIterable {
        /// OpenID Connect: an ID token (validated against the JWKS) and standard userinfo claims.
        case oidc
        case yandex, google, mail, vk
    }

    public var name: String
    public var displayName: String
    public var shape: ProfileShape
    public var clientID: String
    public var clientSecretSealed: Data?
    public var authorizeURL: String
    public var tokenURL: String
    public var userinfoURL: String?
    /// OpenID Connect only: the issuer and key set ID tokens are checked against.
    public var issuer: String?
    public var jwksURI: String?
    public var scopes: ScopeSet
    public var usesPKCE: Bool
    /// Link to an existing local account with the same email, when the provider says it is verified.
    public var linkByVerifiedEmail: Bool
    public var createdAt: Date

    public init(
        name: String, displayName: String, shape: ProfileShape, clientID: String, clientSecretSealed: Data?,
        authorizeURL: String, tokenURL: String, userinfoURL: String?, issuer: String?, jwksURI: String?,
        scopes: ScopeSet, usesPKCE: Bool, linkByVerifiedEmail: Bool = true, createdAt: Date
    ) {
        self.name = name
        self.displayName = displayName
        self.shape = shape
        self.clientID = clientID
        self.clientSecretSealed = clientSecretSealed
        self.authorizeURL = authorizeURL
        self.tokenURL = tokenURL
        self.userinfoURL = userinfoURL
        self.issuer = issuer
        self.jwksURI = jwksURI
        self.scopes = scopes
        self.usesPKCE = usesPKCE
        self.linkByVerifiedEmail = linkByVerifiedEmail
        self.createdAt = createdAt
    }

    /// Whether ID tokens are expected and validated.
    public var isOpenIDConnect: Bool { issuer != nil && jwksURI != nil }
}

/// A pending upstream sign-in: what the callback needs, keyed by the `state` sent upstream.
public struct FederationState: Sendable, Codable, Equatable {
    public var id: String
    public var provider: String
    public var nonce: String?
    public var codeVerifier: String?
    /// Browser flow: the interaction to continue, and the browser it is bound to.
    public var interactionID: String?
    public var browserBinding: String?
    /// Seed 002's API: the client site the callback sends the code to, and its client.
    public var clientRedirectURL: String?
    public var clientID: String?
    public var createdAt: Date
    public var expiresAt: Date

    public init(
        id: String, provider: String, nonce: String?, codeVerifier: String?, interactionID: String?,
        browserBinding: String?, clientRedirectURL: String?, clientID: String?, createdAt: Date, expiresAt: Date
    ) {
        self.id = id
        self.provider = provider
        self.nonce = nonce
        self.codeVerifier = codeVerifier
        self.interactionID = interactionID
        self.browserBinding = browserBinding
        self.clientRedirectURL = clientRedirectURL
        self.clientID = clientID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
