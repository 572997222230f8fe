import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import HTTPTypes
import JWTKit
import SSOCore
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

@Suite("Sign-in through upstream providers")
struct FederationTests {
    static let appSecret = "app-secret-0123456789-0123456789"

    static func downstream(upstreamTimeout: Int = 10) async throws -> Harness {
        var harness = try Harness()
        harness.upstreamTimeout = upstreamTimeout
        _ = try await harness.addClient("app", secret: appSecret, skipConsent: true)
        return harness
    }

    @Test("a second instance of our own server as an OpenID Connect upstream: create, then find, the user")
    func ownServerUpstream() async throws {
        let port = freePort()
        var upstream = try Harness()
        upstream.port = port
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
                }
                #expect(subjects[0] == subjects[1])
            }
        }
        #expect(try await downstream.storage.users(email: "bob@example.com").count == 1)
    }
}
