/// What the composition root hands every grant module, so that registering a grant is one
/// line: `SomeGrant(context)`. Each grant keeps only the parts it uses.
public struct GrantContext: Sendable {
    public var codes: any AuthorizationCodeStore
    public var refreshTokens: any RefreshTokenStore
    public var grants: any GrantStore
    public var clients: any ClientStore
    public var users: any UserStore
    public var devices: any DeviceAuthorizationStore
    public var events: any SecurityEventRecorder
    public var clock: any SSOClock
    public var random: any SecureRandom
    public var lifetimes: Lifetimes
    /// What a grant that serves endpoints of its own needs; `nil` where only the token
    /// endpoint runs (a grant's unit tests), and such a grant then serves no endpoints.
    public var endpoints: EndpointServices?

    public init(
        codes: any AuthorizationCodeStore, refreshTokens: any RefreshTokenStore, grants: any GrantStore,
        clients: any ClientStore, users: any UserStore, devices: any DeviceAuthorizationStore,
        events: any SecurityEventRecorder, clock: any SSOClock, random: any SecureRandom, lifetimes: Lifetimes,
        endpoints: EndpointServices? = nil
    ) {
        self.codes = codes
        self.refreshTokens = refreshTokens
        self.grants = grants
        self.clients = clients
        self.users = users
        self.devices = devices
        self.events = events
        self.clock = clock
        self.random = random
        self.lifetimes = lifetimes
        self.endpoints = endpoints
    }
}

/// The services of the server's own endpoints, for grant modules that serve endpoints too:
/// client authentication as at the token endpoint, the SSO session and sign-in of the login
/// page, the abuse limits, the registered scopes.
public struct EndpointServices: Sendable {
    /// The issuer URL, the base of every absolute URL a module hands out.
    public var issuer: String
    public var authenticator: ClientAuthenticator
    public var login: LoginService
    public var flow: AuthorizationFlow
    public var throttle: Throttle
    public var scopes: any ScopeStore

    public init(
        issuer: String, authenticator: ClientAuthenticator, login: LoginService, flow: AuthorizationFlow,
        throttle: Throttle, scopes: any ScopeStore
    ) {
        self.issuer = issuer
        self.authenticator = authenticator
        self.login = login
        self.flow = flow
        self.throttle = throttle
        self.scopes = scopes
    }
}
