import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import HTTPTypes
import JWTKit
import SSOCore
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing

extension Browser {
    /// Follows a redirect to this server given as an absolute URL of its issuer.
    func follow(_ location: String) async throws -> Page {
        guard let url = URLComponents(string: location) else { throw FlowError("bad location \(location)") }
        return try await get(url.percentEncodedPath + (url.percentEncodedQuery.map { "?" + $0 } ?? ""))
    }
}

/// GET of an absolute URL without following redirects: the step a browser takes at a provider.
func fetchRedirect(_ url: String) async throws -> String {
    var request = HTTPClientRequest(url: url)
    request.method = .GET
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
    let response: HTTPClientResponse
    do {
        response = try await client.execute(request, timeout: .seconds(10))
    } catch {
        try await client.shutdown()
        throw error
    }
    try await client.shutdown()
    guard let location = response.headers.first(name: "Location") else { throw FlowError("no redirect from \(url)") }
    return location
}

/// From `/authorize` to the login page, its provider button, and the provider (which consents
/// at once): the login page and the callback URL the provider sends the browser to.
func startFederatedSignIn(_ browser: Browser, provider: String = "yandex") async throws -> (Browser.Page, String) {
    let start = try await browser.authorize(client: "app")
    let page = try await browser.get(try #require(start.location))
    let interaction = try #require(page.hidden("interaction"))
    let toProvider = try await browser.get("/federation/\(provider)/start?interaction=\(interaction)")
    return (page, try await fetchRedirect(try #require(toProvider.location)))
}

@Suite("Sign-in through upstream providers")
struct FederationTests {
    static let appSecret = "app-secret-0123456789-0123456789"

    static func downstream(upstreamTimeout: Int = 10) async throws -> Harness {
        var harness = try Harness()
        harness.upstreamTimeout = upstreamTimeout
        _ = try await harness.addClient("app", secret: appSecret, skipConsent: true, federationAPI: true)
        return harness
    }

    @Test("a second instance of our own server as an OpenID Connect upstream: create, then find, the user")
    func ownServerUpstream() async throws {
        var upstream = try Harness()
        try upstream.reservePort()
        let port = upstream.port
        upstream.issuer = "http://127.0.0.1:\(port)"
        let upstreamIssuer = upstream.issuer
        try await upstream.addUser("bob", password: "bob-password-1", email: "bob@example.com", name: "Bob")
        _ = try await upstream.addClient("downstream", secret: "downstream-secret-0123456789-0123",
                                         redirectURIs: ["\(Harness.issuer)/federation/corp/callback"], skipConsent: true)
        let downstream = try await Self.downstream()
        let sealer = try await downstream.sealer()
        try await downstream.storage.save(UpstreamProvider(
            name: "corp", displayName: "Corp", shape: .oidc, clientID: "downstream",
            clientSecretSealed: try sealer.seal(Data("downstream-secret-0123456789-0123".utf8)),
            authorizeURL: upstream.issuer + "/authorize", tokenURL: upstream.issuer + "/token",
            userinfoURL: upstream.issuer + "/userinfo", issuer: upstream.issuer, jwksURI: upstream.issuer + "/jwks",
            scopes: ScopeSet(["openid", "profile", "email"]), usesPKCE: true, createdAt: Date()))

        try await upstream.serve {
            try await downstream.run { browser in
                let (upstreamBrowser, closeUpstream) = Browser.connected(host: "127.0.0.1", port: port)
                defer { Task { try? await closeUpstream() } }
                var subjects: [String] = []
                for round in 0..<2 {
                    browser.clearCookies()
                    upstreamBrowser.clearCookies()
                    let pkce = PKCEPair()
                    let start = try await browser.authorize(client: "app", pkce: pkce)
                    let loginPage = try await browser.get(start.location!)
                    #expect(loginPage.body.contains("Sign in with Corp"))
                    let interaction = try #require(loginPage.hidden("interaction"))
                    let toProvider = try await browser.get("/federation/corp/start?interaction=\(interaction)")
                    let providerURL = try #require(toProvider.location)
                    #expect(providerURL.hasPrefix(upstreamIssuer + "/authorize?"))
                    #expect(providerURL.contains("nonce=") && providerURL.contains("code_challenge="))

                    // At the provider: its own login page, then back to our callback.
                    let atProvider = try await upstreamBrowser.follow(providerURL)
                    let back = try await upstreamBrowser.logIn(at: atProvider.location!, login: "bob", password: "bob-password-1")
                    let callback = try #require(back.location)
                    #expect(callback.hasPrefix("\(Harness.issuer)/federation/corp/callback?code="))
                    let done = try await browser.follow(callback)
                    #expect(done.status == .found, "\(done.body)")
                    let code = try #require(done.redirectParameters["code"], "round \(round): \(done.location ?? done.body)")
                    #expect(browser.cookies["sso_session"] != nil)

                    let tokens = try await browser.exchange(code: code, pkce: pkce, client: "app", secret: Self.appSecret)
                    let info = try await browser.get("/userinfo", headers: [.authorization: "Bearer \(tokens.json["access_token"] as? String ?? "")"])
                    #expect(info.json["email"] as? String == "bob@example.com")
                    #expect(info.json["preferred_username"] as? String == "bob@corp")
                    subjects.append(info.json["sub"] as? String ?? "")
                    let idToken = try #require(tokens.json["id_token"] as? String)
                    let claims = try JSONSerialization.jsonObject(with: Base64URL.decode(String(idToken.split(separator: ".")[1]))!) as? [String: Any]
                    #expect(claims?["amr"] as? [String] == ["fed"])
                    #expect(claims?["idp"] as? String == "corp")
                }
                #expect(subjects[0] == subjects[1])
            }
        }
        #expect(try await downstream.storage.users(email: "bob@example.com").count == 1)
    }
}

@Suite("The federation JSON API and upstream failures")
struct FederationAPITests {
    static func setUp(_ fake: FakeProvider, oidc: Bool, timeout: Int = 10) async throws -> Harness {
        let harness = try await FederationTests.downstream(upstreamTimeout: timeout)
        fake.clock = harness.clock
        try await harness.storage.save(try fake.provider(name: oidc ? "fakeid" : "yandex", oidc: oidc,
                                                         sealer: try await harness.sealer()))
        return harness
    }

    static let appBasic = Browser.basic("app", FederationTests.appSecret)

    /// authorize-url (as the authenticated client `app` unless told otherwise), the provider,
    /// our callback: the site's callback URL with code and state.
    static func toSite(
        _ browser: Browser, provider: String, form extra: [(String, String)] = [],
        headers: HTTPFields = [.authorization: appBasic]
    ) async throws -> (state: String, code: String) {
        let start = try await browser.post("/api/v1/oauth/authorize-url/", form: [
            ("provider", provider), ("client_redirect_url", "https://app.example/cb")] + extra, headers: headers)
        #expect(start.status == .ok, "\(start.body)")
        let state = try #require(start.json["state"] as? String)
        let authorizeURL = try #require(start.json["authorize_url"] as? String)
        let callback = try await fetchRedirect(authorizeURL)
        #expect(callback.hasPrefix("\(Harness.issuer)/federation/\(provider)/callback?"))
        let atSite = try await browser.follow(callback)
        #expect(atSite.location?.hasPrefix("https://app.example/cb?") == true)
        #expect(atSite.redirectParameters["state"] == state)
        return (state, try #require(atSite.redirectParameters["code"]))
    }

    /// The second call, as the authenticated client `app` unless told otherwise.
    static func exchange(
        _ browser: Browser, provider: String, state: String, code: String, form extra: [(String, String)] = [],
        headers: HTTPFields = [.authorization: appBasic]
    ) async throws -> Browser.Page {
        try await browser.post("/api/v1/oauth/authorize/", form: [
            ("provider", provider), ("state", state), ("code", code)] + extra, headers: headers)
    }

    @Test("the two calls with a Yandex-like provider: tokens for a new user, then the same user; state is single use")
    func twoCallsWithAYandexLikeProvider() async throws {
        let fake = FakeProvider()
        let harness = try await Self.setUp(fake, oidc: false)
        try await fake.run {
            try await harness.run { browser in
                var subjects: [String] = []
                for _ in 0..<2 {
                    let (state, code) = try await Self.toSite(browser, provider: "yandex")
                    let tokens = try await Self.exchange(browser, provider: "yandex", state: state, code: code)
                    #expect(tokens.status == .ok, "\(tokens.body)")
                    let access = try #require(tokens.json["access_token"] as? String)
                    #expect(access.split(separator: ".").count == 3)
                    #expect(tokens.json["refresh_token"] is String)
                    let info = try await browser.get("/userinfo", headers: [.authorization: "Bearer \(access)"])
                    #expect(info.json["preferred_username"] as? String == "ivan.petrov@yandex")
                    #expect(info.json["name"] as? String == "Ivan Petrov")
                    subjects.append(info.json["sub"] as? String ?? "")

                    let replay = try await Self.exchange(browser, provider: "yandex", state: state, code: code)
                    #expect(replay.status == .badRequest)
                    #expect(replay.json["error"] as? String == "invalid_grant")
                }
                #expect(subjects[0] == subjects[1])

                let foreign = try await Self.exchange(browser, provider: "yandex", state: "made-up", code: "x")
                #expect(foreign.json["error"] as? String == "invalid_grant")
                let unknown = try await browser.post("/api/v1/oauth/authorize-url/", form: [
                    ("provider", "nowhere"), ("client_redirect_url", "https://app.example/cb")],
                    headers: [.authorization: Self.appBasic])
                #expect(unknown.status == .badRequest)
                #expect(unknown.json["error"] as? String == "unknown_provider")
                let openRedirect = try await browser.post("/api/v1/oauth/authorize-url/", form: [
                    ("provider", "yandex"), ("client_redirect_url", "https://evil.example/cb")],
                    headers: [.authorization: Self.appBasic])
                #expect(openRedirect.json["error"] as? String == "invalid_redirect_url")
            }
        }
        #expect(try await harness.storage.users(email: "ivan@yandex.example").count == 1)
    }

    @Test("an upstream e-mail of an existing local account is not linked by the API, offer on or off: interaction_required, nothing created")
    func existingAccountRefused() async throws {
        for offer in [true, false] {
            let fake = FakeProvider()
            let harness = try await Self.setUp(fake, oidc: true)
            var provider = try #require(try await harness.storage.provider(name: "fakeid"))
            provider.offerLinkByEmail = offer
            try await harness.storage.save(provider)
            try await harness.addUser("ivan", password: "local-password-1", email: "IVAN@oidc.example")
            try await fake.run {
                try await harness.run { browser in
                    let (state, code) = try await Self.toSite(browser, provider: "fakeid")
                    let answer = try await Self.exchange(browser, provider: "fakeid", state: state, code: code)
                    #expect(answer.status == .badRequest, "\(answer.body)")
                    #expect(answer.json["error"] as? String == "interaction_required")
                    #expect(answer.json["access_token"] == nil)
                }
            }
            #expect(try await harness.storage.linkedUserID(provider: "fakeid", subject: "oidc-sub-1") == nil)
            #expect(try await harness.storage.users(email: "ivan@oidc.example").count == 1)
        }
    }

    @Test("a wrong nonce, a bad signature, a slow or failing provider: a clear error and no user")
    func upstreamFailures() async throws {
        let cases: [(FakeProvider.Mode, Int, String)] = [
            (.wrongNonce, 502, "nonce"), (.badSignature, 502, "signature"), (.slow, 504, "in time"),
            (.tokenError, 502, "code expired"),
        ]
        for (mode, status, words) in cases {
            let fake = FakeProvider(mode: mode)
            let harness = try await Self.setUp(fake, oidc: true, timeout: 1)
            try await fake.run {
                try await harness.run { browser in
                    let (state, code) = try await Self.toSite(browser, provider: "fakeid")
                    let answer = try await Self.exchange(browser, provider: "fakeid", state: state, code: code)
                    #expect(answer.status.code == status, "\(mode): \(answer.body)")
                    #expect((answer.json["error_description"] as? String)?.contains(words) == true, "\(mode): \(answer.body)")
                }
            }
            #expect(try await harness.storage.users(email: "ivan@oidc.example").isEmpty, "\(mode)")
        }
    }

    @Test("the browser flow refuses a callback whose state is replayed or from another browser")
    func browserStateBinding() async throws {
        let fake = FakeProvider()
        let harness = try await Self.setUp(fake, oidc: false)
        try await fake.run {
            try await harness.run { browser in
                let (page, callback) = try await startFederatedSignIn(browser)
                #expect(page.body.contains("Sign in with Fake yandex"))

                let csrf = browser.cookies["sso_csrf"]
                browser.clearCookies()
                let elsewhere = try await browser.follow(callback)
                #expect(elsewhere.status == .badRequest)
                #expect(elsewhere.location == nil)

                // The right browser completes it once; the same callback again is refused.
                _ = try await browser.get("/")  // (fresh jar)
                browser.setCookie("sso_csrf", csrf ?? "")
                let done = try await browser.follow(callback)
                #expect(done.location?.hasPrefix("https://app.example/cb?code=") == true, "\(done.body)")
                let replay = try await browser.follow(callback)
                #expect(replay.status == .badRequest)
            }
        }
    }
}

@Suite("Upstream failures in the browser")
struct FederationBrowserFailureTests {
    @Test("a failing provider gives the browser an error page, no session and no user")
    func errorPage() async throws {
        let fake = FakeProvider(mode: .tokenError)
        let harness = try await FederationAPITests.setUp(fake, oidc: false)
        try await fake.run {
            try await harness.run { browser in
                let (_, callback) = try await startFederatedSignIn(browser)
                let failed = try await browser.follow(callback)
                #expect(failed.status == .badGateway)
                #expect(failed.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(failed.body.contains("code expired"))
                #expect(failed.location == nil)
                #expect(browser.cookies["sso_session"] == nil)
                let unknown = try await browser.get("/federation/nowhere/start?interaction=x")
                #expect(unknown.status == .notFound)
            }
        }
        #expect(try await harness.storage.users(email: "ivan@yandex.example").isEmpty)
    }
}

@Suite("The VK ID preset's exchange")
struct FederationVKTests {
    @Test("the callback's device_id and the state go back to VK ID; the nested user profile is read")
    func vk() async throws {
        let fake = FakeProvider(mode: .vk)
        let harness = try await FederationAPITests.setUp(fake, oidc: false)
        try await fake.run {
            try await harness.run { browser in
                let (_, callback) = try await startFederatedSignIn(browser)
                let done = try await browser.follow(callback)
                #expect(done.redirectParameters["code"] != nil, "\(done.body)")
            }
        }
        let created = try await harness.storage.user(login: "777@yandex")
        #expect(created?.name == "Vasya Pupkin")
    }
}
