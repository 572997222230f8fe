import Foundation
import SSOCore
import SSOStorageSQLite
import SSOTesting
import SSOTokens

/// Real stores on a temporary SQLite file, a hand-moved clock and recorded events.
struct GrantFixture {
    let storage: SQLiteStorage
    let clock = TestClock()
    let events = RecordingEvents()
    let random = SystemSecureRandom()
    let client = Client(id: "app", name: "App", secretDigest: "x", redirectURIs: ["https://a/cb"], createdAt: Date())
    let other = Client(id: "other", name: "Other", secretDigest: "y", redirectURIs: ["https://b/cb"], createdAt: Date())
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
                                  references: storage, grants: storage,
                                  users: storage, events: events, clock: clock, random: random, lifetimes: lifetimes)
    }

    /// Stores a fresh code and returns its plain value.
    func code(challenge: String? = nil, redirectURIWasSent: Bool = true) async throws -> String {
        let value = random.token()
        let now = clock.now()
        try await storage.insert(AuthorizationCode(
            digest: SecretDigest.sha256(value), clientID: "app", redirectURI: "https://a/cb",
            redirectURIWasSent: redirectURIWasSent, userID: "u1", sessionID: "s1", scopes: ScopeSet(["openid", "email"]),
            nonce: "n", codeChallenge: challenge, authTime: now, methods: ["pwd"], createdAt: now,
            expiresAt: now.addingTimeInterval(60)))
        return value
    }

    func request(_ pairs: [(String, String)], client: Client? = nil) -> TokenRequest {
        TokenRequest(client: client ?? self.client, parameters: RequestParameters(pairs.map { (name: $0.0, value: $0.1) }))
    }
}
