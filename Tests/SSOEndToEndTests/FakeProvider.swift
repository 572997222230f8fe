import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import Logging
import NIOCore
import SSOCore
import SSOServerTesting

/// A small upstream provider on loopback, for what our own server will not do on purpose:
/// Yandex's user-info shape, and OpenID Connect answers with a wrong nonce, a bad signature,
/// a slow answer or an error.
final class FakeProvider: @unchecked Sendable {
    enum Mode: Sendable { case normal, wrongNonce, badSignature, slow, tokenError, vk }

    /// Held from the start, so that the port the provider definition names stays this fake's.
    private let reservation = reservePort()
    var port: Int { reservation.port }
    let mode: Mode
    let clientID = "fake-client"
    let clientSecret = "fake-secret"
    /// The downstream server's clock, so token lifetimes agree with it.
    var clock: any SSOClock = SystemClock()
    private let signingKey = ES256PrivateKey()
    private let otherKey = ES256PrivateKey()
    private let lock = NSLock()
    private var codes: [String: (nonce: String?, challenge: String?)] = [:]
    var profile: [String: String] = ["id": "4242", "login": "ivan.petrov", "real_name": "Ivan Petrov",
                                     "default_email": "ivan@yandex.example"]

    init(mode: Mode = .normal) {
        self.mode = mode
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// Our provider definition for this fake, as `sso provider add` would store it.
    func provider(name: String, oidc: Bool, sealer: any SecretSealer) throws -> UpstreamProvider {
        if mode == .vk {
            return UpstreamProvider(
                name: name, displayName: "Fake VK", shape: .vk, clientID: clientID,
                clientSecretSealed: try sealer.seal(Data(clientSecret.utf8)), authorizeURL: base + "/authorize",
                tokenURL: base + "/token", userinfoURL: base + "/oauth2/user_info", issuer: nil, jwksURI: nil,
                scopes: ScopeSet(["email"]), usesPKCE: true, createdAt: Date())
        }
        return UpstreamProvider(
            name: name, displayName: "Fake \(name)", shape: oidc ? .oidc : .yandex, clientID: clientID,
            clientSecretSealed: try sealer.seal(Data(clientSecret.utf8)), authorizeURL: base + "/authorize",
            tokenURL: base + "/token", userinfoURL: base + (oidc ? "/userinfo" : "/info"),
            issuer: oidc ? base : nil, jwksURI: oidc ? base + "/jwks" : nil,
            scopes: ScopeSet(oidc ? ["openid", "email"] : ["login:info", "login:email"]), usesPKCE: true,
            createdAt: Date())
    }

    /// Runs the fake while `body` runs.
    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let router = Router()
        // The user is signed in and consents at once: straight back with a code.
        router.get("/authorize") { request, _ in
            let query = request.uri.queryParameters
            let code = UUID().uuidString
            self.lock.withLock {
                self.codes[code] = (query["nonce"].map(String.init), query["code_challenge"].map(String.init))
            }
            let redirect = String(query["redirect_uri"] ?? "")
            let state = String(query["state"] ?? "")
            let device = self.mode == .vk ? "&device_id=device-7" : ""
            return Response(status: .found, headers: [.location: "\(redirect)?code=\(code)&state=\(state)\(device)"])
        }
        router.post("/token") { request, context in
            if self.mode == .slow { try await Task.sleep(for: .seconds(3)) }
            if self.mode == .tokenError {
                return try Self.json(["error": "invalid_grant", "error_description": "code expired"], status: .badRequest)
            }
            let form = FormDecoding.parse(String(buffer: try await request.body.collect(upTo: 65536)))
            let code = (try? form.value("code")) ?? nil
            guard let code, let issued = self.lock.withLock({ self.codes.removeValue(forKey: code) }) else {
                return try Self.json(["error": "invalid_grant"], status: .badRequest)
            }
            if let challenge = issued.challenge {
                guard let verifier = (try? form.value("code_verifier")) ?? nil,
                    PKCE.verify(verifier: verifier, challenge: challenge)
                else { return try Self.json(["error": "invalid_grant", "error_description": "PKCE"], status: .badRequest) }
            }
            if self.mode == .vk {
                // VK ID wants the callback's device_id and the state back.
                guard (try? form.value("device_id")) == "device-7", ((try? form.value("state")) ?? nil) != nil else {
                    return try Self.json(["error": "invalid_request", "error_description": "device_id"], status: .badRequest)
                }
            }
            var answer = ["access_token": "upstream-access-" + code, "token_type": "bearer"]
            if issued.nonce != nil { answer["id_token"] = try await self.idToken(nonce: issued.nonce) }
            return try Self.json(answer)
        }
        router.get("/info") { request, _ in
            guard request.headers[.authorization]?.hasPrefix("OAuth upstream-access-") == true else {
                return Response(status: .unauthorized)
            }
            return try Self.json(self.profile)
        }
        router.post("/oauth2/user_info") { request, _ in
            let form = FormDecoding.parse(String(buffer: try await request.body.collect(upTo: 65536)))
            guard (try? form.value("access_token"))??.hasPrefix("upstream-access-") == true else {
                return Response(status: .unauthorized)
            }
            return try Self.json(["user": ["user_id": 777, "first_name": "Vasya", "last_name": "Pupkin"]] as [String: [String: AnyEncodable]])
        }
        router.get("/userinfo") { _, _ in try Self.json(["sub": "oidc-sub-1", "email": "ivan@oidc.example"]) }
        router.get("/jwks") { _, _ in
            let parameters = self.signingKey.publicKey.parameters!
            return try Self.json(["keys": [["kty": "EC", "crv": "P-256", "alg": "ES256", "kid": "fake", "use": "sig",
                                            "x": parameters.x, "y": parameters.y]]])
        }
        let ready = ReadySignal()
        var logger = Logger(label: "fake-provider")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                              onServerRunning: { _ in await ready.signal() }, logger: logger)
        return try await RunningServer.run(app, ready: ready, body)
    }

    private func idToken(nonce: String?) async throws -> String {
        struct Claims: JWTPayload {
            var iss: String, sub: String, aud: String, exp: Int, iat: Int, nonce: String?, email: String
            var email_verified: Bool
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let now = Int(clock.now().timeIntervalSince1970)
        let claims = Claims(iss: base, sub: "oidc-sub-1", aud: clientID, exp: now + 300, iat: now,
                            nonce: mode == .wrongNonce ? "not-the-nonce" : nonce, email: "ivan@oidc.example",
                            email_verified: true)
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: mode == .badSignature ? otherKey : signingKey, kid: "fake")
        return try await keys.sign(claims, kid: "fake")
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(value))))
    }
}

/// A port of 127.0.0.1 held for a server the test starts on it later (see `ReservedPort`).
func reservePort() -> ReservedPort {
    try! ReservedPort()
}

/// A JSON value of either kind, for the fake's mixed answers.
enum AnyEncodable: Encodable, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    case int(Int), string(String)
    init(integerLiteral value: Int) { self = .int(value) }
    init(stringLiteral value: String) { self = .string(value) }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }
}
