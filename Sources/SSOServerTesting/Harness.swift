import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SSOCore
import SSOPasswords
import SSOServer
import SSOStorageSQLite
import SSOTesting
import SSOTOTP

/// A real server (the composition root of `sso serve`) on an ephemeral port, with a fresh
/// SQLite file in a temporary data directory and a clock the test moves.
public struct Harness: Sendable {
    public static let issuer = "http://sso.test"
    public static let resources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Resources").path

    public let dataDirectory: String
    public let clock = TestClock()
    public let storage: SQLiteStorage
    public var lifetimes = Lifetimes()
    public var issuer = Harness.issuer
    public var legacy = true
    public var trustedProxies: Set<String> = []
    /// The Bearer token that reads `/metrics` (unset: not served).
    public var metricsToken: String?
    public var port = 0
    /// Holds `port` until `serve` binds it (see `reservePort()`).
    private var reservation: ReservedPort?
    public var upstreamTimeout = 10
    public var limits = AbuseLimits()
    public var purgeInterval: Double = 60
    public var logoutDeliveryInterval: Double = 1
    public var connections = ConnectionLimits()
    /// Test servers make cheap Argon2id hashes (a sign-in replaces each fixture's bcrypt hash);
    /// a test of the real cost sets `.baseline`.
    public var passwordHash = Argon2Parameters(memoryKiB: 1024, iterations: 1, parallelism: 1)
    /// Long enough that parallel guesses queue for their check rather than being refused; a
    /// test of the refusal sets it low.
    public var passwordCheckMaximumWait: Double = 60
    public var passwordCheckThreads: Int?

    public init(dataDirectory: String? = nil) throws {
        self.dataDirectory = dataDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("sso-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: self.dataDirectory, withIntermediateDirectories: true)
        storage = try SQLiteStorage(path: self.dataDirectory + "/" + DataDirectory.databaseFile)
    }

    /// A user with a low-cost bcrypt hash (verification reads the cost from the hash; a test
    /// that needs attempts to overlap while hashed asks for a higher `cost`).
    /// `passwordHash`: the stored hash as given instead (of `password`, in any format the server verifies).
    @discardableResult
    public func addUser(
        _ login: String, password: String, email: String? = nil, name: String? = nil, cost: UInt8 = 4,
        passwordHash: String? = nil
    ) async throws -> User {
        let hash = if let passwordHash { passwordHash } else { try await BcryptPasswordHasher(cost: cost).hash(password) }
        let user = User(
            id: UUID().uuidString.lowercased(), login: login, passwordHash: hash, email: email, emailVerified: email != nil,
            name: name, createdAt: clock.now())
        try await storage.insert(user)
        return user
    }

    public func addClient(
        _ id: String, secret: String? = "secret-\(UUID().uuidString)", redirectURIs: [String] = ["https://app.example/cb"],
        scopes: String = "openid profile email", grantTypes: [String] = ["authorization_code", "refresh_token"],
        skipConsent: Bool = false, pkceRequired: Bool = true, federationAPI: Bool = false
    ) async throws -> Client {
        let client = Client(
            id: id, name: "App \(id)", secretDigest: secret.map(SecretDigest.sha256), redirectURIs: redirectURIs,
            allowedScopes: ScopeSet(parsing: scopes)!, grantTypes: grantTypes,
            authMethod: secret == nil ? .none : .clientSecretBasic, skipConsent: skipConsent, pkceRequired: pkceRequired,
            federationAPI: federationAPI, createdAt: clock.now())
        try await storage.save(client)
        return client
    }

    /// The key-encryption key of this data directory, as the server will use it.
    public func sealer() async throws -> KeySealer {
        try await DataDirectory(dataDirectory).keySealer(storage: storage, environment: [:], random: SystemSecureRandom())
    }

    /// Turns TOTP on for `login` as `sso user totp enroll` does; returns the secret.
    public func enrollTOTP(_ login: String) async throws -> String {
        let sealer = try await DataDirectory(dataDirectory).keySealer(
            storage: storage, environment: [:], random: SystemSecureRandom())
        let service = SecondFactorService(users: storage, sealer: sealer, algorithm: RFC6238TOTP(), clock: clock,
                                          random: SystemSecureRandom())
        guard let user = try await storage.user(login: login) else { throw FlowError("no user \(login)") }
        return try await service.enroll(user, issuer: "test").secret
    }

    /// The TOTP code of `secret` now (by the test clock), `offset` steps away.
    public func totp(_ secret: String, offset: Int = 0) -> String {
        RFC6238TOTP().code(secret: secret, at: clock.now().addingTimeInterval(TimeInterval(30 * offset)))
    }

    /// Sets `port` to a port held for this harness (see `ReservedPort`) as long as it lives, for
    /// `serve`: an issuer that names the port is set before the server runs, and the port must
    /// not go to anyone else meanwhile.
    public mutating func reservePort() throws {
        let reservation = try ReservedPort()
        self.reservation = reservation
        port = reservation.port
    }

    /// Runs the server on `port` (which the issuer names) while `body` runs: an upstream
    /// provider for another instance.
    public func serve<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let options = ServerOptions(
            host: "127.0.0.1", port: port, issuer: issuer, dataDirectory: dataDirectory,
            resourcesDirectory: Self.resources, lifetimes: lifetimes, logLevel: .error, passwordHash: passwordHash)
        let ready = ReadySignal()
        let app = try await SSOServer.makeApplication(
            options, clock: clock, environment: [:], onServerRunning: { _ in await ready.signal() })
        return try await RunningServer.run(app, ready: ready, body)
    }

