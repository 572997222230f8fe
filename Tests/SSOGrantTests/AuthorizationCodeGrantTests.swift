import Foundation
import SSOCore
import SSOGrantAuthorizationCode
import SSOTesting
import SSOStorageSQLite
import Testing

@Suite("The authorization_code grant")
struct AuthorizationCodeGrantTests {
    let fixture: GrantFixture
    let grant: AuthorizationCodeGrant

    init() throws {
        fixture = try GrantFixture()
        grant = AuthorizationCodeGrant(fixture.context)
    }

    @Test("a valid exchange yields the code's user, scopes, nonce and a new token family")
    func valid() async throws {
        let verifier = fixture.random.token()
        let code = try await fixture.code(challenge: PKCE.challenge(for: verifier))
        let authorized = try await grant.authorize(fixture.request([
            ("code", code), ("redirect_uri", "https://a/cb"), ("code_verifier", verifier)])).authorized
        #expect(authorized.userID == "u1")
        #expect(authorized.scopes == ScopeSet(["openid", "email"]))
        #expect(authorized.nonce == "n")
        #expect(authorized.issueRefreshToken)
        let family = try #require(authorized.grantID)
        #expect(try await fixture.storage.grant(id: family)?.clientID == "app")
    }

    @Test("each binding is checked: client, redirect URI, verifier, expiry")
    func bindings() async throws {
        let verifier = fixture.random.token()
        let code = try await fixture.code(challenge: PKCE.challenge(for: verifier))
        let attempts: [(TokenRequest, String)] = [
            (fixture.request([("code", code), ("redirect_uri", "https://a/cb"), ("code_verifier", verifier)],
                             client: fixture.other), "another client"),
            (fixture.request([("code", code), ("redirect_uri", "https://a/cb/"), ("code_verifier", verifier)]), "redirect"),
            (fixture.request([("code", code), ("code_verifier", verifier)]), "no redirect"),
            (fixture.request([("code", code), ("redirect_uri", "https://a/cb")]), "no verifier"),
            (fixture.request([("code", code), ("redirect_uri", "https://a/cb"), ("code_verifier", fixture.random.token())]),
             "wrong verifier"),
            (fixture.request([("redirect_uri", "https://a/cb")]), "no code"),
        ]
        for (request, label) in attempts {
            await #expect(throws: OAuthError.self, "\(label)") { try await grant.authorize(request) }
        }
        fixture.clock.advance(seconds: 60)
        await #expect(throws: OAuthError.invalidGrant("The authorization code has expired.")) {
            try await grant.authorize(fixture.request([("code", code), ("redirect_uri", "https://a/cb"),
                                                       ("code_verifier", verifier)]))
        }
    }

    @Test("the partner convention's minimal exchange: only a public client with PKCE optional may leave out redirect_uri")
    func minimalCodeExchange() async throws {
        var partner = fixture.client
        partner.secretDigest = nil
        partner.authMethod = .none
        partner.pkceRequired = false
        var confidential = fixture.client
        confidential.pkceRequired = false
        let strictPublic = { var client = partner; client.pkceRequired = true; return client }()
        #expect(partner.allowsMinimalCodeExchange)
        #expect(!confidential.allowsMinimalCodeExchange && !strictPublic.allowsMinimalCodeExchange)

        _ = try await grant.authorize(fixture.request([("code", try await fixture.code())], client: partner)).authorized
        await #expect(throws: OAuthError.invalidGrant("The redirect_uri does not match the authorization request.")) {
            try await grant.authorize(fixture.request([("code", try await fixture.code()), ("redirect_uri", "https://a/x")],
                                                      client: partner))
        }
        for client in [confidential, strictPublic] {
            await #expect(throws: OAuthError.invalidGrant("The redirect_uri does not match the authorization request.")) {
                try await grant.authorize(fixture.request([("code", try await fixture.code())], client: client))
            }
        }
    }

    @Test("a verifier without a challenge is refused; a code without challenge needs none")
    func pkceAbsent() async throws {
        let code = try await fixture.code()
        await #expect(throws: OAuthError.self) {
            try await grant.authorize(fixture.request([("code", code), ("redirect_uri", "https://a/cb"),
                                                       ("code_verifier", fixture.random.token())]))
        }
        _ = try await grant.authorize(fixture.request([("code", code), ("redirect_uri", "https://a/cb")]))
    }

    @Test("the second exchange fails, revokes the first family and records the replay")
    func replay() async throws {
        let code = try await fixture.code()
        let request = fixture.request([("code", code), ("redirect_uri", "https://a/cb")])
        let first = try await grant.authorize(request).authorized
        await #expect(throws: OAuthError.self) { try await grant.authorize(request) }
        #expect(try await fixture.storage.grant(id: first.grantID!)?.revokedAt != nil)
        #expect(fixture.events.kinds().contains(.codeReplayed))
    }

    @Test("of concurrent exchanges of one code, exactly one succeeds")
    func concurrentExchanges() async throws {
        let code = try await fixture.code()
        let request = fixture.request([("code", code), ("redirect_uri", "https://a/cb")])
        let grant = self.grant
        let successes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 { group.addTask { (try? await grant.authorize(request)) != nil } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(successes == 1)
    }
}
