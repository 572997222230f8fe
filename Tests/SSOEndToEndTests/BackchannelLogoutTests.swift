import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
import Logging
import SSOCore
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

/// A relying party's back-channel logout endpoint on loopback: records what it receives and
/// answers the statuses it is told to, in order (then 200).
final class LogoutReceiver: @unchecked Sendable {
    /// Held from the start: the port is registered with a client before the receiver runs.
    private let reservation = reservePort()
    var port: Int { reservation.port }
    private let lock = NSLock()
    private var statuses: [HTTPResponse.Status]
    private var received: [(contentType: String?, body: String)] = []

    init(failing statuses: [HTTPResponse.Status] = []) { self.statuses = statuses }

    var uri: String { "http://127.0.0.1:\(port)/backchannel" }
    var bodies: [(contentType: String?, body: String)] { lock.withLock { received } }

    /// The logout tokens received so far.
    var tokens: [String] {
        bodies.compactMap { entry in
            entry.body.split(separator: "&").first { $0.hasPrefix("logout_token=") }.map { String($0.dropFirst(13)) }
        }
    }

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let router = Router()
        router.post("/backchannel") { request, _ in
            let text = String(buffer: try await request.body.collect(upTo: 1 << 16))
            let status = self.lock.withLock {
                self.received.append((request.headers[.contentType], text))
                return self.statuses.isEmpty ? .ok : self.statuses.removeFirst()
            }
            return Response(status: status)
        }
        var logger = Logger(label: "receiver")
        logger.logLevel = .critical
        let ready = ReadySignal()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                              onServerRunning: { _ in await ready.signal() }, logger: logger)
        return try await RunningServer.run(app, ready: ready, body)
    }

    /// Waits (real time) until `count` requests have arrived.
    func waitFor(_ count: Int) async throws {
        for _ in 0..<200 where bodies.count < count { try await Task.sleep(for: .milliseconds(25)) }
    }
}

/// A logout token as a relying party verifies it (Back-Channel Logout 1.0 section 2.6).
struct ReceivedLogoutToken: JWTPayload {
    var iss: String
    var sub: String
    var aud: String
    var iat: Int
    var exp: Int
    var jti: String
    var sid: String
    var events: [String: [String: String]]
    var nonce: String?
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

@Suite("Back-channel logout (OpenID Connect Back-Channel Logout 1.0)")
struct BackchannelLogoutTests {
    static let secret = "app-secret-0123456789-0123456789"

    static func harness(_ receiver: LogoutReceiver) async throws -> Harness {
        var harness = try Harness()
        harness.logoutDeliveryInterval = 0.05
        try await harness.addUser("alice", password: "wonderland-42")
        var app = try await harness.addClient("app", secret: secret, skipConsent: true)
        app.backchannelLogoutURI = receiver.uri
        app.idTokenSigningAlgorithm = .es256
        try await harness.storage.save(app)
        // A second client in the same session, without a back-channel endpoint: never called.
        _ = try await harness.addClient("quiet", secret: secret, skipConsent: true)
        return harness
    }

    @Test("logout posts a signed logout token naming the session to each client of it, and the user does not wait")
    func delivered() async throws {
        let receiver = LogoutReceiver()
        let harness = try await Self.harness(receiver)
        try await receiver.run {
            try await harness.run { (browser: Browser) async throws in
                let (code, pkce) = try await browser.obtainCode(client: "app")
                let tokens = try await browser.exchange(code: code, pkce: pkce, client: "app", secret: Self.secret).json
                let idToken = try #require(tokens["id_token"] as? String)
                let (quietCode, quietPKCE) = try await browser.obtainCode(client: "quiet")
                _ = try await browser.exchange(code: quietCode, pkce: quietPKCE, client: "quiet", secret: Self.secret)

                let out = try await browser.get("/logout?" + Browser.encode([("id_token_hint", idToken)]))
                #expect(out.status == .ok || out.status == .found)
                try await receiver.waitFor(1)
                #expect(receiver.bodies.count == 1)
                #expect(receiver.bodies.first?.contentType == "application/x-www-form-urlencoded")
                let token = try #require(receiver.tokens.first)

                let jwks = try await browser.get("/jwks").body
                let keys = try await JWTKeyCollection().add(jwksJSON: jwks)
                let claims = try await keys.verify(token, as: ReceivedLogoutToken.self)
                let id = try await keys.verify(idToken, as: ReceivedIDToken.self)
                #expect(claims.iss == Harness.issuer && claims.aud == "app")
                #expect(claims.sid == id.sid && claims.sub == id.sub)
                #expect(claims.events.keys.contains("http://schemas.openid.net/event/backchannel-logout"))
                #expect(claims.nonce == nil && claims.exp > claims.iat)
                let header = try #require(Base64URL.decode(String(token.split(separator: ".")[0])))
                #expect(String(decoding: header, as: UTF8.self).contains("\"typ\":\"logout+jwt\""))

                let discovery = try await browser.get("/.well-known/openid-configuration").json
                #expect(discovery["backchannel_logout_supported"] as? Bool == true)
            }
        }
    }

    @Test("a failing client is retried with growing delays until it answers; sso session revoke notifies too")
    func retried() async throws {
        let receiver = LogoutReceiver(failing: [.internalServerError, .serviceUnavailable])
        let harness = try await Self.harness(receiver)
        let (storage, clock) = (harness.storage, harness.clock)
        try await receiver.run {
            try await harness.run { (browser: Browser) async throws in
                let (code, pkce) = try await browser.obtainCode(client: "app")
                _ = try await browser.exchange(code: code, pkce: pkce, client: "app", secret: Self.secret)
                let user = try #require(try await storage.user(login: "alice"))
                let session = try #require(try await storage.sessions(userID: user.id).first)
                // As `sso session revoke` does, from another process: the outbox is in the database.
                try await storage.revoke(sessionID: session.id, at: clock.now())
                try await storage.revoke(sessionID: session.id, at: clock.now())   // once only
                try await receiver.waitFor(1)
                #expect(receiver.bodies.count == 1)
                clock.advance(seconds: 10)
                try await receiver.waitFor(2)
                #expect(receiver.bodies.count == 2)
                clock.advance(seconds: 19)
                try await Task.sleep(for: .milliseconds(200))
                #expect(receiver.bodies.count == 2)   // the second retry waits 20 s
                clock.advance(seconds: 1)
                try await receiver.waitFor(3)
                clock.advance(seconds: 3600)
                try await Task.sleep(for: .milliseconds(200))
                #expect(receiver.bodies.count == 3)   // delivered: not sent again
                #expect(Set(receiver.tokens).count == 3)   // each attempt is a fresh token (new jti)
            }
        }
    }
}
