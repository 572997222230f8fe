import Foundation
import HTTPTypes
import JWTKit
import SSOCore
import SSOPasskeys
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

/// The ID token's claims a passkey sign-in sets.
struct PasskeyIDToken: JWTPayload {
    var sub: String
    var amr: [String]?
    var acr: String?
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Passkeys through the real server: registration by a recently signed-in user, sign-in with a
/// discoverable passkey to a code (no password, no login typed), the second factor after a
/// password, and everything that must be refused (stale sign-in, forged or replayed calls,
/// counter regressions, another user's session).
@Suite("Passkeys end to end")
struct PasskeyTests {
    static let secret = "passkey-app-secret-0123456789"

    static func harness() async throws -> Harness {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        try await harness.addUser("bob", password: "builder-of-43")
        _ = try await harness.addClient("app", secret: secret, skipConsent: true)
        return harness
    }

    /// Signs `browser` in with the password, then registers `passkey` through the endpoints.
    @discardableResult
    static func register(
        _ passkey: SoftwarePasskey, in browser: Browser, login: String = "alice", password: String = "wonderland-42",
        name: String = "Laptop"
    ) async throws -> [String: Any] {
        _ = try await browser.obtainCode(client: "app", login: login, password: password)
        let options = try await browser.call("/passkeys/register/options", ["csrf": browser.csrf])
        try #require(options.status == .ok, "\(options.status) \(options.body)")
        let created = try await browser.call("/passkeys/register", [
            "csrf": browser.csrf, "name": name, "credential": try jsonObject(try passkey.create(options.json)),
        ])
        try #require(created.status == .created, "\(created.status) \(created.body)")
        return created.json
    }

    /// `/authorize` in a browser with no session, up to the login page: its interaction.
    static func loginPage(_ browser: Browser, pkce: PKCEPair) async throws -> String {
        let start = try await browser.authorize(client: "app", pkce: pkce)
        let page = try await browser.get(try #require(start.location))
        #expect(page.body.contains("autocomplete=\"username webauthn\""))
        #expect(page.body.contains("/static/passkey-login.js"))
        return try #require(page.hidden("interaction"))
    }

    /// The passkey's answer to the interaction's sign-in options.
    static func assertion(
        _ passkey: SoftwarePasskey, _ browser: Browser, interaction: String, advance: Bool = true
    ) async throws -> (options: [String: Any], credential: Any) {
        let options = try await browser.call("/login/passkey/options", ["interaction": interaction, "csrf": browser.csrf])
        try #require(options.status == .ok, "\(options.status) \(options.body)")
        return (options.json, try jsonObject(try passkey.get(options.json, advance: advance)))
    }

    static func idToken(_ browser: Browser, location: String, pkce: PKCEPair) async throws -> PasskeyIDToken {
        let code = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)
        let json = try await browser.exchange(code: code, pkce: pkce, client: "app", secret: secret).json
        let keys = try await JWTKeyCollection().add(jwksJSON: try await browser.get("/jwks").body)
        return try await keys.verify(try #require(json["id_token"] as? String), as: PasskeyIDToken.self)
    }

    @Test("a registered passkey signs in with nothing typed: a code, amr hwk and user; synced passkeys are swk")
    func registerAndSignIn() async throws {
        let harness = try await Self.harness()
        let alice = try #require(try await harness.storage.user(login: "alice"))
        for synced in [false, true] {
            let passkey = SoftwarePasskey(synced: synced)
            try await harness.run { browser in
                let created = try await Self.register(passkey, in: browser)
                #expect(created["name"] as? String == "Laptop")
                let list = try await browser.get("/passkeys")
                #expect((list.json["passkeys"] as? [[String: Any]])?.contains { $0["id"] as? String == created["id"] as? String }
                        == true)
                let page = try await browser.get("/account/passkeys")
                #expect(page.status == .ok && page.body.contains("Laptop") && page.body.contains("/static/passkeys.js"))
            }
            try await harness.run { browser in
                let pkce = PKCEPair()
                let interaction = try await Self.loginPage(browser, pkce: pkce)
                let (options, credential) = try await Self.assertion(passkey, browser, interaction: interaction)
                #expect(options["rpId"] as? String == "sso.test")
                #expect((options["allowCredentials"] as? [Any])?.isEmpty == true, "discoverable: no login typed, none listed")
                let done = try await browser.call("/login/passkey",
                                                  ["interaction": interaction, "csrf": browser.csrf, "credential": credential])
                try #require(done.status == .ok, "\(done.status) \(done.body)")
                let location = try #require(done.json["location"] as? String)
                #expect(location.hasPrefix("https://app.example/cb?code="))
                #expect(browser.cookies["sso_session"] != nil)
                let token = try await Self.idToken(browser, location: location, pkce: pkce)
                #expect(token.sub == alice.id)
                #expect(token.amr == [synced ? "swk" : "hwk", "user"])
            }
            let stored = try #require(try await harness.storage.passkey(credentialID: passkey.id))
            #expect(stored.signCount == 1 && stored.lastUsedAt != nil && stored.backupEligible == synced)
        }
        let kinds = try await harness.storage.securityEvents().map(\.kind)
        #expect(kinds.filter { $0 == .passkeyRegistered }.count == 2)
    }