    /// Runs `body` against the live server.
    public func run<T: Sendable>(_ body: @Sendable (Browser) async throws -> T) async throws -> T {
        let app = try await SSOServer.makeApplication(options, clock: clock, environment: [:])
        return try await app.test(.live) { client in
            try await body(Browser(client: client))
        }
    }

    /// Runs the server on 127.0.0.1 (on `port`, or any free one) while `body` runs with the port
    /// it listens on: for tests that speak TCP to it themselves.
    public func listen<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let ready = ReadySignal()
        let listening = ListeningPort()
        let app = try await SSOServer.makeApplication(
            options, clock: clock, environment: [:], onServerRunning: { port in
                await listening.set(port)
                await ready.signal()
            })
        return try await RunningServer.run(app, ready: ready) { try await body(await listening.port) }
    }

    /// The options `run` and `listen` start the server with.
    var options: ServerOptions {
        ServerOptions(
            host: "127.0.0.1", port: port, issuer: issuer, dataDirectory: dataDirectory,
            resourcesDirectory: Self.resources, lifetimes: lifetimes, legacy: legacy, metricsToken: metricsToken,
            trustedProxies: trustedProxies, upstreamTimeout: upstreamTimeout, limits: limits,
            purgeInterval: purgeInterval, logoutDeliveryInterval: logoutDeliveryInterval, connections: connections,
            logLevel: .error, passwordHash: passwordHash, passwordCheckThreads: passwordCheckThreads,
            passwordCheckMaximumWait: passwordCheckMaximumWait)
    }
}

/// The port a server listens on, once it does.
actor ListeningPort {
    private(set) var port = 0
    func set(_ port: Int) { self.port = port }
}

/// A browser (or an HTTP client) over the test client: keeps cookies, never follows redirects
/// by itself, so each hop can be checked.
public final class Browser: @unchecked Sendable {
    public struct Page: Sendable {
        public var status: HTTPResponse.Status
        public var headers: HTTPFields
        public var body: String

        public var location: String? { headers[.location] }
        /// The query parameters of the `Location` header.
        public var redirectParameters: [String: String] {
            guard let location, let components = URLComponents(string: location) else { return [:] }
            var result: [String: String] = [:]
            for item in components.queryItems ?? [] { result[item.name] = item.value ?? "" }
            return result
        }
        public func hidden(_ name: String) -> String? {
            guard let range = body.range(of: "name=\"\(name)\" value=\"") else { return nil }
            let rest = body[range.upperBound...]
            return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
        }
    }

    public typealias Transport = @Sendable (String, HTTPRequest.Method, HTTPFields, ByteBuffer?) async throws
        -> (HTTPResponse, ByteBuffer)
    public let transport: Transport
    /// The port of the live server, when known: more connections to it (`connected`) send
    /// requests that truly run at once.
    public let port: Int?
    private let lock = NSLock()
    private var jar: [String: String] = [:]

    public init(client: any TestClientProtocol) {
        transport = { uri, method, headers, body in
            let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
            return (response.head, response.body)
        }
        port = client.port
    }

    public init(transport: @escaping Transport, port: Int? = nil) {
        self.transport = transport
        self.port = port
    }

    /// A browser talking to a server at `host:port` over a real connection (one not started by
    /// HummingbirdTesting, such as an upstream provider). `close()` it when done.
    public static func connected(host: String, port: Int) -> (Browser, close: @Sendable () async throws -> Void) {
        let client = TestClient(host: host, port: port)
        client.connect()
        let browser = Browser(transport: { uri, method, headers, body in
            var headers = headers
            headers[.connection] = "keep-alive"
            let response = try await client.execute(
                TestClient.Request(uri, method: method, authority: "\(host):\(port)", headers: headers, body: body))
            return (response.head, response.body ?? ByteBuffer())
        }, port: port)
        return (browser, { try await client.shutdown() })
    }

    public var cookies: [String: String] { lock.withLock { jar } }
    public func clearCookies() { lock.withLock { jar = [:] } }
    public func setCookie(_ name: String, _ value: String) { lock.withLock { jar[name] = value } }

    public func get(_ uri: String, headers: HTTPFields = [:]) async throws -> Page {
        try await send(uri, method: .get, headers: headers, body: nil)
    }

    public func post(_ uri: String, form: [(String, String)], headers: HTTPFields = [:]) async throws -> Page {
        var headers = headers
        if headers[.contentType] == nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        return try await send(uri, method: .post, headers: headers, body: Self.encode(form))
    }

    public func send(_ uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: String?) async throws -> Page {
        var headers = headers
        let cookieHeader = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
        if !cookieHeader.isEmpty { headers[.cookie] = cookieHeader }
        let (head, responseBody) = try await transport(uri, method, headers, body.map { ByteBuffer(string: $0) })
        for setCookie in head.headerFields[values: .setCookie] {
            let pair = setCookie.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            if pair.count == 2 { lock.withLock { jar[String(pair[0])] = String(pair[1]) } }
        }
        return Page(status: head.status, headers: head.headerFields, body: String(buffer: responseBody))
    }

    public static func encode(_ form: [(String, String)]) -> String {
        form.map { "\(RedirectURL.percentEncode($0.0))=\(RedirectURL.percentEncode($0.1))" }.joined(separator: "&")
    }

    public static func basic(_ id: String, _ secret: String) -> String {
        "Basic " + Data("\(RedirectURL.percentEncode(id)):\(RedirectURL.percentEncode(secret))".utf8).base64EncodedString()
    }
}
