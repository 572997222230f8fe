import Foundation
import HTTPTypes
import SSOCore
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

/// Step-up authentication: `acr_values`, a client's default and minimum level, and the missing
/// step added to the session the browser already has.
@Suite("Step-up: acr_values, client minimums, the missing factor on the same session")
struct StepUpTests {
    static let secret = "app-secret-0123456789-0123456789"
    static let password = "urn:unifiedsso:acr:password"
    static let mfa = "urn:unifiedsso:acr:mfa"
    static let phishingResistant = "urn:unifiedsso:acr:phishing-resistant"

    /// alice and bob sign in with passwords; `app` asks nothing, `strict` requires mfa,
    /// `defaulted` asks mfa when a request names no known level.
    static func harness() async throws -> Harness {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        try await harness.addUser("bob", password: "builder-of-43")
        _ = try await harness.addClient("app", secret: secret, skipConsent: true)
        var strict = try await harness.addClient("strict", secret: secret, skipConsent: true)
        strict.minimumACR = mfa
        try await harness.storage.save(strict)
        var defaulted = try await harness.addClient("defaulted", secret: secret, skipConsent: true)
        defaulted.defaultACR = mfa
        try await harness.storage.save(defaulted)
        return harness
    }

    /// The payload of a JWT, unverified: the tests read claims the server itself signed.
    static func payload(_ jwt: String) throws -> [String: Any] {
        let part = try #require(jwt.split(separator: ".").dropFirst().first)
        let data = try #require(Base64URL.decode(String(part)))
        return try #require(try JSONSerialization.jsonObject(with: Data(data)) as? [String: Any])
    }

    /// The code exchanged: the ID token's and the access token's claims, and the access token.
    static func tokens(_ browser: Browser, code: String, pkce: PKCEPair, client: String = "app") async throws
        -> (id: [String: Any], access: [String: Any], accessToken: String)
    {
        let json = try await browser.exchange(code: code, pkce: pkce, client: client, secret: secret).json
        let access = try #require(json["access_token"] as? String)
        return (try payload(try #require(json["id_token"] as? String)), try payload(access), access)
    }

    /// A password session for alice through `app`, before she enrols TOTP: the sid.
    static func passwordSession(_ browser: Browser) async throws -> String {
        let (code, pkce) = try await browser.obtainCode(client: "app")
        let id = try await tokens(browser, code: code, pkce: pkce).id
        #expect(id["acr"] as? String == password)
        #expect(id["amr"] as? [String] == ["pwd"])
        return try #require(id["sid"] as? String)
    }

    /// Submits the one-time-code form at `url` (a login page showing only that step).
    static func submitCode(_ browser: Browser, at url: String, code: String) async throws -> Browser.Page {
        let page = try await browser.get(url)
        #expect(page.body.contains("name=\"totp\""), "the code is asked")
        #expect(!page.body.contains("name=\"password\""), "the password is not asked again")
        let interaction = try #require(page.hidden("interaction"))
        let csrf = try #require(page.hidden("csrf"))
        return try await browser.post("/login", form: [("interaction", interaction), ("csrf", csrf), ("totp", code)])
    }

    @Test("a password session asked for mfa gets only the TOTP step and keeps its sid; acr in every token")
    func passwordToMFA() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            let sid = try await Self.passwordSession(browser)
            let totp = try await harness.enrollTOTP("alice")
            harness.clock.advance(seconds: 60)

            let pkce = PKCEPair()
            let start = try await browser.authorize(client: "app", pkce: pkce, extra: [("acr_values", Self.mfa)])
            let loginURL = try #require(start.location)
            #expect(loginURL.hasPrefix("/login?interaction="))
            let done = try await Self.submitCode(browser, at: loginURL, code: harness.totp(totp))
            let code = try #require(done.redirectParameters["code"], "\(done.status) \(done.location ?? "")")

            let (id, access, accessToken) = try await Self.tokens(browser, code: code, pkce: pkce)
            #expect(id["sid"] as? String == sid, "the same session")
            #expect(id["acr"] as? String == Self.mfa)
            #expect(id["amr"] as? [String] == ["pwd", "otp"])
            #expect(access["acr"] as? String == Self.mfa)
            #expect(access["amr"] as? [String] == ["pwd", "otp"])
            let authTime = try #require(id["auth_time"] as? Int)
            #expect(access["auth_time"] as? Int == authTime)

            let introspected = try await browser.post(
                "/introspect", form: [("token", accessToken)], headers: [.authorization: Browser.basic("app", Self.secret)]
            ).json
            #expect(introspected["active"] as? Bool == true)
            #expect(introspected["acr"] as? String == Self.mfa)
            #expect(introspected["amr"] as? [String] == ["pwd", "otp"])
            #expect(introspected["auth_time"] as? Int == authTime)

            // The session now reaches mfa: the next request for it is answered at once.
            let again = try await browser.authorize(client: "app", extra: [("acr_values", Self.mfa)])
            #expect(again.redirectParameters["code"] != nil)
        }
    }

