import Foundation
import SSOCore
import SSOEndpointModel

/// The core services the server's own endpoints call, built by the composition root. The
/// endpoint modules hold no state of their own.
public struct ProtocolServices: Sendable {
    /// The issuer identifier; every absolute URL the endpoints publish starts with it.
    public var issuer: String
    public var clients: any ClientStore
    public var users: any UserStore
    public var interactions: any InteractionStore
    public var validator: AuthorizationRequestValidator
    public var flow: AuthorizationFlow
    public var binding: InteractionBinding
    public var login: LoginService
    public var logout: LogoutFlow
    public var tokenEndpoint: TokenEndpoint
    public var userInfo: UserInfoService
    public var introspection: TokenIntrospection
    /// Client authentication for the endpoints beside /token (introspection, revocation).
    public var authenticator: ClientAuthenticator
    public var signer: any TokenSigner
    /// Upstream providers, for the login page's buttons; `nil` without federation.
    public var providers: (any ProviderStore)?
    /// Registered scopes, for discovery.
    public var scopes: (any ScopeStore)?
    /// Users' passkeys, for the second-factor page's passkey button; `nil` without passkeys.
    public var passkeys: (any PasskeyStore)?
    /// Told the grant type of every token response, for the metrics.
    public var tokenIssued: @Sendable (String) -> Void

    public init(
        issuer: String, clients: any ClientStore, users: any UserStore, interactions: any InteractionStore,
        validator: AuthorizationRequestValidator, flow: AuthorizationFlow, binding: InteractionBinding,
        login: LoginService, logout: LogoutFlow, tokenEndpoint: TokenEndpoint, userInfo: UserInfoService,
        introspection: TokenIntrospection, authenticator: ClientAuthenticator, signer: any TokenSigner,
        providers: (any ProviderStore)? = nil, scopes: (any ScopeStore)? = nil, passkeys: (any PasskeyStore)? = nil,
        tokenIssued: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.issuer = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        self.clients = clients
        self.users = users
        self.interactions = interactions
        self.validator = validator
        self.flow = flow
        self.binding = binding
        self.login = login
        self.logout = logout
        self.tokenEndpoint = tokenEndpoint
        self.userInfo = userInfo
        self.introspection = introspection
        self.authenticator = authenticator
        self.signer = signer
        self.providers = providers
        self.scopes = scopes
        self.passkeys = passkeys
        self.tokenIssued = tokenIssued
    }

    /// The server's own endpoint modules, in the order they are served. `metadata`: the
    /// discovery entries the other modules add.
    public func modules(metadata: [String: String]) -> [any EndpointModule] {
        // The busiest first: the router tries paths in the order they are added.
        [
            TokenEndpoints(services: self),
            ResourceEndpoints(services: self),
            DiscoveryEndpoints(services: self, extra: metadata),
            AuthorizeEndpoints(services: self),
            LoginEndpoints(services: self),
            ConsentEndpoints(services: self),
            LogoutEndpoints(services: self),
        ]
    }
}
