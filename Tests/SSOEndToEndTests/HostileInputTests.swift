import Foundation
import HTTPTypes
import SSOCore
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

/// Hostile requests over real HTTP: seeded fuzzing of every endpoint that parses outside input
/// (forms, queries, Basic credentials, legacy JSON bodies, JWT hints and bearer tokens), and the
/// size limits. Nothing may answer 5xx, and the server must serve a normal sign-in afterwards.
@Suite("Hostile input")
struct HostileInputTests {
    static let secret = "app-secret-0123456789-0123456789"

    static func harness() async throws -> Harness {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        _ = try await harness.addClient("app", secret: secret, skipConsent: true)
        _ = try await harness.addClient("SingleSignOn", secret: nil, redirectURIs: ["https://lk.example/"],
                                        skipConsent: true, pkceRequired: false)
        return harness
    }

    static let names = ["grant_type", "code", "refresh_token", "client_id", "client_secret", "redirect_uri", "scope",
                        "code_verifier", "token", "token_type_hint", "state", "nonce", "response_type", "prompt",
                        "max_age", "login", "password", "interaction", "csrf", "provider", "id_token_hint"]
    static let values = ["authorization_code", "refresh_token", "app", "SingleSignOn", "openid", "code", "none",
                         "-1", "99999999999999999999", "https://app.example/cb", ""]

    /// Mostly the usual type, sometimes in capitals with parameters, sometimes malformed (a bare
    /// `;` once crashed the media-type parser).
    static func contentType(_ usual: String, _ generator: inout SeededGenerator) -> String {
        switch Int.random(in: 0..<8, using: &generator) {
        case 0: [";", " ; ", ";;charset=utf-8", "", " "].randomElement(using: &generator)!
        case 1: usual.uppercased() + " ; charset=UTF-8"
        case 2: String(FuzzInput.string(maximumLength: 20, using: &generator).unicodeScalars
            .filter { (0x20..<0x7F).contains($0.value) })
        default: usual
        }
    }

    static func form(_ generator: inout SeededGenerator) -> String {
        (0..<Int.random(in: 0...8, using: &generator)).map { _ in
            let name = Bool.random(using: &generator) ? names.randomElement(using: &generator)!
                : FuzzInput.string(maximumLength: 6, using: &generator)
            let value = Bool.random(using: &generator) ? values.randomElement(using: &generator)!
                : FuzzInput.string(maximumLength: 30, using: &generator)
            return RedirectURL.percentEncode(name) + "=" + (Bool.random(using: &generator)
                ? RedirectURL.percentEncode(value) : value)
        }.joined(separator: "&")
    }

    /// What a client can put on a request line: characters a URI may hold stay as they are
    /// (malformed escapes included), everything else is percent-encoded.
    static func wire(_ text: String) -> String {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%".unicodeScalars)
        return text.unicodeScalars.map { scalar in
            allowed.contains(scalar) ? String(scalar) : String(scalar).utf8.map { String(format: "%%%02X", $0) }.joined()
        }.joined()
    }

    static func json(_ generator: inout SeededGenerator) -> String {
        let login = FuzzInput.string(maximumLength: 12, using: &generator).replacingOccurrences(of: "\"", with: "\\\"")
        let shapes = [
            LegacyRequestBodies.cabinet(login, FuzzInput.string(maximumLength: 10, using: &generator)
                .replacingOccurrences(of: "\\", with: "").replacingOccurrences(of: "\"", with: "")),
            #"{"credentials":{"login":1,"password":[]},"redirect_url":{}}"#,
            #"{"refreshToken":"# + "\"\(login)\"}",
            #"{"refreshToken":null}"#, "[\"ordersread\",1,null,{}]", #"{"credentials":"#, "null", "[]", "1e999",
            String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
            FuzzInput.string(maximumLength: 60, using: &generator),
        ]
        return shapes.randomElement(using: &generator)!
    }

    static func authorization(_ generator: inout SeededGenerator) -> String? {
        switch Int.random(in: 0..<5, using: &generator) {
        case 0: return nil
        case 1: return "Basic " + Data(FuzzInput.bytes(using: &generator)).base64EncodedString()
        case 2: return "Basic " + FuzzInput.string(maximumLength: 20, using: &generator)
        case 3: return "Basic " + Data((FuzzInput.string(maximumLength: 8, using: &generator) + ":"
                                        + FuzzInput.string(maximumLength: 8, using: &generator)).utf8).base64EncodedString()
        default: return "Bearer " + FuzzInput.jwtLike(using: &generator)
        }
    }

