import Foundation
import HTTPTypes
import SSOCore
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

/// An upstream account whose e-mail is a local account's: the hostile case where whoever
/// controls such an upstream account must not become the local user.
@Suite("Connecting an upstream account to an existing local one")
struct FederationLinkingTests {
    static let email = "IVAN@oidc.example"
    static let password = "local-password-1"

    /// Our server with the fake OpenID Connect provider (its user's e-mail is verified and is
    /// `ivan@oidc.example`) and, unless told otherwise, a local account with that e-mail.
    static func setUp(_ fake: FakeProvider, localAccount: Bool = true) async throws -> (Harness, User?) {
        let harness = try await FederationAPITests.setUp(fake, oidc: true)
        guard localAccount else { return (harness, nil) }
        return (harness, try await harness.addUser("ivan", password: password, email: email))
    }

    /// From `/authorize` through the provider to what our callback answers.
    static func federated(_ browser: Browser, pkce: PKCEPair = PKCEPair()) async throws -> Browser.Page {
        let start = try await browser.authorize(client: "app", pkce: pkce)
        let page = try await browser.get(try #require(start.location))
        let interaction = try #require(page.hidden("interaction"))
        let toProvider = try await browser.get("/federation/fakeid/start?interaction=\(interaction)")
        return try await browser.follow(try await fetchRedirect(try #require(toProvider.location)))
    }

    /// Posts the form of a `/federation/continue` page.
    static func submit(_ browser: Browser, on page: Browser.Page, _ fields: [(String, String)]) async throws -> Browser.Page {
        let step = try #require(page.hidden("step"), "no step form: \(page.status) \(page.body)")
        let csrf = try #require(page.hidden("csrf"))
        return try await browser.post("/federation/continue", form: [("step", step), ("csrf", csrf)] + fields)
    }

    static func continuePage(_ browser: Browser, after answer: Browser.Page) async throws -> Browser.Page {
        let location = try #require(answer.location, "\(answer.status) \(answer.body)")
        #expect(location.hasPrefix("/federation/continue?step="), "\(location)")
        return try await browser.get(location)
    }

    static func subject(_ browser: Browser, code: String?, pkce: PKCEPair) async throws -> String? {
        let tokens = try await browser.exchange(code: try #require(code), pkce: pkce, client: "app",
                                                secret: FederationTests.appSecret)
        let access = try #require(tokens.json["access_token"] as? String, "\(tokens.body)")
        return try await browser.get("/userinfo", headers: [.authorization: "Bearer \(access)"]).json["sub"] as? String
    }

    @Test("the victim's verified e-mail upstream gets the connect page; a wrong password links nothing; the right one links and signs in; then straight through")
    func hostileUpstream() async throws {
        let fake = FakeProvider()
        let (harness, local) = try await Self.setUp(fake)
        let victim = try #require(local)
        try await fake.run {
            try await harness.run { browser in
                let answer = try await Self.federated(browser)
                #expect(answer.location?.hasPrefix("https://app.example") != true, "signed in as the victim")
                #expect(browser.cookies["sso_session"] == nil)
                let page = try await Self.continuePage(browser, after: answer)
                #expect(page.status == .ok)
                #expect(page.body.contains("An account with this e-mail address already exists"))
                #expect(page.body.contains("ivan@oidc.example"))
                #expect(page.body.contains("name=\"password\""))
                #expect(FormActionPolicyTests.formAction(page) == "form-action 'self' https://app.example")
                #expect(try await harness.storage.linkedUserID(provider: "fakeid", subject: "oidc-sub-1") == nil)

                let wrong = try await Self.submit(browser, on: page, [
                    ("login", "ivan"), ("password", "the-attacker-guesses"), ("decision", "connect")])
                #expect(wrong.status == .ok)
                #expect(wrong.location == nil)
                #expect(wrong.body.contains("Invalid login or password."))
                #expect(browser.cookies["sso_session"] == nil)
                #expect(try await harness.storage.linkedUserID(provider: "fakeid", subject: "oidc-sub-1") == nil)

                let pkce = PKCEPair()
                // The same page again (the step survives a wrong password), now with the right one.
                let right = try await Self.submit(browser, on: wrong, [
                    ("login", "ivan"), ("password", Self.password), ("decision", "connect")])
                #expect(right.location?.hasPrefix("https://app.example/cb?code=") == true, "\(right.body)")
                #expect(browser.cookies["sso_session"] != nil)
                #expect(try await harness.storage.linkedUserID(provider: "fakeid", subject: "oidc-sub-1") == victim.id)

                browser.clearCookies()
                let again = try await Self.federated(browser, pkce: pkce)
                #expect(again.location?.hasPrefix("https://app.example/cb?code=") == true, "\(again.body)")
                #expect(try await Self.subject(browser, code: again.redirectParameters["code"], pkce: pkce) == victim.id)
            }
        }
        #expect(try await harness.storage.users(email: Self.email).count == 1)
        #expect(try await harness.storage.securityEvents().contains { $0.kind == .federationLinked && $0.userID == victim.id })
    }

    @Test("an account with TOTP: password, then its code, before the link and the session; and the code again on every upstream sign-in")
    func secondFactor() async throws {
        let fake = FakeProvider()
        let (harness, local) = try await Self.setUp(fake)
        let victim = try #require(local)
        let secret = try await harness.enrollTOTP("ivan")
        try await fake.run {
            try await harness.run { browser in
                let page = try await Self.continuePage(browser, after: try await Self.federated(browser))
                let passwordOK = try await Self.submit(browser, on: page, [
                    ("login", "ivan"), ("password", Self.password), ("decision", "connect")])
                let totp = try await Self.continuePage(browser, after: passwordOK)
                #expect(totp.body.contains("name=\"totp\""))
                #expect(browser.cookies["sso_session"] == nil)
                #expect(try await harness.storage.linkedUserID(provider: "fakeid", subject: "oidc-sub-1") == nil)

                let wrongPin = harness.totp(secret) == "000000" ? "111111" : "000000"
                let wrong = try await Self.submit(browser, on: totp, [("totp", wrongPin)])
                #expect(wrong.location == nil)
                #expect(wrong.body.contains("The code is wrong or has already been used."))
                #expect(try await harness.storage.linkedUserID(provider: "fakeid", subject: "oidc-sub-1") == nil)
                let done = try await Self.submit(browser, on: wrong, [("totp", harness.totp(secret))])
                #expect(done.location?.hasPrefix("https://app.example/cb?code=") == true, "\(done.body)")
                #expect(try await harness.storage.linkedUserID(provider: "fakeid", subject: "oidc-sub-1") == victim.id)

                // Linked now: the upstream sign-in stands for the password, not for the second factor.
                browser.clearCookies()
                harness.clock.advance(seconds: 31)
                let pkce = PKCEPair()
                let again = try await Self.federated(browser, pkce: pkce)
                #expect(again.location?.hasPrefix("https://app.example") != true, "the second factor was skipped")
                #expect(browser.cookies["sso_session"] == nil)
                let code = try await Self.continuePage(browser, after: again)
                #expect(code.body.contains("name=\"totp\""))
                #expect(FormActionPolicyTests.formAction(code) == "form-action 'self' https://app.example")
                let through = try await Self.submit(browser, on: code, [("totp", harness.totp(secret))])
                #expect(through.location?.hasPrefix("https://app.example/cb?code=") == true, "\(through.body)")
                #expect(try await Self.subject(browser, code: through.redirectParameters["code"], pkce: pkce) == victim.id)
            }
        }
    }

    @Test("cancel on the connect page: back to the login page, nothing linked or created; a refused offer shows no form")
    func cancelAndOfferOff() async throws {
        let fake = FakeProvider()
        let (harness, _) = try await Self.setUp(fake)
        try await fake.run {
            try await harness.run { browser in
                let page = try await Self.continuePage(browser, after: try await Self.federated(browser))
                let cancelled = try await Self.submit(browser, on: page, [("decision", "cancel")])
                #expect(cancelled.location?.hasPrefix("/login?interaction=") == true, "\(cancelled.body)")
                #expect(browser.cookies["sso_session"] == nil)
                // The step is gone.
                let replay = try await Self.submit(browser, on: page, [
                    ("login", "ivan"), ("password", Self.password), ("decision", "connect")])
                #expect(replay.status == .badRequest)

                var provider = try #require(try await harness.storage.provider(name: "fakeid"))
                provider.offerLinkByEmail = false
                try await harness.storage.save(provider)
                browser.clearCookies()
                let refused = try await Self.federated(browser)
                #expect(refused.status == .conflict)
                #expect(refused.location == nil)
                #expect(!refused.body.contains("name=\"password\""))
                #expect(browser.cookies["sso_session"] == nil)
            }
        }
        #expect(try await harness.storage.linkedUserID(provider: "fakeid", subject: "oidc-sub-1") == nil)
        #expect(try await harness.storage.users(email: Self.email).count == 1)
    }

    @Test("a step is bound to its browser: another browser gets the expired page")
    func boundToBrowser() async throws {
        let fake = FakeProvider()
        let (harness, _) = try await Self.setUp(fake)
        try await fake.run {
            try await harness.run { browser in
                let answer = try await Self.federated(browser)
                let location = try #require(answer.location)
                let page = try await browser.get(location)
                let step = try #require(page.hidden("step"))
                browser.clearCookies()
                // Another browser, with a CSRF cookie of its own.
                #expect(try await browser.get(location).status == .badRequest)
                let elsewhere = try await browser.post("/federation/continue", form: [
                    ("step", step), ("csrf", browser.cookies["sso_csrf"] ?? "x"), ("login", "ivan"),
                    ("password", Self.password), ("decision", "connect")])
                #expect(elsewhere.status == .badRequest)
            }
        }
        #expect(try await harness.storage.linkedUserID(provider: "fakeid", subject: "oidc-sub-1") == nil)
    }

    @Test("an e-mail no local account has: a new account, as before")
    func newAccount() async throws {
        let fake = FakeProvider()
        let (harness, _) = try await Self.setUp(fake, localAccount: false)
        try await harness.addUser("someone", password: "some-password-1", email: "someone@else.example")
        try await fake.run {
            try await harness.run { browser in
                let answer = try await Self.federated(browser)
                #expect(answer.location?.hasPrefix("https://app.example/cb?code=") == true, "\(answer.body)")
            }
        }
        let created = try #require(try await harness.storage.users(email: Self.email).first)
        #expect(created.login == "ivan@oidc.example@fakeid")
        #expect(try await harness.storage.linkedUserID(provider: "fakeid", subject: "oidc-sub-1") == created.id)
    }
}

/// Who may use the federation JSON API, and what it issues.
@Suite("The federation JSON API authenticates its client")
struct FederationAPIClientTests {
    static func challenge(_ page: Browser.Page) -> String? { page.headers[HTTPField.Name("WWW-Authenticate")!] }

    @Test("without client authentication: 401 with a Basic challenge and nothing issued; the state still works for its client")
    func unauthenticated() async throws {
        let fake = FakeProvider()
        let harness = try await FederationAPITests.setUp(fake, oidc: false)
        try await fake.run {
            try await harness.run { browser in
                for headers: HTTPFields in [[:], [.authorization: Browser.basic("app", "wrong-secret")]] {
                    let start = try await browser.post("/api/v1/oauth/authorize-url/", form: [
                        ("provider", "yandex"), ("client_redirect_url", "https://app.example/cb")], headers: headers)
                    #expect(start.status == .unauthorized)
                    #expect(start.json["error"] as? String == "invalid_client")
                    #expect(Self.challenge(start)?.hasPrefix("Basic realm=\"\(Harness.issuer)\"") == true)
                    #expect(start.json["state"] == nil)
                }
                let (state, code) = try await FederationAPITests.toSite(browser, provider: "yandex")
                for form: [(String, String)] in [[], [("client_id", "app")]] {
                    let stolen = try await FederationAPITests.exchange(
                        browser, provider: "yandex", state: state, code: code, form: form, headers: [:])
                    #expect(stolen.status == .unauthorized)
                    #expect(stolen.json["error"] as? String == "invalid_client")
                    #expect(Self.challenge(stolen)?.hasPrefix("Basic realm=\"\(Harness.issuer)\"") == true)
                    #expect(stolen.json["access_token"] == nil)
                }
                let post = try await FederationAPITests.exchange(
                    browser, provider: "yandex", state: state, code: code,
                    form: [("client_id", "app"), ("client_secret", FederationTests.appSecret)], headers: [:])
                #expect(post.status == .ok, "client_secret_post: \(post.body)")
            }
        }
    }

    @Test("another client's credentials with this client's state are refused; the API switched off for a client refuses it")
    func otherClientAndSwitch() async throws {
        let fake = FakeProvider()
        let harness = try await FederationAPITests.setUp(fake, oidc: false)
        _ = try await harness.addClient("other", secret: "other-secret-0123456789-01234567", skipConsent: true,
                                        federationAPI: true)
        _ = try await harness.addClient("off", secret: "off-secret-0123456789-0123456789", skipConsent: true)
        try await fake.run {
            try await harness.run { browser in
                let (state, code) = try await FederationAPITests.toSite(browser, provider: "yandex")
                let other = try await FederationAPITests.exchange(
                    browser, provider: "yandex", state: state, code: code,
                    headers: [.authorization: Browser.basic("other", "other-secret-0123456789-01234567")])
                #expect(other.status == .badRequest)
                #expect(other.json["error"] as? String == "invalid_grant")
                #expect(other.json["access_token"] == nil)
                let off = try await browser.post("/api/v1/oauth/authorize-url/", form: [
                    ("provider", "yandex"), ("client_redirect_url", "https://app.example/cb")],
                    headers: [.authorization: Browser.basic("off", "off-secret-0123456789-0123456789")])
                #expect(off.status == .badRequest)
                #expect(off.json["error"] as? String == "unauthorized_client")
                let offExchange = try await FederationAPITests.exchange(
                    browser, provider: "yandex", state: state, code: code,
                    headers: [.authorization: Browser.basic("off", "off-secret-0123456789-0123456789")])
                #expect(offExchange.json["error"] as? String == "unauthorized_client")
                // The refusals did not use up the state: its own client still gets its tokens.
                let own = try await FederationAPITests.exchange(browser, provider: "yandex", state: state, code: code)
                #expect(own.status == .ok, "\(own.body)")
            }
        }
        #expect(try await harness.storage.users(email: "ivan@yandex.example").count == 1)
    }

    @Test("a public client binds a PKCE challenge: no verifier or a wrong one is refused, the right one gets tokens")
    func publicClientPKCE() async throws {
        let fake = FakeProvider()
        let harness = try await FederationAPITests.setUp(fake, oidc: false)
        _ = try await harness.addClient("spa", secret: nil, skipConsent: true, federationAPI: true)
        try await fake.run {
            try await harness.run { browser in
                let withoutChallenge = try await browser.post("/api/v1/oauth/authorize-url/", form: [
                    ("provider", "yandex"), ("client_redirect_url", "https://app.example/cb"), ("client_id", "spa")])
                #expect(withoutChallenge.status == .badRequest)
                #expect(withoutChallenge.json["error"] as? String == "invalid_request")
                let pkce = PKCEPair()
                let (state, code) = try await FederationAPITests.toSite(browser, provider: "yandex", form: [
                    ("client_id", "spa"), ("code_challenge", pkce.challenge), ("code_challenge_method", "S256")],
                    headers: [:])
                for verifier in [nil, PKCEPair().verifier] {
                    var form = [("client_id", "spa")]
                    if let verifier { form.append(("code_verifier", verifier)) }
                    let refused = try await FederationAPITests.exchange(
                        browser, provider: "yandex", state: state, code: code, form: form, headers: [:])
                    #expect(refused.status == .badRequest)
                    #expect(refused.json["error"] as? String == "invalid_grant")
                    #expect(refused.json["access_token"] == nil)
                }
                #expect(try await harness.storage.users(email: "ivan@yandex.example").isEmpty)
                let tokens = try await FederationAPITests.exchange(
                    browser, provider: "yandex", state: state, code: code,
                    form: [("client_id", "spa"), ("code_verifier", pkce.verifier)], headers: [:])
                #expect(tokens.status == .ok, "\(tokens.body)")
                #expect(tokens.json["access_token"] is String)
            }
        }
    }

    @Test("only consented scopes are issued (all asked for a skipConsent client); a new user of a consent client is refused and not created")
    func consentedScopes() async throws {
        let fake = FakeProvider()
        let harness = try await FederationAPITests.setUp(fake, oidc: false)
        let secret = "site-secret-0123456789-0123456789"
        _ = try await harness.addClient("site", secret: secret, federationAPI: true)
        let basic: HTTPFields = [.authorization: Browser.basic("site", secret)]
        try await fake.run {
            try await harness.run { browser in
                let (state, code) = try await FederationAPITests.toSite(browser, provider: "yandex", headers: basic)
                let newUser = try await FederationAPITests.exchange(
                    browser, provider: "yandex", state: state, code: code, headers: basic)
                #expect(newUser.status == .badRequest)
                #expect(newUser.json["error"] as? String == "consent_required")
                #expect(try await harness.storage.users(email: "ivan@yandex.example").isEmpty)

                let user = try await harness.addUser("ivan", password: "local-password-1")
                try await harness.storage.link(provider: "yandex", subject: "4242", userID: user.id, creating: nil,
                                               at: harness.clock.now())
                let none = try await Self.tokens(browser, headers: basic)
                #expect(none.json["error"] as? String == "consent_required")

                try await harness.storage.recordConsent(userID: user.id, clientID: "site",
                                                        scopes: ScopeSet(["openid", "profile"]), at: harness.clock.now())
                let part = try await Self.tokens(browser, headers: basic)
                #expect(part.status == .ok, "\(part.body)")
                #expect(part.json["scope"] as? String == "openid profile")
                let explicit = try await Self.tokens(browser, headers: basic, scope: "openid email")
                #expect(explicit.json["error"] as? String == "consent_required")
                let notAllowed = try await browser.post("/api/v1/oauth/authorize-url/", form: [
                    ("provider", "yandex"), ("client_redirect_url", "https://app.example/cb"), ("scope", "openid admin")],
                    headers: basic)
                #expect(notAllowed.json["error"] as? String == "invalid_scope")
                // A first-party client gets what it asks.
                let first = try await Self.tokens(browser, headers: [.authorization: FederationAPITests.appBasic])
                #expect(first.json["scope"] as? String == "openid profile email")
            }
        }
    }

    static func tokens(_ browser: Browser, headers: HTTPFields, scope: String? = nil) async throws -> Browser.Page {
        let (state, code) = try await FederationAPITests.toSite(
            browser, provider: "yandex", form: scope.map { [("scope", $0)] } ?? [], headers: headers)
        return try await FederationAPITests.exchange(browser, provider: "yandex", state: state, code: code, headers: headers)
    }
}

/// Linking an upstream account from the account page.
@Suite("Linking an upstream account from the account page")
struct AccountLinkingTests {
    /// Signs `login` in on the account page; returns the page.
    static func signedIn(_ browser: Browser, login: String, password: String) async throws -> Browser.Page {
        let start = try await browser.get("/account")
        let form = try await browser.get(try #require(start.location))
        let done = try await browser.post("/login", form: [
            ("interaction", try #require(form.hidden("interaction"))), ("csrf", try #require(form.hidden("csrf"))),
            ("login", login), ("password", password)])
        return try await browser.get(try #require(AccountTests.path(done.location)))
    }

    /// The account page's link button for the fake provider, through the provider, to our callback.
    static func link(_ browser: Browser) async throws -> Browser.Page {
        let csrf = try #require(try await browser.get("/account").hidden("csrf"))
        let toProvider = try await browser.post("/federation/fakeid/link", form: [("csrf", csrf)])
        let location = try #require(toProvider.location, "\(toProvider.status) \(toProvider.body)")
        guard location.hasPrefix("http") else { return toProvider }
        return try await browser.follow(try await fetchRedirect(location))
    }

    @Test("a recent local sign-in links the upstream account to this user; the form's CSP allows the provider")
    func links() async throws {
        let fake = FakeProvider()
        let harness = try await FederationAPITests.setUp(fake, oidc: true)
        let user = try await harness.addUser("olga", password: "local-password-1")
        try await fake.run {
            try await harness.run { browser in
                let page = try await Self.signedIn(browser, login: "olga", password: "local-password-1")
                #expect(page.body.contains("action=\"/federation/fakeid/link\""))
                let policy = try #require(FormActionPolicyTests.formAction(page))
                #expect(policy.hasPrefix("form-action 'self' http://127.0.0.1:"), "the provider's origin: \(policy)")

                let back = try await Self.link(browser)
                #expect(back.location == "/account?done=linked#links", "\(back.status) \(back.body)")
                #expect(try await harness.storage.linkedUserID(provider: "fakeid", subject: "oidc-sub-1") == user.id)
                #expect(try await harness.storage.securityEvents(limit: 50).contains { $0.kind == .federationLinked })
                let after = try await browser.get("/account?done=linked")
                #expect(!after.body.contains("action=\"/federation/fakeid/link\""), "no button for a linked provider")
            }
        }
    }

    @Test("no link without the page's CSRF token, after a stale sign-in, or to an upstream account someone else holds")
    func refuses() async throws {
        let fake = FakeProvider()
        let harness = try await FederationAPITests.setUp(fake, oidc: true)
        let olga = try await harness.addUser("olga", password: "local-password-1")
        let petr = try await harness.addUser("petr", password: "local-password-2")
        try await fake.run {
            try await harness.run { browser in
                _ = try await Self.signedIn(browser, login: "olga", password: "local-password-1")
                let forged = try await browser.post("/federation/fakeid/link", form: [("csrf", "forged")])
                #expect(forged.status == .forbidden)

                harness.clock.advance(seconds: 660)
                let stale = try await Self.link(browser)
                #expect(stale.location?.hasPrefix("/account/sign-in-again") == true)
                #expect(try await harness.storage.linkedUserID(provider: "fakeid", subject: "oidc-sub-1") == nil)

                // The upstream account is petr's already: olga's link is refused, petr keeps it.
                try await harness.storage.link(provider: "fakeid", subject: "oidc-sub-1", userID: petr.id, creating: nil,
                                               at: harness.clock.now())
                let fresh = Browser(transport: browser.transport, port: browser.port)
                _ = try await Self.signedIn(fresh, login: "olga", password: "local-password-1")
                let taken = try await Self.link(fresh)
                #expect(taken.status == .conflict)
                #expect(try await harness.storage.linkedUserID(provider: "fakeid", subject: "oidc-sub-1") == petr.id)
                #expect(try await harness.storage.links(userID: olga.id).isEmpty)
            }
        }
    }
}
