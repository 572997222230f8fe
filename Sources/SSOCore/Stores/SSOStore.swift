/// The audit table of security events.
public protocol SecurityEventStore: Sendable {
    func appendSecurityEvent(_ event: SecurityEvent) async throws
    /// Several events in one transaction, in order.
    func appendSecurityEvents(_ events: [SecurityEvent]) async throws
    /// The newest events first, `limit` at most.
    func securityEvents(limit: Int) async throws -> [SecurityEvent]
}

/// Every store the server needs, from one backend: SQLite by default, a shared database for
/// several instances. The composition root and the `sso` commands depend on this alone, so a
/// backend is one more implementation of it, chosen at start-up.
public protocol SSOStore: ClientStore, UserStore, SessionStore, InteractionStore, AuthorizationCodeStore, GrantStore,
    RefreshTokenStore, ReferenceTokenStore, ConsentStore, SigningKeyStore, SecurityEventStore, ThrottleStore,
    ProviderStore, FederatedIdentityStore, FederationStateStore, ScopeStore, HousekeepingStore, LogoutDeliveryStore,
    DeviceAuthorizationStore, PasskeyStore
{
    /// Whether anything stored was sealed with the key-encryption key (signing keys, TOTP
    /// seeds, provider secrets): a missing key-encryption key may then not be replaced.
    func hasSealedSecrets() async throws -> Bool
    /// The longest access-token lifetime a client registered, if any did.
    func longestAccessTokenTTL() async throws -> Int?
    /// Many grants, refresh tokens and codes in one transaction (fixtures, imports).
    func bulkInsert(grants: [GrantRecord], refreshTokens: [RefreshTokenRecord], codes: [AuthorizationCode]) async throws
    /// How many database connections the store may use and how many are busy now (metrics).
    func connectionUsage() -> ConnectionUsage
}

/// A store's use of its database connections at one moment.
public struct ConnectionUsage: Sendable, Equatable {
    /// The most the store opens (SQLite: its read connections and the writer; PostgreSQL: the pool size).
    public var maximum: Int
    /// Busy now (SQLite: reads under way; PostgreSQL: statements and transactions under way).
    public var inUse: Int

    public init(maximum: Int, inUse: Int) {
        self.maximum = maximum
        self.inUse = inUse
    }
}
