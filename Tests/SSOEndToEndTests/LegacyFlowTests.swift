import Foundation
import HTTPTypes
import SSOCore
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

extension Browser {
    /// POSTs a JSON body as the broker's old front ends do.
    func postJSON(_ uri: String, _ json: String, headers: HTTPFields = [:]) async throws -> Page {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await send(uri, method: .post, headers: headers, body: json)
    }
}

/// The request bodies of the broker's old login endpoints, as its front ends send them: a
/// developer site's login (`/auth/actions/login`) and the personal cabinet's (`/sso-auth/client`).
enum LegacyRequestBodies {
    static func login(_ login: String, _ password: String, pin: String? = nil) -> String {
        """
        {"credentials":{"login":"\(login)","password":"\(password)","twoFactorPin":\(pin.map { "\"\($0)\"" } ?? "null")},\
        "requiredServices":["clientApi","Warp"]}
        """
    }

    static func cabinet(_ login: String, _ password: String, redirect: String = "//lk.example/", pin: String? = nil) -> String {
        """
        {"credentials":{"login":"\(login)","password":"\(password)","twoFactorPin":\(pin.map { "\"\($0)\"" } ?? "null")},\
        "client_id":"SingleSignOn","redirect_url":"\(redirect)"}
        """
    }
}

@Suite("The broker's old login endpoints over the real server")
struct LegacyFlowTests {
    static let devSecret = "dev-secret-0123456789-0123456789-01"

    static func harness() async throws -> Harness {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42", email: "alice@example.com")
        _ = try await harness.addClient("SingleSignOn", secret: nil, redirectURIs: ["https://lk.example/"],
                                        scopes: "openid profile ordersread trades personal", skipConsent: true)
        _ = try await harness.addClient("devapp", secret: devSecret, redirectURIs: ["https://dev.example/cb"],
                                        scopes: "openid ordersread trades personal", pkceRequired: false)
        _ = try await harness.addClient("terminal", secret: "terminal-secret-0123456789-012345", skipConsent: true)
        return harness
    }