    @Test("a reference access token's introspection carries acr, amr and auth_time from its grant")
    func referenceTokenIntrospection() async throws {
        let harness = try await Self.harness()
        var opaque = try await harness.addClient("opaque", secret: Self.secret, skipConsent: true)
        opaque.accessTokenFormat = .reference
        try await harness.storage.save(opaque)
        let totp = try await harness.enrollTOTP("alice")
        try await harness.run { browser in
            let pkce = PKCEPair()
            let start = try await browser.authorize(client: "opaque", pkce: pkce)
            let form = try await browser.get(try #require(start.location))
            let interaction = try #require(form.hidden("interaction"))
            let csrf = try #require(form.hidden("csrf"))
            _ = try await browser.post("/login", form: [("interaction", interaction), ("csrf", csrf), ("login", "alice"),
                                                        ("password", "wonderland-42")])
            let done = try await browser.post("/login", form: [("interaction", interaction), ("csrf", csrf),
                                                               ("totp", harness.totp(totp))])
            let code = try #require(done.redirectParameters["code"], "\(done.status) \(done.location ?? "")")
            let json = try await browser.exchange(code: code, pkce: pkce, client: "opaque", secret: Self.secret).json
            let accessToken = try #require(json["access_token"] as? String)
            #expect(accessToken.split(separator: ".").count == 1, "an opaque token")
            let introspected = try await browser.post(
                "/introspect", form: [("token", accessToken)], headers: [.authorization: Browser.basic("opaque", Self.secret)]
            ).json
            #expect(introspected["active"] as? Bool == true)
            #expect(introspected["acr"] as? String == Self.mfa)
            #expect(introspected["amr"] as? [String] == ["pwd", "otp"])
            #expect(introspected["auth_time"] is Int)
        }
    }

    @Test("the code of a step-up adds to the browser's session and never opens one without it")
    func stepUpNeedsTheSession() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            _ = try await Self.passwordSession(browser)
            let totp = try await harness.enrollTOTP("alice")
            let start = try await browser.authorize(client: "app", extra: [("acr_values", Self.mfa)])
            let loginURL = try #require(start.location)
            let page = try await browser.get(loginURL)
            let interaction = try #require(page.hidden("interaction"))
            let csrf = try #require(page.hidden("csrf"))
            browser.setCookie("sso_session", "")
            let done = try await browser.post("/login", form: [("interaction", interaction), ("csrf", csrf),
                                                                ("totp", harness.totp(totp))])
            #expect(done.redirectParameters["code"] == nil)
            #expect(done.location == nil, "the expired page, no redirect: \(done.status)")
        }
    }

    @Test("prompt=none with a session below the requested level: login_required at the redirect URI")
    func promptNone() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            _ = try await Self.passwordSession(browser)
            _ = try await harness.enrollTOTP("alice")
            let answer = try await browser.authorize(client: "app", extra: [("acr_values", Self.mfa), ("prompt", "none")])
            #expect(answer.location?.hasPrefix("https://app.example/cb?") == true)
            #expect(answer.redirectParameters["error"] == "login_required")
            #expect(answer.redirectParameters["state"] == "st-1")
        }
    }

    @Test("a client's minimum holds when the request asks for less or for nothing; unreachable: access_denied")
    func clientMinimum() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            _ = try await Self.passwordSession(browser)
            let totp = try await harness.enrollTOTP("alice")
            for extra in [[("acr_values", Self.password)], []] {
                let start = try await browser.authorize(client: "strict", extra: extra)
                let loginURL = try #require(start.location)
                #expect(loginURL.hasPrefix("/login?interaction="), "no code below the minimum")
                #expect(start.redirectParameters["code"] == nil)
                if extra.isEmpty {
                    let pkce = PKCEPair()
                    let stepUp = try await browser.authorize(client: "strict", pkce: pkce)
                    let done = try await Self.submitCode(browser, at: try #require(stepUp.location), code: harness.totp(totp))
                    let code = try #require(done.redirectParameters["code"])
                    #expect(try await Self.tokens(browser, code: code, pkce: pkce, client: "strict").id["acr"] as? String
                        == Self.mfa)
                }
            }
        }
        // bob has no second factor: the minimum cannot be reached.
        try await harness.run { browser in
            let start = try await browser.authorize(client: "strict")
            let done = try await browser.logIn(at: try #require(start.location), login: "bob", password: "builder-of-43")
            #expect(done.location?.hasPrefix("https://app.example/cb?") == true)
            #expect(done.redirectParameters["error"] == "access_denied")
            #expect(done.redirectParameters["code"] == nil)
        }
    }

    @Test("requested levels are voluntary: unknown ones are ignored (the client's default applies), unreachable ones give the session's acr")
    func voluntaryAndUnknown() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            _ = try await Self.passwordSession(browser)
            _ = try await harness.enrollTOTP("alice")
            // Unknown only: ignored; `app` has no default, so the password session will do.
            let pkce = PKCEPair()
            let plain = try await browser.authorize(client: "app", pkce: pkce, extra: [("acr_values", "urn:example:unknown")])
            let code = try #require(plain.redirectParameters["code"])
            #expect(try await Self.tokens(browser, code: code, pkce: pkce).id["acr"] as? String == Self.password)
            // `defaulted` asks mfa when the request names no known level.
            let stepUp = try await browser.authorize(client: "defaulted", extra: [("acr_values", "urn:example:unknown")])
            #expect(stepUp.location?.hasPrefix("/login?interaction=") == true)
        }
        // bob cannot reach mfa and no minimum demands it: he signs in with what he has.
        try await harness.run { browser in
            let pkce = PKCEPair()
            let start = try await browser.authorize(client: "app", pkce: pkce, extra: [("acr_values", Self.mfa)])
            let done = try await browser.logIn(at: try #require(start.location), login: "bob", password: "builder-of-43")
            let code = try #require(done.redirectParameters["code"])
            #expect(try await Self.tokens(browser, code: code, pkce: pkce).id["acr"] as? String == Self.password)
        }
    }

    @Test("max_age beyond the session's auth_time asks the whole sign-in, not only the missing step")
    func maxAge() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            _ = try await Self.passwordSession(browser)
            _ = try await harness.enrollTOTP("alice")
            harness.clock.advance(seconds: 120)
            let stale = try await browser.authorize(client: "app", extra: [("acr_values", Self.mfa), ("max_age", "60")])
            let page = try await browser.get(try #require(stale.location))
            #expect(page.body.contains("name=\"password\""), "the password again")
            // Within max_age the missing step alone.
            let fresh = try await browser.authorize(client: "app", extra: [("acr_values", Self.mfa), ("max_age", "600")])
            let step = try await browser.get(try #require(fresh.location))
            #expect(step.body.contains("name=\"totp\"") && !step.body.contains("name=\"password\""))
        }
    }

    @Test("discovery lists the configured levels and the acr claim")
    func discovery() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            let json = try await browser.get("/.well-known/openid-configuration").json
            #expect(json["acr_values_supported"] as? [String] == [Self.password, Self.mfa, Self.phishingResistant])
            #expect((json["claims_supported"] as? [String])?.contains("acr") == true)
        }
    }
}
