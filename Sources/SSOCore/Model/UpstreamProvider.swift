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
    /// When the upstream account is not linked yet and its e-mail is that of a local account,
    /// offer to connect it to that account, which the user then signs in to (password, and its
    /// second factor when it has one). Off: such a sign-in is refused. Either way nothing is
    /// linked without that sign-in, and no second account with the same e-mail is created.
    /// Stored under its former name, `linkByVerifiedEmail`, which linked without asking.
    public var offerLinkByEmail: Bool
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case name, displayName, shape, clientID, clientSecretSealed, authorizeURL, tokenURL, userinfoURL, issuer
        case jwksURI, scopes, usesPKCE, createdAt
        case offerLinkByEmail = "linkByVerifiedEmail"
    }

    public init(
        name: String, displayName: String, shape: ProfileShape, clientID: String, clientSecretSealed: Data?,
        authorizeURL: String, tokenURL: String, userinfoURL: String?, issuer: String?, jwksURI: String?,
        scopes: ScopeSet, usesPKCE: Bool, offerLinkByEmail: Bool = true, createdAt: Date
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
        self.offerLinkByEmail = offerLinkByEmail
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
    /// The federation JSON API: the client site the callback sends the code to, the client
    /// that authenticated when asking for it, and the PKCE challenge (S256) it bound, if any.
    public var clientRedirectURL: String?
    public var clientID: String?
    public var codeChallenge: String?
    /// The scopes the client asked for in the first call; `nil`: those it is allowed.
    public var scopes: ScopeSet?
    /// Browser flow, after the provider answered: what the local account still owes.
    public var pending: PendingFederatedSignIn?
    /// Linking from the account page: the session (signed in locally, recently) whose user the
    /// upstream account is linked to; the callback must come back to that same session.
    public var linkingSessionID: String? = nil
    public var createdAt: Date
    public var expiresAt: Date

    public init(
        id: String, provider: String, nonce: String?, codeVerifier: String?, interactionID: String?,
        browserBinding: String?, clientRedirectURL: String?, clientID: String?, codeChallenge: String? = nil,
        pending: PendingFederatedSignIn? = nil, createdAt: Date, expiresAt: Date
    ) {
        self.id = id
        self.provider = provider
        self.nonce = nonce
        self.codeVerifier = codeVerifier
        self.interactionID = interactionID
        self.browserBinding = browserBinding
        self.clientRedirectURL = clientRedirectURL
        self.clientID = clientID
        self.codeChallenge = codeChallenge
        self.pending = pending
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// A browser's federated sign-in that the provider has answered but that waits on the local
/// account: its password, to connect the upstream account to it, or its second factor.
public struct PendingFederatedSignIn: Sendable, Codable, Equatable {
    public enum Step: String, Sendable, Codable {
        /// The upstream e-mail is a local account's: sign in to it to connect the provider.
        case connect
        /// The local account has TOTP: its code is due before the session opens.
        case secondFactor
    }

    public var step: Step
    /// The upstream account (its subject at `FederationState.provider`).
    public var subject: String
    /// The upstream e-mail (shown on the connect page).
    public var email: String?
    /// `connect`: the local accounts with that e-mail, one of which must sign in.
    public var candidateUserIDs: [String]
    /// `secondFactor`: the account whose code is due.
    public var userID: String?
    /// `secondFactor`: record the link once the code is right (the connect step came first).
    public var linking: Bool
    /// What the browser has proven so far (`fed`, then `pwd`).
    public var methods: [String]

    public init(
        step: Step, subject: String, email: String? = nil, candidateUserIDs: [String] = [], userID: String? = nil,
        linking: Bool = false, methods: [String]
    ) {
        self.step = step
        self.subject = subject
        self.email = email
        self.candidateUserIDs = candidateUserIDs
        self.userID = userID
        self.linking = linking
        self.methods = methods
    }
}