    @Test("a counter that did not increase is refused and recorded; a replayed assertion is refused")
    func regressionAndReplay() async throws {
        let harness = try await Self.harness()
        let passkey = SoftwarePasskey()
        try await harness.run { browser in _ = try await Self.register(passkey, in: browser) }
        try await harness.run { browser in
            let interaction = try await Self.loginPage(browser, pkce: PKCEPair())
            let (_, credential) = try await Self.assertion(passkey, browser, interaction: interaction)
            let body: [String: Any] = ["interaction": interaction, "csrf": browser.csrf, "credential": credential]
            // The same assertion twice at once: its challenge is consumed by one of them only.
            let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
            async let first = browser.call("/login/passkey", json: json)
            async let second = browser.call("/login/passkey", json: json)
            let statuses = [try await first.status, try await second.status]
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
            #expect(try await browser.call("/login/passkey", body).status != .ok)
        }
        try await harness.run { browser in
            // A challenge is spent by a failed attempt too: the genuine answer after a tampered one is refused.
            let interaction = try await Self.loginPage(browser, pkce: PKCEPair())
            let options = try await browser.call("/login/passkey/options", ["interaction": interaction, "csrf": browser.csrf])
            let genuine = try passkey.get(options.json)
            var tampered = genuine
            tampered.response.signature = Base64URL.encode([UInt8](repeating: 7, count: 70))
            for credential in [tampered, genuine] {
                let answer = try await browser.call(
                    "/login/passkey", ["interaction": interaction, "csrf": browser.csrf, "credential": try jsonObject(credential)])
                #expect(answer.status == .forbidden && answer.json["error"] as? String == "access_denied")
            }
            #expect(browser.cookies["sso_session"] == nil)
        }
        try await harness.run { browser in
            let interaction = try await Self.loginPage(browser, pkce: PKCEPair())
            // A clone: a valid signature, but the counter it signed is the one already stored.
            passkey.signCount = 1
            let (_, credential) = try await Self.assertion(passkey, browser, interaction: interaction, advance: false)
            let cloned = try await browser.call("/login/passkey",
                                                ["interaction": interaction, "csrf": browser.csrf, "credential": credential])
            #expect(cloned.status == .forbidden)
            #expect(browser.cookies["sso_session"] == nil)
        }
        #expect(try await harness.storage.passkey(credentialID: passkey.id)?.signCount == 1, "only the first sign-in counted")
        let kinds = try await harness.storage.securityEvents().map(\.kind)
        #expect(kinds.contains(.passkeySignCountRegressed))
        #expect(kinds.contains(.passkeyFailed))
    }

    @Test("registration needs a recent sign-in and this browser's CSRF token; the options name the user by an opaque handle")
    func registrationRefusals() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            _ = try await browser.obtainCode(client: "app")
            let forged = try await browser.call("/passkeys/register/options", ["csrf": "not-the-cookie"])
            #expect(forged.status == .unauthorized)
            let anonymous = try await browser.call("/passkeys/register/options", [:])
            #expect(anonymous.status == .unauthorized)
            let options = try await browser.call("/passkeys/register/options", ["csrf": browser.csrf])
            #expect(options.status == .ok)
            let user = try #require(options.json["user"] as? [String: Any])
            #expect(user["name"] as? String == "alice" && user["id"] as? String != Base64URL.encode(Array("alice".utf8)))
            let selection = try #require(options.json["authenticatorSelection"] as? [String: Any])
            #expect(selection["residentKey"] as? String == "required")
            #expect(options.json["attestation"] as? String == "none")
            #expect((options.json["pubKeyCredParams"] as? [[String: Any]])?.compactMap { $0["alg"] as? Int } == [-7, -8, -257])

