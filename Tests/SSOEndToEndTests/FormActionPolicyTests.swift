import Foundation
import HTTPTypes
import SSOCore
@testable import SSOHTTP
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

/// Browsers apply a page's `form-action` to the redirect that answers its form: each page whose
/// form may end in a redirect to a relying party names that party's origin, and only that.
@Suite("Pages allow their forms' redirects to the relying party, and nothing else")
struct FormActionPolicyTests {
    static let secret = "app-secret-0123456789-0123456789"

    static func formAction(_ page: Browser.Page) -> String? {
        page.headers[.contentSecurityPolicy]?.split(separator: ";")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("form-action ") }
    }

    @Test("the origin of a redirect URI as a source expression; whatever cannot be spelled exactly gets none")
    func sources() {
        #expect(ContentSecurityPolicy.source(for: "https://rp.example/cb?x=1") == "https://rp.example")
        #expect(ContentSecurityPolicy.source(for: "http://127.0.0.1:50123/callback") == "http://127.0.0.1:50123")
        #expect(ContentSecurityPolicy.source(for: "HTTPS://RP.Example:8443") == "https://rp.example:8443")
        #expect(ContentSecurityPolicy.source(for: "com.example.app:/oauth2redirect") == "com.example.app:")
        for unsafe in ["/device?x", "http://[::1]:8080/cb", "https://a.example;script-src *", "https://u@rp.example/",
                       "https://rp.example:80a/", "https:/rp.example", "http:x", "1abc:/cb", "https://rp example/",
                       "https://rp.example:123456/", "javascript:alert(1)", "data:text/html,x"] {
            #expect(ContentSecurityPolicy.source(for: unsafe) == nil, "\(unsafe)")
        }
        #expect(ContentSecurityPolicy.header(formTargets: ["https://a.example/x", "https://a.example/y", "/local"])
            == "default-src 'self'; frame-ancestors 'none'; form-action 'self' https://a.example; base-uri 'none'")
    }

    @Test("login, second-factor and consent pages name the request's redirect origin; other pages only 'self'")
    func interactionPages() async throws {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        try await harness.addUser("tom", password: "totp-user-77")
        _ = try await harness.enrollTOTP("tom")
        _ = try await harness.addClient("app", secret: Self.secret,
                                        redirectURIs: ["https://app.example/cb", "http://127.0.0.1:41234/cb"])
        try await harness.run { browser in
            let start = try await browser.authorize(client: "app", redirectURI: "http://127.0.0.1:41234/cb")
            let login = try await browser.get(try #require(start.location))
            #expect(Self.formAction(login) == "form-action 'self' http://127.0.0.1:41234")
            let wrong = try await browser.logIn(at: start.location!, login: "alice", password: "nope")
            #expect(Self.formAction(wrong) == "form-action 'self' http://127.0.0.1:41234")
            let consentStep = try await browser.logIn(at: start.location!, login: "alice", password: "wonderland-42")
            let consent = try await browser.get(try #require(consentStep.location))
            #expect(consent.body.contains("decision"))
            #expect(Self.formAction(consent) == "form-action 'self' http://127.0.0.1:41234")

            browser.clearCookies()
            let second = try await browser.authorize(client: "app")
            let totp = try await browser.logIn(at: try #require(second.location), login: "tom", password: "totp-user-77")
            #expect(totp.body.contains("totp"))
            #expect(Self.formAction(totp) == "form-action 'self' https://app.example")

            #expect(Self.formAction(try await browser.get("/")) == "form-action 'self'")
        }
    }

    @Test("the logout question names the validated post-logout origin; an unregistered one is refused")
    func logoutPage() async throws {
        let harness = try Harness()
        try await harness.addUser("alice", password: "wonderland-42")
        var app = try await harness.addClient("app", secret: Self.secret, skipConsent: true)
        app.postLogoutRedirectURIs = ["http://127.0.0.1:41235/bye"]
        try await harness.storage.save(app)
        try await harness.run { browser in
            _ = try await browser.obtainCode(client: "app")
            let question = try await browser.get("/logout?" + Browser.encode([
                ("client_id", "app"), ("post_logout_redirect_uri", "http://127.0.0.1:41235/bye"), ("state", "s")]))
            #expect(question.status == .ok)
            #expect(Self.formAction(question) == "form-action 'self' http://127.0.0.1:41235")
            let refused = try await browser.get("/logout?" + Browser.encode([
                ("client_id", "app"), ("post_logout_redirect_uri", "https://evil.example/"), ("state", "s")]))
            #expect(refused.status == .badRequest)
            #expect(Self.formAction(refused) == "form-action 'self'")
        }
    }
}
