import Foundation
import HTTPTypes
import SSOCore
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

/// The user's own account page over the real server: signing in through the server itself,
/// sessions, connected applications, the password, TOTP enrolment and removal, linked accounts.
@Suite("The account page")
struct AccountTests {
    static let password = "wonderland-42"
    static let secret = "app-secret-0123456789-0123456789"
    static let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

    static func harness(_ limits: AbuseLimits = AbuseLimits()) async throws -> Harness {
        var harness = try Harness()
        harness.limits = limits
        try await harness.addUser("alice", password: password, email: "alice@example.com")
        try await harness.addUser("bob", password: "builder-of-43")
        _ = try await harness.addClient("app", secret: secret)
        return harness
    }

    /// A path of the server from an absolute URL of its issuer.
    static func path(_ location: String?) -> String? {
        guard let location else { return nil }
        return location.hasPrefix(Harness.issuer) ? String(location.dropFirst(Harness.issuer.count)) : location
    }

    /// `/account` signed out, through the login form (with `userAgent`), back to the page.
    @discardableResult
    static func signIn(
        _ browser: Browser, login: String = "alice", password: String = password, userAgent: String = chrome,
        totp: (() -> String)? = nil
    ) async throws -> Browser.Page {
        let start = try await browser.get("/account")
        #expect(start.status == .found)
        let loginURL = try #require(start.location)
        #expect(loginURL.hasPrefix("/login?interaction="), "a signed-out browser is sent to the login page")
        return try await submitLogin(browser, at: loginURL, login: login, password: password, userAgent: userAgent, totp: totp)
    }

    static func submitLogin(
        _ browser: Browser, at loginURL: String, login: String, password: String, userAgent: String = chrome,
        totp: (() -> String)? = nil
    ) async throws -> Browser.Page {
        let form = try await browser.get(loginURL)
        let interaction = try #require(form.hidden("interaction"))
        let csrf = try #require(form.hidden("csrf"))
        var headers: HTTPFields = [:]
        headers[.userAgent] = userAgent
        var done = try await browser.post("/login", form: [("interaction", interaction), ("csrf", csrf), ("login", login),
                                                          ("password", password)], headers: headers)
        if let totp {
            #expect(done.status == .ok, "the second factor's page")
            done = try await browser.post("/login", form: [("interaction", interaction), ("csrf", csrf), ("totp", totp())],
                                          headers: headers)
        }
        #expect(done.status == .found)
        let back = try #require(path(done.location))
        #expect(back.hasPrefix("/account"), "back at the account page: \(back)")
        let page = try await browser.get(back)
        return page
    }

    /// A form of the account page, with the page's CSRF token.
    static func submit(_ browser: Browser, _ action: String, _ fields: [(String, String)]) async throws -> Browser.Page {
        let page = try await browser.get("/account")
        let csrf = try #require(page.hidden("csrf"), "the account page: \(page.status)")
        return try await browser.post(action, form: [("csrf", csrf)] + fields)
    }

    static func other(_ browser: Browser) -> Browser { Browser(transport: browser.transport, port: browser.port) }