            harness.clock.advance(seconds: 11 * 60)
            let stale = try await browser.call("/passkeys/register/options", ["csrf": browser.csrf])
            #expect(stale.status == .forbidden && stale.json["error"] as? String == "login_required")
            let late = try await browser.call("/passkeys/register", [
                "csrf": browser.csrf, "credential": try jsonObject(try SoftwarePasskey().create(options.json)),
            ])
            #expect(late.status == .forbidden)
        }
        #expect(try await harness.storage.passkeys(userID: try #require(try await harness.storage.user(login: "alice")).id)
            .isEmpty)
    }

    @Test("another user's session can neither rename nor remove my passkey; mine can")
    func ownership() async throws {
        let harness = try await Self.harness()
        let passkey = SoftwarePasskey()
        let id = try await harness.run { browser in
            try #require(try await Self.register(passkey, in: browser)["id"] as? String)
        }
        try await harness.run { bob in
            _ = try await bob.obtainCode(client: "app", login: "bob", password: "builder-of-43")
            let rename = try await bob.call("/passkeys/\(id)/rename", ["csrf": bob.csrf, "name": "bob's now"])
            #expect(rename.status == .notFound)
            let remove = try await bob.call("/passkeys/\(id)/remove", ["csrf": bob.csrf])
            #expect(remove.status == .notFound)
        }
        #expect(try await harness.storage.passkey(credentialID: passkey.id)?.name == "Laptop")
        try await harness.run { alice in
            _ = try await alice.obtainCode(client: "app")
            let noCSRF = try await alice.call("/passkeys/\(id)/remove", [:])
            #expect(noCSRF.status == .unauthorized)
            #expect(try await alice.call("/passkeys/\(id)/rename", ["csrf": alice.csrf, "name": "Phone"]).status == .ok)
            #expect(try await harness.storage.passkey(credentialID: passkey.id)?.name == "Phone")
            #expect(try await alice.call("/passkeys/\(id)/remove", ["csrf": alice.csrf]).status == .ok)
        }
        #expect(try await harness.storage.passkey(credentialID: passkey.id) == nil)
        let kinds = try await harness.storage.securityEvents().map(\.kind)
        #expect(kinds.contains(.passkeyRenamed) && kinds.contains(.passkeyRemoved))
    }

    @Test("as the second factor after a password: only that user's passkeys, amr pwd, hwk, user and mfa")
    func secondFactor() async throws {
        let harness = try await Self.harness()
        let alices = SoftwarePasskey()
        let bobs = SoftwarePasskey()
        try await harness.run { browser in _ = try await Self.register(alices, in: browser) }
        try await harness.run { browser in
            _ = try await Self.register(bobs, in: browser, login: "bob", password: "builder-of-43")
        }
        _ = try await harness.enrollTOTP("alice")
        try await harness.run { browser in
            let pkce = PKCEPair()
            let interaction = try await Self.loginPage(browser, pkce: pkce)
            let totp = try await browser.post("/login", form: [
                ("interaction", interaction), ("csrf", browser.csrf), ("login", "alice"), ("password", "wonderland-42"),
            ])
            #expect(totp.body.contains("name=\"totp\"") && totp.body.contains("/static/passkey-login.js"))
            // Bob's passkey cannot stand in for Alice's second factor.
            let (options, wrong) = try await Self.assertion(bobs, browser, interaction: interaction)
            #expect((options["allowCredentials"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [alices.id])
            let refused = try await browser.call("/login/passkey",
                                                 ["interaction": interaction, "csrf": browser.csrf, "credential": wrong])
            #expect(refused.status == .forbidden)
            let (_, credential) = try await Self.assertion(alices, browser, interaction: interaction)
            let done = try await browser.call("/login/passkey",
                                              ["interaction": interaction, "csrf": browser.csrf, "credential": credential])
            try #require(done.status == .ok, "\(done.status) \(done.body)")
            let token = try await Self.idToken(browser, location: try #require(done.json["location"] as? String), pkce: pkce)
            #expect(token.amr == ["pwd", "hwk", "user", "mfa"])
        }
    }

    @Test("no passkey, no passkey button on the second-factor page; the passkeys page signs in first")
    func withoutPasskeys() async throws {
        let harness = try await Self.harness()
        _ = try await harness.enrollTOTP("bob")
        try await harness.run { browser in
            let signedOut = try await browser.get("/account/passkeys")
            #expect(signedOut.location == "/account/sign-in-again?return=/account/passkeys")
            let signIn = try await browser.get(try #require(signedOut.location))
            #expect(signIn.location?.hasPrefix("/login?interaction=") == true, "to the login page, and back here after")
            #expect(try await browser.get("/passkeys").status == .unauthorized)
            let interaction = try await Self.loginPage(browser, pkce: PKCEPair())
            let totp = try await browser.post("/login", form: [
                ("interaction", interaction), ("csrf", browser.csrf), ("login", "bob"), ("password", "builder-of-43"),
            ])
            #expect(totp.body.contains("name=\"totp\""))
            #expect(!totp.body.contains("/static/passkey-login.js"))
        }
    }

    @Test("failed assertions count against the address's login-failure limit")
    func failureLimit() async throws {
        var harness = try await Self.harness()
        harness.limits = AbuseLimits(loginFailuresPerAddress: 2)
        let passkey = SoftwarePasskey()
        try await harness.run { browser in _ = try await Self.register(passkey, in: browser) }
        try await harness.run { browser in
            let interaction = try await Self.loginPage(browser, pkce: PKCEPair())
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<4 {
                let options = try await browser.call("/login/passkey/options", ["interaction": interaction, "csrf": browser.csrf])
                var forged = try passkey.get(options.json)
                forged.response.signature = Base64URL.encode([UInt8](repeating: 7, count: 70))
                statuses.append(try await browser.call(
                    "/login/passkey", ["interaction": interaction, "csrf": browser.csrf, "credential": try jsonObject(forged)]).status)
            }
            #expect(statuses == [.forbidden, .forbidden, .tooManyRequests, .tooManyRequests], "\(statuses)")
            // The address is locked: even the genuine passkey waits.
            let (_, genuine) = try await Self.assertion(passkey, browser, interaction: interaction)
            let locked = try await browser.call("/login/passkey",
                                                ["interaction": interaction, "csrf": browser.csrf, "credential": genuine])
            #expect(locked.status == .tooManyRequests && locked.headers[.retryAfter] != nil)
        }
    }
}

/// A passkey as the further factor a client's level asks for.
@Suite("Step-up with a passkey")
struct PasskeyStepUpTests {
    static let phishingResistant = "urn:unifiedsso:acr:phishing-resistant"

    @Test("a password session asked for a phishing-resistant sign-in gets the passkey step on the same session")
    func passkeyStep() async throws {
        let harness = try await PasskeyTests.harness()
        let passkey = SoftwarePasskey()
        try await harness.run { browser in
            try await PasskeyTests.register(passkey, in: browser)
            let alice = try #require(try await harness.storage.user(login: "alice"))
            let before = try #require(try await harness.storage.sessions(userID: alice.id).first)
            #expect(before.methods == ["pwd"])

            let pkce = PKCEPair()
            let start = try await browser.authorize(client: "app", pkce: pkce, extra: [("acr_values", Self.phishingResistant)])
            let loginURL = try #require(start.location)
            #expect(loginURL.hasPrefix("/login?interaction="), "the missing step, not the code")
            let page = try await browser.get(loginURL)
            #expect(!page.body.contains("name=\"password\""), "the password is not asked again")
            #expect(!page.body.contains("name=\"totp\""), "no code form for an account without TOTP")
            #expect(page.body.contains("id=\"passkey-signin\""))
            #expect(page.body.contains("Confirm with your passkey"))
            let interaction = try #require(page.body.components(separatedBy: "data-interaction=\"").dropFirst().first?
                .components(separatedBy: "\"").first)

            // Without the session the step belongs to, the passkey opens nothing.
            let other = Browser(transport: browser.transport, port: browser.port)
            other.setCookie("sso_csrf", browser.csrf)
            let (_, stolen) = try await PasskeyTests.assertion(passkey, browser, interaction: interaction)
            let refused = try await other.call("/login/passkey",
                                               ["interaction": interaction, "csrf": browser.csrf, "credential": stolen])
            #expect(refused.status == .badRequest)

            let (_, credential) = try await PasskeyTests.assertion(passkey, browser, interaction: interaction)
            let done = try await browser.call("/login/passkey",
                                              ["interaction": interaction, "csrf": browser.csrf, "credential": credential])
            try #require(done.status == .ok, "\(done.status) \(done.body)")
            let location = try #require(done.json["location"] as? String)
            let token = try await PasskeyTests.idToken(browser, location: location, pkce: pkce)
            #expect(token.amr == ["pwd", "hwk", "user"])
            #expect(token.acr == Self.phishingResistant)
            let after = try #require(try await harness.storage.session(id: before.id))
            #expect(after.revokedAt == nil && after.methods == ["pwd", "hwk", "user"], "the same session, stepped up")
        }
    }
}