    @Test("seeded fuzzing of every parser over the wire: never a 5xx, and the server still works")
    func fuzz() async throws {
        try await Self.harness().run { (browser: Browser) async throws in
            var generator = SeededGenerator(seed: SeededGenerator.runSeed)
            var statuses: [Int: Int] = [:]
            for round in 0..<600 {
                var headers: HTTPFields = [:]
                // The HTTP client itself refuses control characters in header values; send the rest.
                if let value = Self.authorization(&generator) {
                    headers[.authorization] = String(value.unicodeScalars.filter { (0x20..<0x7F).contains($0.value) })
                }
                let page: Browser.Page
                switch round % 10 {
                case 0, 1:
                    headers[.contentType] = Self.contentType("application/x-www-form-urlencoded", &generator)
                    let path = ["/token", "/introspect", "/revoke", "/connect/token", "/login", "/consent",
                                "/api/v1/oauth/authorize/", "/logout"].randomElement(using: &generator)!
                    page = try await browser.send(path, method: .post, headers: headers, body: Self.form(&generator))
                case 2, 3:
                    headers[.contentType] = Self.contentType(Bool.random(using: &generator) ? "application/json" : "text/plain",
                                                             &generator)
                    let path = ["/sso-auth/client", "/auth/actions/login", "/auth/actions/refresh",
                                "/devapi/v1/oauth/code?interaction=x", "/api/v1/oauth/authorize-url/"]
                        .randomElement(using: &generator)!
                    page = try await browser.send(path, method: .post, headers: headers, body: Self.json(&generator))
                case 4, 5:
                    let path = ["/authorize", "/connect/authorize", "/login", "/consent", "/logout",
                                "/auth/actions/2factor/", "/federation/x/callback"].randomElement(using: &generator)!
                    page = try await browser.get(path + "?" + Self.wire(Self.form(&generator)), headers: headers)
                case 6:
                    page = try await browser.get("/logout?id_token_hint=" + RedirectURL.percentEncode(
                        FuzzInput.jwtLike(using: &generator)) + "&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F")
                case 7:
                    headers[.authorization] = "Bearer " + String(FuzzInput.jwtLike(using: &generator).unicodeScalars
                        .filter { (0x20..<0x7F).contains($0.value) })
                    page = try await browser.get(["/userinfo", "/auth"].randomElement(using: &generator)!, headers: headers)
                case 8:
                    headers[.contentType] = "application/x-www-form-urlencoded"
                    page = try await browser.send("/token", method: .post, headers: headers,
                                                  body: String(decoding: FuzzInput.bytes(maximumLength: 400, using: &generator),
                                                               as: UTF8.self))
                default:
                    let path = "/" + FuzzInput.string(maximumLength: 12, using: &generator)
                    page = try await browser.get(RedirectURL.percentEncode(path).replacingOccurrences(of: "%2F", with: "/"))
                }
                statuses[Int(page.status.code), default: 0] += 1
                #expect(page.status.code < 500, "round \(round): \(page.status) \(page.body.prefix(200))")
            }
            #expect(statuses.keys.contains(400) && statuses.keys.contains(401))
            browser.clearCookies()
            let (code, pkce) = try await browser.obtainCode(client: "app")
            let tokens = try await browser.exchange(code: code, pkce: pkce, client: "app", secret: Self.secret)
            #expect(tokens.status == .ok)
        }
    }

    @Test("size limits: long URIs, many or large headers, large or many-parameter bodies are refused clearly")
    func limits() async throws {
        try await Self.harness().run { (browser: Browser) async throws in
            let long = try await browser.get("/authorize?state=" + String(repeating: "a", count: 9000),
                                             headers: [.accept: "text/html"])
            #expect(long.status == .uriTooLong)
            #expect(long.headers[.contentType]?.hasPrefix("text/html") == true)
            var many: HTTPFields = [:]
            for index in 0..<120 { many.append(HTTPField(name: HTTPField.Name("X-Filler-\(index)")!, value: "x")) }
            let headers = try await browser.get("/jwks", headers: many)
            #expect(headers.status == .requestHeaderFieldsTooLarge)
            let big = try await browser.get("/jwks", headers: [HTTPField.Name("X-Big")!: String(repeating: "b", count: 20_000)])
            #expect(big.status == .requestHeaderFieldsTooLarge)
            let body = try await browser.post("/token", form: [("grant_type", String(repeating: "g", count: 70_000))])
            #expect(body.status == .contentTooLarge)
            #expect(body.json["error"] as? String == "invalid_request")
            let params = (0...FormDecoding.maximumParameters).map { ("p\($0)", "v") }
            let crowded = try await browser.post("/token", form: params,
                                                 headers: [.authorization: Browser.basic("app", Self.secret)])
            #expect(crowded.status == .badRequest)
            #expect((crowded.json["error_description"] as? String)?.contains("parameters") == true)
        }
    }

    @Test("header injection through state, redirect and error parameters is encoded, never a new header")
    func headerInjection() async throws {
        try await Self.harness().run { (browser: Browser) async throws in
            _ = try await browser.obtainCode(client: "app")
            let injected = "x\r\nSet-Cookie: evil=1"
            let page = try await browser.authorize(client: "app", state: injected)
            let location = try #require(page.location)
            #expect(!location.contains("\r") && !location.contains("\n"))
            #expect(page.redirectParameters["state"] == injected)
            #expect(!page.headers[values: .setCookie].contains { $0.contains("evil") })
            // The redirect carrying the code is never cached and sends no Referer on.
            #expect(page.headers[.cacheControl] == "no-store")
            #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
        }
    }
}
