/// What the composition root hands every grant module, so that registering a grant is one
/// line: `SomeGrant(context)`. Each grant keeps only the parts it uses.
public struct GrantContext: Sendable {
    public var codes: any AuthorizationCodeStore
    public var refreshTokens: any RefreshTokenStore
    public var grants: any GrantStore
    public var clients: any ClientStore
    public var users: any UserStore
    public var events: any SecurityEventRecorder
    public var clock: any SSOClock
    public var random: any SecureRandom
    public var lifetimes: Lifetimes

    public init(
        codes: any AuthorizationCodeStore, refreshTokens: any RefreshTokenStore, grants: any GrantStore,
        clients: any ClientStore, users: any UserStore, events: any SecurityEventRecorder, clock: any SSOClock,
        random: any SecureRandom, lifetimes: Lifetimes
    ) {
        self.codes = codes
        self.refreshTokens = refreshTokens
        self.grants = grants
        self.clients = clients
        self.users = users
        self.events = events
        self.clock = clock
        self.random = random
        self.lifetimes = lifetimes
    }
}