    @Test("signed out, /account goes to the login page and back; the page lists this session with its device")
    func signInAndOverview() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            let page = try await Self.signIn(browser)
            #expect(page.status == .ok)
            #expect(page.body.contains("alice@example.com"))
            #expect(page.body.contains("Chrome, Linux"), "the device named from the User-Agent")
            #expect(page.body.components(separatedBy: "class=\"session\"").count == 2, "one session")
            #expect(page.body.contains("class=\"tag\""), "marked as this device")
            // Off states render as off: an empty value is false for a section.
            #expect(page.body.contains("id=\"totp-enrol\"") && !page.body.contains("id=\"totp-remove\""))
            #expect(!page.body.contains("id=\"end-others\""), "one session: nothing else to end")
            #expect(!page.body.contains("id=\"sign-in-again\""), "the sign-in is recent")
            // The built-in client is in the store, and nothing can be issued to it.
            let client = try #require(try await harness.storage.client(id: "sso-account"))
            #expect(client.grantTypes.isEmpty)
            #expect(client.redirectURIs == [Harness.issuer + "/account"])
            let alice = try #require(try await harness.storage.user(login: "alice"))
            let stored = try #require(try await harness.storage.sessions(userID: alice.id).first)
            #expect(stored.userAgent == Self.chrome)
        }
    }

    @Test("a form without the page's CSRF token changes nothing: 403")
    func csrf() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            try await Self.signIn(browser)
            let second = Self.other(browser)
            try await Self.signIn(second)
            let hash = try #require(try await harness.storage.user(login: "alice")).passwordHash
            for fields in [[(String, String)](), [("csrf", "forged")]] {
                let refused = try await browser.post("/account/sessions/end-others", form: fields)
                #expect(refused.status == .forbidden)
                let password = try await browser.post(
                    "/account/password", form: fields + [("current", Self.password), ("password", "new-password-1"),
                                                         ("repeat", "new-password-1")])
                #expect(password.status == .forbidden)
            }
            #expect(try await second.get("/account").status == .ok, "the other session lives on")
            #expect(try #require(try await harness.storage.user(login: "alice")).passwordHash == hash)
        }
    }

    @Test("ending another session signs that browser out and ends its tokens; ending this one signs this browser out")
    func endSessions() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            try await Self.signIn(browser)
            let second = Self.other(browser)
            try await Self.signIn(second, userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1")
            // The second browser signs in to an application, which gets a refresh token.
            let (code, pkce) = try await second.obtainCode(client: "app")
            let tokens = try await second.exchange(code: code, pkce: pkce, client: "app", secret: Self.secret).json
            let refresh = try #require(tokens["refresh_token"] as? String)

            let page = try await browser.get("/account")
            #expect(page.body.contains("Safari, iOS"))
            #expect(page.body.contains("App app"), "the applications each session signed in to")
            let alice = try #require(try await harness.storage.user(login: "alice"))
            let sessions = try await harness.storage.sessions(userID: alice.id)
            let secondID = try #require(sessions.first { $0.userAgent?.contains("iPhone") == true }?.id)

            // Another user's session id is not ours to end.
            try await Self.signIn(Self.other(browser), login: "bob", password: "builder-of-43")
            let bob = try #require(try await harness.storage.user(login: "bob"))
            let bobSession = try #require(try await harness.storage.sessions(userID: bob.id).first)
            _ = try await Self.submit(browser, "/account/sessions/end", [("session", bobSession.id)])
            #expect(try await harness.storage.session(id: bobSession.id)?.revokedAt == nil)

            let ended = try await Self.submit(browser, "/account/sessions/end", [("session", secondID)])
            #expect(ended.status == .found)
            #expect(ended.location == "/account?done=session_ended#sessions")
            #expect(try await second.get("/account").location?.hasPrefix("/login?") == true, "signed out")
            let refused = try await second.token(client: "app", secret: Self.secret, [
                ("grant_type", "refresh_token"), ("refresh_token", refresh)])
            #expect(refused.json["error"] as? String == "invalid_grant")
            #expect(try await harness.storage.securityEvents(limit: 50).contains { $0.kind == .sessionRevoked })

            let mine = try #require(try await harness.storage.sessions(userID: alice.id).first { $0.revokedAt == nil })
            let out = try await Self.submit(browser, "/account/sessions/end", [("session", mine.id)])
            #expect(out.location == "/account")
            #expect(try await browser.get("/account").location?.hasPrefix("/login?") == true)
        }
    }

    @Test("disconnecting an application ends its refresh tokens and forgets the consent")
    func disconnect() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            let (code, pkce) = try await browser.obtainCode(client: "app")
            let tokens = try await browser.exchange(code: code, pkce: pkce, client: "app", secret: Self.secret).json
            let refresh = try #require(tokens["refresh_token"] as? String)
            let page = try await browser.get("/account")
            #expect(page.body.contains("data-client=\"app\""))
            #expect(page.body.contains("openid profile email"))

            let done = try await Self.submit(browser, "/account/applications/disconnect", [("client", "app")])
            #expect(done.location == "/account?done=application_disconnected#applications")
            let after = try await browser.get("/account?done=application_disconnected")
            #expect(!after.body.contains("data-client=\"app\""))
            #expect(after.body.contains("The application no longer has access"))
            let refused = try await browser.token(client: "app", secret: Self.secret, [
                ("grant_type", "refresh_token"), ("refresh_token", refresh)])
            #expect(refused.json["error"] as? String == "invalid_grant")
            // The next authorization asks for consent again.
            let again = try await browser.authorize(client: "app")
            #expect(again.location?.hasPrefix("/consent?") == true)
            #expect(try await harness.storage.securityEvents(limit: 50).contains { $0.kind == .consentWithdrawn })
        }
    }

    @Test("password change: checked, other sessions end, the new password signs in and the old does not")
    func changePassword() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            try await Self.signIn(browser)
            let second = Self.other(browser)
            try await Self.signIn(second)

            let wrong = try await Self.submit(browser, "/account/password", [
                ("current", "not-it-at-all"), ("password", "brand-new-pass"), ("repeat", "brand-new-pass")])
            #expect(wrong.status == .badRequest)
            #expect(wrong.body.contains("The current password is wrong."))
            let mismatch = try await Self.submit(browser, "/account/password", [
                ("current", Self.password), ("password", "brand-new-pass"), ("repeat", "brand-new-pasz")])
            #expect(mismatch.status == .badRequest)
            let short = try await Self.submit(browser, "/account/password", [
                ("current", Self.password), ("password", "short"), ("repeat", "short")])
            #expect(short.status == .badRequest)

            let done = try await Self.submit(browser, "/account/password", [
                ("current", Self.password), ("password", "brand-new-pass"), ("repeat", "brand-new-pass")])
            #expect(done.location == "/account?done=password_changed#password")
            #expect(try await browser.get("/account").status == .ok, "this session stays")
            #expect(try await second.get("/account").status == .found, "the other one ended")

            let old = Self.other(browser)
            let start = try await old.get("/account")
            let form = try await old.get(try #require(start.location))
            let refused = try await old.post("/login", form: [
                ("interaction", try #require(form.hidden("interaction"))), ("csrf", try #require(form.hidden("csrf"))),
                ("login", "alice"), ("password", Self.password)])
            #expect(refused.status == .ok, "the login form again")
            #expect(refused.body.contains("error"))
            try await Self.signIn(Self.other(browser), password: "brand-new-pass")
            #expect(try await harness.storage.securityEvents(limit: 50).contains { $0.kind == .passwordChanged })
        }
    }

    @Test("12 wrong current passwords at once: at most the login limit are checked, the rest are 429")
    func parallelGuesses() async throws {
        let harness = try await Self.harness(AbuseLimits(loginFailuresPerAccount: 3, loginFailuresPerAddress: 100))
        try await harness.run { browser in
            try await Self.signIn(browser)
            let csrf = try #require(try await browser.get("/account").hidden("csrf"))
            let pages = try await withThrowingTaskGroup(of: Browser.Page.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        try await browser.post("/account/password", form: [
                            ("csrf", csrf), ("current", "guess-\(index)"), ("password", "brand-new-pass"),
                            ("repeat", "brand-new-pass")])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let checked = pages.filter { $0.status == .badRequest }.count
            #expect(checked <= 3, "\(checked) guesses were checked")
            #expect(pages.filter { $0.status == .tooManyRequests }.count == 12 - checked)
            #expect(pages.filter { $0.status == .tooManyRequests }.allSatisfy { $0.headers[.retryAfter] != nil })
            // The right password is refused too while the lock lasts: nothing was changed.
            let locked = try await browser.post("/account/password", form: [
                ("csrf", csrf), ("current", Self.password), ("password", "brand-new-pass"), ("repeat", "brand-new-pass")])
            #expect(locked.status == .tooManyRequests)
        }
    }

    @Test("TOTP: a QR code drawn on the server, a wrong code keeps the secret, the right one turns it on; removal needs a recent sign-in")
    func totp() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            try await Self.signIn(browser)
            let page = try await browser.get("/account/totp")
            #expect(page.status == .ok)
            #expect(page.body.contains("<svg"), "the QR code, inline")
            // Shown for typing as apps take it: base32 of the key's 32 bytes.
            let shown = try #require(Self.secret(in: page.body))
            let key = try #require(Base32.decode(shown))
            #expect(key.count == 32)
            #expect(page.body.contains("secret=" + shown.replacingOccurrences(of: " ", with: "")), "the QR code's URI has the same key")
            let secret = String(decoding: key, as: UTF8.self)
            let proposal = try #require(page.hidden("proposal"))
            let csrf = try #require(page.hidden("csrf"))

            let wrong = try await browser.post("/account/totp", form: [("csrf", csrf), ("proposal", proposal), ("totp", "000000")])
            #expect(wrong.status == .badRequest)
            #expect(Self.secret(in: wrong.body) == shown, "the same secret")
            let alice = try #require(try await harness.storage.user(login: "alice"))
            #expect(!alice.hasTOTP, "nothing saved before the right code")

            // A proposal for another user, or a forged one, is refused.
            let forged = try await browser.post("/account/totp", form: [
                ("csrf", csrf), ("proposal", "AAAA" + proposal.dropFirst(4)), ("totp", harness.totp(secret))])
            #expect(forged.status == .badRequest)

            let right = try await browser.post("/account/totp", form: [
                ("csrf", csrf), ("proposal", proposal), ("totp", harness.totp(secret))])
            #expect(right.location == "/account?done=totp_enabled#second-factor")
            #expect(try #require(try await harness.storage.user(login: "alice")).hasTOTP)

            // Eleven minutes later, removal asks for a fresh sign-in, which needs the code.
            harness.clock.advance(seconds: 660)
            let stale = try await Self.submit(browser, "/account/totp/remove", [])
            #expect(stale.location == "/account/sign-in-again?return=%2Faccount")
            #expect(try #require(try await harness.storage.user(login: "alice")).hasTOTP)
            let again = try await browser.get("/account/sign-in-again?return=/account")
            let loginURL = try #require(again.location)
            #expect(loginURL.hasPrefix("/login?"))
            harness.clock.advance(seconds: 30)
            try await Self.submitLogin(browser, at: loginURL, login: "alice", password: Self.password,
                                       totp: { harness.totp(secret) })
            let removed = try await Self.submit(browser, "/account/totp/remove", [])
            #expect(removed.location == "/account?done=totp_removed#second-factor")
            #expect(!(try #require(try await harness.storage.user(login: "alice")).hasTOTP))
            let kinds = try await harness.storage.securityEvents(limit: 100).map(\.kind)
            #expect(kinds.contains(.totpEnrolled) && kinds.contains(.totpDisabled))
        }
    }

    @Test("unlinking an upstream account needs a recent sign-in and never removes the last way in")
    func unlink() async throws {
        let harness = try await Self.harness()
        let alice = try #require(try await harness.storage.user(login: "alice"))
        try await harness.storage.link(provider: "yandex", subject: "y-1", userID: alice.id, creating: nil, at: harness.clock.now())
        try await harness.storage.link(provider: "google", subject: "g-1", userID: alice.id, creating: nil, at: harness.clock.now())
        try await harness.run { browser in
            let page = try await Self.signIn(browser)
            #expect(page.body.contains("data-provider=\"yandex\""))
            let done = try await Self.submit(browser, "/account/links/unlink", [("provider", "yandex"), ("subject", "y-1")])
            #expect(done.location == "/account?done=unlinked#links")
            #expect(try await harness.storage.links(userID: alice.id).map(\.provider) == ["google"])

            // Without a password (and with no passkey) the last link stays.
            var passwordless = try #require(try await harness.storage.user(id: alice.id))
            passwordless.passwordHash = nil
            try await harness.storage.update(passwordless)
            let refused = try await Self.submit(browser, "/account/links/unlink", [("provider", "google"), ("subject", "g-1")])
            #expect(refused.status == .conflict)
            #expect(try await harness.storage.links(userID: alice.id).count == 1)

            harness.clock.advance(seconds: 660)
            let stale = try await Self.submit(browser, "/account/links/unlink", [("provider", "google"), ("subject", "g-1")])
            #expect(stale.location?.hasPrefix("/account/sign-in-again") == true)
            #expect(try await harness.storage.securityEvents(limit: 50).contains { $0.kind == .federationUnlinked })
        }
    }

    @Test("sign-in-again returns only to the account's own pages")
    func signInAgainTargets() async throws {
        let harness = try await Self.harness()
        try await harness.run { browser in
            try await Self.signIn(browser)
            for target in ["https://evil.example/", "//evil.example", "/authorize"] {
                let start = try await browser.get("/account/sign-in-again?return=" + RedirectURL.percentEncode(target))
                let done = try await Self.submitLogin(browser, at: try #require(start.location), login: "alice",
                                                      password: Self.password)
                #expect(done.status == .ok)
                #expect(done.body.contains("id=\"sessions\""), "back at /account, not \(target)")
            }
        }
    }

    /// The secret shown as text on the enrolment page.
    static func secret(in body: String) -> String? {
        guard let start = body.range(of: "<code id=\"totp-secret\">"),
            let end = body.range(of: "</code>", range: start.upperBound..<body.endIndex)
        else { return nil }
        return String(body[start.upperBound..<end.lowerBound])
    }
}