    func expectDeprecated(_ page: Browser.Page, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(page.headers[HTTPField.Name("Deprecation")!] == "@1795392000", sourceLocation: sourceLocation)
        #expect(page.headers[HTTPField.Name("Link")!]?.contains("/docs/migration>; rel=\"deprecation\"") == true,
                sourceLocation: sourceLocation)
    }

    @Test("developer flow: authorize, 2factor, login, devapi code, token exchange")
    func developerFlow() async throws {
        try await Self.harness().run { browser in
            let start = try await browser.get("/authorize?response_type=code&client_id=devapp"
                + "&redirect_uri=https%3A%2F%2Fdev.example%2Fcb&state=dev-state&scope=ordersread%20trades%20personal")
            let loginURL = try #require(start.location)
            let interaction = try #require(URLComponents(string: loginURL)?.queryItems?.first { $0.name == "interaction" }?.value)

            let probe = try await browser.get("/auth/actions/2factor/?login=alice")
            #expect(probe.status == .ok)
            #expect(probe.json["twoFactorRequired"] as? Bool == false)
            expectDeprecated(probe)

            let login = try await browser.postJSON("/auth/actions/login", LegacyRequestBodies.login("alice", "wonderland-42"))
            #expect(login.status == .ok)
            expectDeprecated(login)
            #expect(login.json["jwt"] is String)
            #expect(login.json["refreshToken"] is String)
            #expect(browser.cookies["sso_session"] != nil)
            let jwt = try #require(login.json["jwt"] as? String)
            #expect(try await browser.get("/userinfo", headers: [.authorization: "Bearer \(jwt)"]).status == .ok)

            let code = try await browser.postJSON("/devapi/v1/oauth/code?interaction=\(interaction)",
                                                  "[\"ordersread\",\"trades\",\"personal\"]")
            #expect(code.status == .ok, "\(code.body)")
            expectDeprecated(code)
            let redirect = try #require(code.json["redirectUrl"] as? String)
            #expect(redirect.hasPrefix("https://dev.example/cb?code="))
            #expect(code.json["state"] as? String == "dev-state")

            // The developer's site exchanges the code at /token as usual, the last step of the old developer flow.
            let tokens = try await browser.post("/token", form: [
                ("code", try #require(code.json["code"] as? String)), ("grant_type", "authorization_code"),
                ("redirect_uri", "https://dev.example/cb"), ("client_id", "devapp"), ("client_secret", Self.devSecret)])
            #expect(tokens.status == .ok)
            #expect(tokens.json["scope"] as? String == "ordersread trades personal")
            #expect(tokens.json["refresh_token"] is String)
        }
    }

    @Test("devapi refuses scopes the request did not ask for, and needs a session and this browser")
    func developerCodeRefusals() async throws {
        try await Self.harness().run { browser in
            let start = try await browser.get("/authorize?response_type=code&client_id=devapp"
                + "&redirect_uri=https%3A%2F%2Fdev.example%2Fcb&state=s&scope=ordersread")
            let interaction = try #require(URLComponents(string: start.location!)?.queryItems?.first?.value)
            let noSession = try await browser.postJSON("/devapi/v1/oauth/code?interaction=\(interaction)", "[\"ordersread\"]")
            #expect(noSession.status == .badRequest)
            #expect(noSession.json["error"] as? String == "login_required")

            _ = try await browser.postJSON("/auth/actions/login", LegacyRequestBodies.login("alice", "wonderland-42"))
            let wider = try await browser.postJSON("/devapi/v1/oauth/code", "[\"ordersread\",\"trades\"]",
                                                   headers: [HTTPField.Name("X-Interaction-Id")!: interaction])
            #expect(wider.json["error"] as? String == "invalid_scope")
            let unknown = try await browser.postJSON("/devapi/v1/oauth/code?interaction=nope", "[\"ordersread\"]")
            #expect(unknown.json["error"] as? String == "invalid_request")
            let malformed = try await browser.postJSON("/devapi/v1/oauth/code?interaction=\(interaction)", "{\"a\":1}")
            #expect(malformed.json["error"] as? String == "invalid_request")
            // The refusals consumed nothing: the right call still works, once.
            let ok = try await browser.postJSON("/devapi/v1/oauth/code?interaction=\(interaction)", "[\"ordersread\"]")
            #expect(ok.status == .ok)
            let again = try await browser.postJSON("/devapi/v1/oauth/code?interaction=\(interaction)", "[\"ordersread\"]")
            #expect(again.status == .badRequest)
        }
    }

    @Test("cabinet flow: 2factor, sso-auth/client, refresh with rotation; the session gives SSO to /authorize")
    func cabinetFlow() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            #expect(try await browser.get("/auth/actions/2factor/?login=alice").json["twoFactorRequired"] as? Bool == false)
            let login = try await browser.postJSON("/sso-auth/client", LegacyRequestBodies.cabinet("alice", "wonderland-42"))
            #expect(login.status == .ok, "\(login.body)")
            expectDeprecated(login)
            #expect(login.json["redirectUrl"] as? String == "https://lk.example/")
            let refresh = try #require(login.json["refreshToken"] as? String)

            let refreshed = try await browser.postJSON("/auth/actions/refresh", "{\"refreshToken\":\"\(refresh)\"}")
            #expect(refreshed.status == .ok)
            expectDeprecated(refreshed)
            let jwt = try #require(refreshed.json["jwt"] as? String)
            let next = try #require(refreshed.json["refreshToken"] as? String)
            #expect(next != refresh)
            let info = try await browser.get("/userinfo", headers: [.authorization: "Bearer \(jwt)"])
            #expect(info.json["preferred_username"] as? String == "alice")

            harness.clock.advance(seconds: Double(Lifetimes().refreshReuseGrace))
            let reuse = try await browser.postJSON("/auth/actions/refresh", "{\"refreshToken\":\"\(refresh)\"}")
            #expect(reuse.json["error"] as? String == "invalid_grant")
            let afterReuse = try await browser.postJSON("/auth/actions/refresh", "{\"refreshToken\":\"\(next)\"}")
            #expect(afterReuse.json["error"] as? String == "invalid_grant")

            // The legacy login opened a normal SSO session: another client's /authorize returns at once.
            let sso = try await browser.authorize(client: "terminal")
            #expect(sso.location?.hasPrefix("https://app.example/cb?code=") == true)
        }
    }

    @Test("sso-auth/client refuses foreign URLs, unknown or confidential clients and malformed bodies; nothing is created")
    func cabinetRefusals() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            let foreign = try await browser.postJSON("/sso-auth/client",
                                                     LegacyRequestBodies.cabinet("alice", "wonderland-42", redirect: "//evil.example/"))
            #expect(foreign.status == .badRequest)
            #expect(foreign.json["error"] as? String == "invalid_redirect_url")
            let unknownClient = try await browser.postJSON("/sso-auth/client", LegacyRequestBodies.cabinet("alice", "wonderland-42")
                .replacingOccurrences(of: "SingleSignOn", with: "Nobody"))
            #expect(unknownClient.json["error"] as? String == "invalid_client")
            let confidential = try await browser.postJSON("/sso-auth/client", LegacyRequestBodies.cabinet("alice", "wonderland-42")
                .replacingOccurrences(of: "SingleSignOn", with: "devapp"))
            #expect(confidential.json["error"] as? String == "invalid_client")
            // Another public client, with consent required and no refresh grant, registered for
            // the same address: the password must not become its tokens.
            _ = try await harness.addClient("spa", secret: nil, redirectURIs: ["https://lk.example/"],
                                            scopes: "openid trades", grantTypes: ["authorization_code"])
            let other = try await browser.postJSON("/sso-auth/client", LegacyRequestBodies.cabinet("alice", "wonderland-42")
                .replacingOccurrences(of: "SingleSignOn", with: "spa"))
            #expect(other.status == .unauthorized)
            #expect(other.json["error"] as? String == "invalid_client")
            #expect(other.json["jwt"] == nil && other.json["refreshToken"] == nil)
            #expect(browser.cookies["sso_session"] == nil)
            for body in ["{", "[]", "{\"credentials\":{\"login\":\"alice\"}}", "{\"credentials\":{\"login\":1,\"password\":\"x\"}}"] {
                let page = try await browser.postJSON("/auth/actions/login", body)
                #expect(page.status == .badRequest)
                #expect(page.json["error"] as? String == "invalid_request")
                expectDeprecated(page)
            }
            let form = try await browser.post("/auth/actions/login", form: [("credentials", "x")])
            #expect(form.json["error"] as? String == "invalid_request")
            let wrong = try await browser.postJSON("/auth/actions/login", LegacyRequestBodies.login("alice", "nope-nope"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.json["error"] as? String == "invalid_credentials")
            let unknown = try await browser.postJSON("/auth/actions/login", LegacyRequestBodies.login("mallory", "nope-nope"))
            #expect(unknown.json["error"] as? String == "invalid_credentials")
            #expect(browser.cookies["sso_session"] == nil)
        }
    }

    @Test("TOTP: the probe says so, the pin is required, checked, and accepted only once")
    func totp() async throws {
        let harness = try await Self.harness()
        let secret = try await harness.enrollTOTP("alice")
        try await harness.run { browser in
            #expect(try await browser.get("/auth/actions/2factor/?login=alice").json["twoFactorRequired"] as? Bool == true)
            #expect(try await browser.get("/auth/actions/2factor/?login=ALICE").json["twoFactorRequired"] as? Bool == true)
            #expect(try await browser.get("/auth/actions/2factor/?login=nobody").json["twoFactorRequired"] as? Bool == false)

            let missing = try await browser.postJSON("/auth/actions/login", LegacyRequestBodies.login("alice", "wonderland-42"))
            #expect(missing.status == .unauthorized)
            #expect(missing.json["error"] as? String == "two_factor_required")
            let wrongPin = harness.totp(secret) == "000000" ? "111111" : "000000"
            let wrong = try await browser.postJSON("/auth/actions/login", LegacyRequestBodies.login("alice", "wonderland-42", pin: wrongPin))
            #expect(wrong.json["error"] as? String == "invalid_two_factor_pin")
            let pin = harness.totp(secret)
            let ok = try await browser.postJSON("/auth/actions/login", LegacyRequestBodies.login("alice", "wonderland-42", pin: pin))
            #expect(ok.status == .ok, "\(ok.body)")
            let replay = try await browser.postJSON("/sso-auth/client", LegacyRequestBodies.cabinet("alice", "wonderland-42", pin: pin))
            #expect(replay.json["error"] as? String == "invalid_two_factor_pin")
            harness.clock.advance(seconds: 30)
            let next = try await browser.postJSON("/sso-auth/client", LegacyRequestBodies.cabinet("alice", "wonderland-42",
                                                                                   pin: harness.totp(secret)))
            #expect(next.status == .ok)
            // A password without the second factor never yields tokens, even when the pin is a number.
            let numeric = try await browser.postJSON("/auth/actions/login", """
                {"credentials":{"login":"alice","password":"wonderland-42","twoFactorPin":123},"requiredServices":[]}
                """)
            #expect(numeric.json["error"] as? String == "invalid_two_factor_pin")
        }
    }

    @Test("repeated failures lock the account with Retry-After; the lock ends, and success clears the count")
    func lockout() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            for _ in 0..<4 {
                let page = try await browser.postJSON("/auth/actions/login", LegacyRequestBodies.login("alice", "wrong-password"))
                #expect(page.status == .unauthorized)
            }
            // The fifth failure is answered as a failure, and locks the account.
            #expect(try await browser.postJSON("/auth/actions/login", LegacyRequestBodies.login("alice", "wrong-password")).status
                    == .unauthorized)
            let locked = try await browser.postJSON("/auth/actions/login", LegacyRequestBodies.login("alice", "wrong-password"))
            #expect(locked.status == .tooManyRequests)
            #expect(locked.json["error"] as? String == "too_many_attempts")
            #expect(locked.headers[.retryAfter] == "30")
            // From this address even the right password waits, on the legacy endpoints and the
            // login page alike (from another it would not: see AbuseLimitTests).
            let right = try await browser.postJSON("/auth/actions/login", LegacyRequestBodies.login("ALICE", "wonderland-42"))
            #expect(right.status == .tooManyRequests)
            let start = try await browser.authorize(client: "terminal")
            let page = try await browser.logIn(at: start.location!, login: "alice", password: "wonderland-42")
            #expect(page.status == .tooManyRequests)
            #expect(page.headers[.retryAfter] != nil)
            #expect(page.body.contains("Too many failed attempts"))

            harness.clock.advance(seconds: 31)
            let after = try await browser.postJSON("/auth/actions/login", LegacyRequestBodies.login("alice", "wonderland-42"))
            #expect(after.status == .ok)
            // The success cleared the account's count: five more failures before the next lock.
            for _ in 0..<5 {
                #expect(try await browser.postJSON("/auth/actions/login", LegacyRequestBodies.login("alice", "x-wrong-x")).status == .unauthorized)
            }
            let lockedAgain = try await browser.postJSON("/auth/actions/login", LegacyRequestBodies.login("alice", "x-wrong-x"))
            #expect(lockedAgain.status == .tooManyRequests)
        }
        #expect(try await harness.storage.securityEvents().map(\.kind).contains(.accountLocked))
    }

    @Test("the 2factor probe is rate-limited per address")
    func probeLimit() async throws {
        try await Self.harness().run { browser in
            for index in 0..<30 {
                #expect(try await browser.get("/auth/actions/2factor/?login=user\(index)").status == .ok)
            }
            let limited = try await browser.get("/auth/actions/2factor/?login=alice")
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
        }
    }

    @Test("behind a trusted proxy the address limit counts the forwarded client, not the proxy")
    func forwardedAddresses() async throws {
        var harness = try await Self.harness()
        harness.trustedProxies = ["127.0.0.1"]
        try await harness.run { (browser: Browser) async throws in
            func probe(_ forwardedFor: String) async throws -> Browser.Page {
                try await browser.get("/auth/actions/2factor/?login=alice",
                                      headers: [HTTPField.Name("X-Forwarded-For")!: forwardedFor])
            }
            for _ in 0..<30 { #expect(try await probe("198.51.100.7").status == .ok) }
            #expect(try await probe("198.51.100.7").status == .tooManyRequests)
            // Another client behind the same proxy is not affected...
            #expect(try await probe("203.0.113.9").status == .ok)
            // ...and a client cannot escape by prepending an address of its choosing.
            #expect(try await probe("203.0.113.50, 198.51.100.7").status == .tooManyRequests)
        }
        var direct = try await Self.harness()
        direct.trustedProxies = []
        try await direct.run { (browser: Browser) async throws in
            // Without a trusted proxy the header is ignored: all 31 come from 127.0.0.1.
            for index in 0..<30 {
                _ = try await browser.get("/auth/actions/2factor/?login=a",
                                          headers: [HTTPField.Name("X-Forwarded-For")!: "198.51.100.\(index)"])
            }
            #expect(try await browser.get("/auth/actions/2factor/?login=a").status == .tooManyRequests)
        }
    }

    @Test("the cabinet's /login?url= returns to a registered URL after sign-in, at once with a session")
    func cabinetEntry() async throws {
        try await Self.harness().run { browser in
            let foreign = try await browser.get("/login?url=https%3A%2F%2Fevil.example%2F&scope=ClientAccount")
            #expect(foreign.status == .badRequest)
            #expect(foreign.location == nil)
            let entry = try await browser.get("/login?url=%2F%2Flk.example%2F&scope=ClientAccount")
            expectDeprecated(entry)
            let loginURL = try #require(entry.location)
            #expect(loginURL.hasPrefix("/login?interaction="))
            let done = try await browser.logIn(at: loginURL, login: "alice", password: "wonderland-42")
            #expect(done.location == "https://lk.example/")
            let again = try await browser.get("/login?url=https%3A%2F%2Flk.example%2F")
            #expect(again.location == "https://lk.example/")
        }
    }

    @Test("the login page asks for the TOTP code as a second step")
    func htmlSecondStep() async throws {
        let harness = try await Self.harness()
        let secret = try await harness.enrollTOTP("alice")
        try await harness.run { browser in
            let start = try await browser.authorize(client: "terminal")
            let step = try await browser.logIn(at: start.location!, login: "alice", password: "wonderland-42")
            #expect(step.status == .ok)
            #expect(step.body.contains("name=\"totp\""))
            #expect(browser.cookies["sso_session"] == nil)
            let interaction = try #require(step.hidden("interaction"))
            let csrf = try #require(step.hidden("csrf"))
            let wrong = try await browser.post("/login", form: [("interaction", interaction), ("csrf", csrf), ("totp", "12345")])
            #expect(wrong.body.contains("The code is wrong or has already been used."))
            let right = try await browser.post("/login", form: [("interaction", interaction), ("csrf", csrf),
                                                                ("totp", harness.totp(secret))])
            #expect(right.location?.hasPrefix("https://app.example/cb?code=") == true)
            #expect(browser.cookies["sso_session"] != nil)
        }
    }

    @Test("with the legacy module switched off, its endpoints do not exist")
    func switchedOff() async throws {
        var harness = try await Self.harness()
        harness.legacy = false
        try await harness.run { (browser: Browser) async throws in
            #expect(try await browser.postJSON("/auth/actions/login", LegacyRequestBodies.login("alice", "wonderland-42")).status == .notFound)
            #expect(try await browser.get("/auth/actions/2factor/?login=alice").status == .notFound)
        }
    }
}
