import SSOCore

/// Everything the routes call, built by the composition root. Routes hold no state of their own.
public struct SSOServices: Sendable {
    public var clients: any ClientStore
    public var users: any UserStore
    public var interactions: any InteractionStore
    public var sessions: any SessionStore
    public var validator: AuthorizationRequestValidator
    public var flow: AuthorizationFlow
    public var login: LoginService
    public var tokenEndpoint: TokenEndpoint
    public var userInfo: UserInfoService
    public var introspection: TokenIntrospection
    /// Client authentication for the endpoints beside /token (introspection, revocation).
    public var authenticator: ClientAuthenticator
    public var signer: any TokenSigner
    public var clock: any SSOClock
    public var events: any SecurityEventRecorder
    public var random: any SecureRandom
    /// Endpoint modules (the legacy adapters) whose routes the HTTP layer serves.
    public var modules: [any EndpointModule]
    /// Upstream providers, for the login page's buttons; `nil` without federation.
    public var providers: (any ProviderStore)?
    /// Registered scopes, for the consent page and discovery.
    public var scopes: (any ScopeStore)?
    /// What `/readyz` checks.
    public var readiness: Readiness
    /// What `/metrics` exposes, and where requests and tokens are counted.
    public var metrics: ServerMetrics

    public init(
        clients: any ClientStore, users: any UserStore, interactions: any InteractionStore, sessions: any SessionStore,
        validator: AuthorizationRequestValidator, flow: AuthorizationFlow, login: LoginService,
        tokenEndpoint: TokenEndpoint, userInfo: UserInfoService, introspection: TokenIntrospection,
        authenticator: ClientAuthenticator, signer: any TokenSigner, clock: any SSOClock, events: any SecurityEventRecorder,
        random: any SecureRandom, modules: [any EndpointModule] = [], providers: (any ProviderStore)? = nil,
        scopes: (any ScopeStore)? = nil, readiness: Readiness = Readiness([]), metrics: ServerMetrics = .disabled
    ) {
        self.metrics = metrics
        self.readiness = readiness
        self.clients = clients
        self.users = users
        self.interactions = interactions
        self.sessions = sessions
        self.validator = validator
        self.flow = flow
        self.login = login
        self.tokenEndpoint = tokenEndpoint
        self.userInfo = userInfo
        self.introspection = introspection
        self.authenticator = authenticator
        self.signer = signer
        self.clock = clock
        self.events = events
        self.random = random
        self.modules = modules
        self.providers = providers
        self.scopes = scopes
    }
}
