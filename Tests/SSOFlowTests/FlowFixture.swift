import Foundation
import SSOCore
import SSOPasswords
import SSOStorageSQLite
import SSOTesting
import SSOTokens
import SSOTOTP
import Testing

/// The core's browser flows over real stores on a temporary SQLite file, without HTTP.
struct FlowFixture {
    let storage: SQLiteStorage
    let clock = TestClock()
    let events = RecordingEvents()
    let random = SystemSecureRandom()
    let lifetimes = Lifetimes()
    let login: LoginService
    let signer: JWTTokenSigner
    let client = Client(id: "rp", name: "RP", secretDigest: "x", redirectURIs: ["https://rp.test/cb"], grantTypes: ["authorization_code"],
                        postLogoutRedirectURIs: ["https://rp.test/bye"], createdAt: Date())
    let user = User(id: "u1", login: "alice", passwordHash: nil, createdAt: Date())

    init() async throws {
        storage = try SQLiteStorage(path: FileManager.default.temporaryDirectory
            .appendingPathComponent("sso-flows-\(UUID().uuidString).sqlite").path)
        let sealer = try KeySealer(keyMaterial: Data(repeating: 7, count: 32))
        login = LoginService(
            users: storage, sessions: storage, hasher: BcryptPasswordHasher(),
            secondFactor: SecondFactorService(users: storage, sealer: sealer, algorithm: RFC6238TOTP(), clock: clock,
                                              random: random),
            throttle: Throttle(store: storage, clock: clock), events: events, clock: clock, random: random,
            lifetimes: lifetimes)
        signer = try await JWTTokenSigner.load(store: storage, sealer: sealer, issuer: "https://sso.test", clock: clock,
                                               random: random)
        try await storage.save(client)
        try await storage.save(Client(id: "other", name: "Other", secretDigest: "y", redirectURIs: ["https://other.test/cb"],
                                      grantTypes: ["authorization_code"],
                                      postLogoutRedirectURIs: ["https://other.test/bye"], createdAt: Date()))
        try await storage.insert(user)
        try await storage.insert(User(id: "u2", login: "bob", passwordHash: nil, createdAt: Date()))
    }

    var binding: InteractionBinding {
        InteractionBinding(interactions: storage, clients: storage, login: login, clock: clock)
    }

    var logout: LogoutFlow {
        LogoutFlow(clients: storage, sessions: storage, signer: signer, login: login, events: events, clock: clock)
    }

    /// A signed-in browser: the session and its cookie's secret.
    func session(for userID: String = "u1") async throws -> (SSOSession, String) {
        try await login.openSession(for: try #require(await storage.user(id: userID)), methods: ["pwd"])
    }

    /// A pending interaction of `client`, bound to the browser whose binding cookie is `browserSecret`.
    func interaction(browserSecret: String, sessionID: String? = nil, lifetime: TimeInterval = 600) async throws -> Interaction {
        let now = clock.now()
        let interaction = Interaction(
            id: random.token(), request: AuthorizationRequest(clientID: client.id, redirectURI: "https://rp.test/cb",
                                                              scopes: ScopeSet(["openid"])),
            browserBinding: SecretDigest.sha256(browserSecret), createdAt: now, expiresAt: now.addingTimeInterval(lifetime),
            sessionID: sessionID)
        try await storage.insert(interaction)
        return interaction
    }

    /// An ID token of `client` for `userID`, as a relying party keeps it for logout.
    func idToken(for userID: String = "u1", audience: String = "rp") async throws -> String {
        let now = Int(clock.now().timeIntervalSince1970)
        return try await signer.signIDToken(
            IDTokenClaims(iss: "https://sso.test", sub: userID, aud: audience, exp: now + 300, iat: now, authTime: now,
                          nonce: nil, atHash: nil, azp: nil, sid: nil, amr: nil, user: nil),
            algorithm: .es256)
    }

    static func parameters(_ pairs: [(String, String)]) -> RequestParameters {
        RequestParameters(pairs.map { (name: $0.0, value: $0.1) })
    }
}
