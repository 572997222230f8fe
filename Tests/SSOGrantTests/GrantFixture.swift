import Foundation
import SSOCore
import SSOGrantAuthorizationCode
import SSOGrantRefreshToken
import SSOStorageSQLite
import SSOTesting
import SSOTokens

/// Real stores on a temporary SQLite file, a hand-moved clock and recorded events.
struct GrantFixture {
    let storage: SQLiteStorage
    let clock = TestClock()
    let events = RecordingEvents()
    let random = SystemSecureRandom()
    static let grantTypes = [GrantType.authorizationCode, .refreshToken].map(\.rawValue)
    static let secret = "app-secret"
    let client = Client(id: "app", name: "App", secretDigest: SecretDigest.sha256(secret), redirectURIs: ["https://a/cb"],
                        grantTypes: grantTypes, createdAt: Date())
    let other = Client(id: "other", name: "Other", secretDigest: "y", redirectURIs: ["https://b/cb"],
                       grantTypes: grantTypes, createdAt: Date())
    let lifetimes: Lifetimes

    init(lifetimes: Lifetimes = Lifetimes()) throws {
        self.lifetimes = lifetimes
        storage = try SQLiteStorage(path: FileManager.default.temporaryDirectory
            .appendingPathComponent("sso-grants-\(UUID().uuidString).sqlite").path)
    }

    var context: GrantContext {
        GrantContext(codes: storage, refreshTokens: storage, grants: storage, clients: storage, users: storage, devices: storage,
                     events: events, clock: clock, random: random, lifetimes: lifetimes)
    }

    func issuer() async throws -> DefaultTokenIssuer {
        let signer = try await JWTTokenSigner.load(
            store: storage, sealer: try KeySealer(keyMaterial: Data(repeating: 1, count: 32)), issuer: "https://sso.test",
            clock: clock, random: random)
        return DefaultTokenIssuer(issuer: "https://sso.test", signer: signer, refreshTokens: storage,
                                  references: storage, users: storage, events: events, clock: clock, random: random,
                                  lifetimes: lifetimes, refreshGrantType: .refreshToken)
    }

    /// The token endpoint's pipeline over the code and refresh grants, with `client` stored so
    /// that it authenticates; abuse limits only when `limits` are given.
    func endpoint(limits: AbuseLimits? = nil) async throws -> TokenEndpoint {
        try await storage.save(client)
        return TokenEndpoint(
            authenticator: ClientAuthenticator(clients: storage, events: events, clock: clock,
                                               throttle: limits.map { Throttle(store: storage, clock: clock, limits: $0) }),
            registry: try GrantRegistry([AuthorizationCodeGrant(context), RefreshTokenGrant(context)]),
            issuer: try await issuer())
    }

    /// `pairs` as `client`'s token request at the endpoint, authenticated with its secret.
    func endpointParameters(_ grantType: GrantType, _ pairs: [(String, String)]) -> RequestParameters {
        RequestParameters(([("grant_type", grantType.rawValue), ("client_id", client.id), ("client_secret", Self.secret)]
            + pairs).map { (name: $0.0, value: $0.1) })
    }

    /// Stores a fresh code and returns its plain value.
    func code(challenge: String? = nil, redirectURIWasSent: Bool = true, clientID: String = "app") async throws -> String {
        let value = random.token()
        let now = clock.now()
        try await storage.insert(AuthorizationCode(
            digest: SecretDigest.sha256(value), clientID: clientID, redirectURI: "https://a/cb",
            redirectURIWasSent: redirectURIWasSent, userID: "u1", sessionID: "s1", scopes: ScopeSet(["openid", "email"]),
            nonce: "n", codeChallenge: challenge, authTime: now, methods: ["pwd"], createdAt: now,
            expiresAt: now.addingTimeInterval(60)))
        return value
    }

    func request(_ pairs: [(String, String)], client: Client? = nil) -> TokenRequest {
        TokenRequest(client: client ?? self.client, parameters: RequestParameters(pairs.map { (name: $0.0, value: $0.1) }))
    }
}

/// A grant's outcome that a test expects to be tokens to mint.
struct NotIssued: Error { var outcome: GrantOutcome }

extension GrantOutcome {
    var authorized: AuthorizedGrant {
        get throws {
            guard case .issue(let authorized) = self else { throw NotIssued(outcome: self) }
            return authorized
        }
    }
}
