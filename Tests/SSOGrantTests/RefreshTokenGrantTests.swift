import Foundation
import SSOCore
import SSOGrantAuthorizationCode
import SSOGrantRefreshToken
import SSOTesting
import SSOStorageSQLite
import Testing

@Suite("The refresh_token grant and the token issuer")
struct RefreshTokenGrantTests {
    let fixture: GrantFixture
    let grant: RefreshTokenGrant

    init() throws {
        fixture = try GrantFixture()
        grant = RefreshTokenGrant(fixture.context)
    }

    /// A code exchanged through the real grant and issuer: the first refresh token.
    func firstRefreshToken() async throws -> String {
        let code = try await fixture.code()
        let authorized = try await AuthorizationCodeGrant(fixture.context)
            .authorize(fixture.request([("code", code), ("redirect_uri", "https://a/cb")]))
        return try #require(try await fixture.issuer().issue(authorized, for: fixture.client).refreshToken)
    }

    func refresh(_ token: String, scope: String? = nil) async throws -> TokenResponse {
        var pairs = [("refresh_token", token)]
        if let scope { pairs.append(("scope", scope)) }
        let authorized = try await grant.authorize(fixture.request(pairs))
        return try await fixture.issuer().issue(authorized, for: fixture.client)
    }

    @Test("rotation: a new token each time; the old one, presented again, revokes the family")
    func rotation() async throws {
        let first = try await firstRefreshToken()
        let second = try #require(try await refresh(first).refreshToken)
        #expect(second != first)
        await #expect(throws: OAuthError.self) { try await refresh(first) }
        await #expect(throws: OAuthError.self) { try await refresh(second) }
        #expect(fixture.events.kinds().contains(.refreshTokenReused))
    }

    @Test("of concurrent refreshes with one token, exactly one succeeds")
    func concurrentRefresh() async throws {
        let token = try await firstRefreshToken()
        let issuer = try await fixture.issuer()
        let (grant, fixture) = (self.grant, self.fixture)
        let successes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    guard let authorized = try? await grant.authorize(fixture.request([("refresh_token", token)])) else {
                        return false
                    }
                    return (try? await issuer.issue(authorized, for: fixture.client)) != nil
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(successes == 1)
    }

    @Test("scope may narrow, never widen; the new refresh token keeps the original scope")
    func scopes() async throws {
        let first = try await firstRefreshToken()
        await #expect(throws: OAuthError.invalidScope("A refresh cannot add scopes: profile.")) {
            try await refresh(first, scope: "openid profile")
        }
        let narrow = try await refresh(first, scope: "email")
        #expect(narrow.scope == "email")
        #expect(narrow.idToken == nil)
        let wideAgain = try await refresh(try #require(narrow.refreshToken))
        #expect(wideAgain.scope == "openid email")
    }

    @Test("expired, unknown and foreign tokens are invalid_grant")
    func invalid() async throws {
        let token = try await firstRefreshToken()
        await #expect(throws: OAuthError.self) {
            try await grant.authorize(fixture.request([("refresh_token", token)], client: fixture.other))
        }
        await #expect(throws: OAuthError.self) { try await grant.authorize(fixture.request([("refresh_token", "nope")])) }
        fixture.clock.advance(seconds: Double(Lifetimes().refreshToken))
        await #expect(throws: OAuthError.invalidGrant("The refresh token has expired.")) {
            try await grant.authorize(fixture.request([("refresh_token", token)]))
        }
    }
}
