import Foundation
import SSOCore
import SSOGrantAuthorizationCode
import SSOGrantRefreshToken
import SSOTesting
import SSOStorageSQLite
import Synchronization
import Testing

@Suite("The refresh_token grant, the token endpoint's pipeline and the token issuer")
struct RefreshTokenGrantTests {
    let fixture: GrantFixture
    let grant: RefreshTokenGrant
    /// The same, with strict rotation (no reuse grace window).
    let strict: GrantFixture

    init() throws {
        fixture = try GrantFixture()
        grant = RefreshTokenGrant(fixture.context)
        strict = try GrantFixture(lifetimes: Lifetimes(refreshReuseGrace: 0))
    }

    /// A code exchanged through the token endpoint: the first refresh token.
    func firstRefreshToken(_ fixture: GrantFixture? = nil) async throws -> String {
        let fixture = fixture ?? self.fixture
        let code = try await fixture.code()
        let answer = try await fixture.endpoint().handle(
            fixture.endpointParameters(.authorizationCode, [("code", code), ("redirect_uri", "https://a/cb")]), basic: nil)
        return try #require(answer.refreshToken)
    }

    func refresh(_ token: String, scope: String? = nil, in fixture: GrantFixture? = nil) async throws -> TokenResponse {
        let fixture = fixture ?? self.fixture
        var pairs = [("refresh_token", token)]
        if let scope { pairs.append(("scope", scope)) }
        return try await fixture.endpoint().handle(fixture.endpointParameters(.refreshToken, pairs), basic: nil)
    }

    @Test("strict rotation: a new token each time; the old one, presented again, revokes the family")
    func rotation() async throws {
        let first = try await firstRefreshToken(strict)
        let second = try #require(try await refresh(first, in: strict).refreshToken)
        #expect(second != first)
        await #expect(throws: OAuthError.self) { try await refresh(first, in: strict) }
        await #expect(throws: OAuthError.self) { try await refresh(second, in: strict) }
        #expect(strict.events.kinds().contains(.refreshTokenReused))
    }

    @Test("within the grace window the rotated token gets the same answer again; after it, reuse revokes the family")
    func graceWindow() async throws {
        let first = try await firstRefreshToken()
        let answer = try await refresh(first)
        fixture.clock.advance(seconds: 9)
        #expect(try await refresh(first) == answer)
        #expect(fixture.events.kinds().contains(.refreshTokenRepeated))
        // The repeated pair is the live one: its refresh token rotates as usual.
        let next = try await refresh(try #require(answer.refreshToken))
        fixture.clock.advance(seconds: 2)
        await #expect(throws: OAuthError.invalidGrant(
            "The refresh token has already been used; its token family is revoked.")) { try await refresh(first) }
        #expect(fixture.events.kinds().contains(.refreshTokenReused))
        await #expect(throws: OAuthError.self) { try await refresh(try #require(next.refreshToken)) }
    }

    @Test("the kept answer opens only under the rotated token, and the database holds it sealed")
    func keptAnswerIsSealed() async throws {
        let first = try await firstRefreshToken()
        let answer = try await refresh(first)
        let kept = try #require(try await fixture.storage.replay(digest: SecretDigest.sha256(first),
                                                                 at: fixture.clock.now()))
        #expect(RefreshReplay.open(kept.sealed, under: first) == answer)
        #expect(RefreshReplay.open(kept.sealed, under: try #require(answer.refreshToken)) == nil)
        #expect(!String(decoding: kept.sealed, as: UTF8.self).contains(answer.accessToken))
        fixture.clock.advance(seconds: 10)
        #expect(try await fixture.storage.replay(digest: SecretDigest.sha256(first), at: fixture.clock.now()) == nil)
    }

    @Test("concurrent refreshes with one token: strict, exactly one succeeds; with grace, all get the same answer")
    func concurrentRefresh() async throws {
        for (fixture, expected) in [(strict, 1), (self.fixture, 6)] {
            let token = try await firstRefreshToken(fixture)
            let endpoint = try await fixture.endpoint()
            let parameters = fixture.endpointParameters(.refreshToken, [("refresh_token", token)])
            let answers = await withTaskGroup(of: TokenResponse?.self) { group in
                for _ in 0..<6 {
                    group.addTask { try? await endpoint.handle(parameters, basic: nil) }
                }
                return await group.reduce(into: [TokenResponse]()) { if let answer = $1 { $0.append(answer) } }
            }
            #expect(answers.count == expected)
            #expect(Set(answers.map(\.accessToken)).count == 1)
        }
    }

    @Test("a rotated token within the grace window is the grant's replay outcome, the kept answer; no issuer runs")
    func replayOutcome() async throws {
        let first = try await firstRefreshToken()
        let answer = try await refresh(first)
        #expect(try await grant.authorize(fixture.request([("refresh_token", first)])) == .replay(answer))
        #expect(fixture.events.kinds().filter { $0 == .tokenIssued }.count == 2)
    }

    @Test("the issuer mints but never decides a reuse: a rotation that lost the race throws and stores nothing")
    func rotationLost() async throws {
        let first = try await firstRefreshToken()
        let request = fixture.request([("refresh_token", first)])
        let authorized = try await grant.authorize(request).authorized
        let again = try await grant.authorize(request).authorized
        let issuer = try await fixture.issuer()
        let answer = try await issuer.issue(authorized, for: fixture.client)
        await #expect(throws: RefreshTokenRotationLost.self) { try await issuer.issue(again, for: fixture.client) }
        #expect(!fixture.events.kinds().contains(.refreshTokenReused))
        #expect(try await grant.authorize(request) == .replay(answer))
    }

    @Test("a rotation lost to a concurrent request: the endpoint asks the grant again and answers its repeat")
    func lostRaceAtTheEndpoint() async throws {
        let first = try await firstRefreshToken()
        let decidedBeforeTheRace = try await grant.authorize(fixture.request([("refresh_token", first)]))
        let winner = try await refresh(first)
        let late = StaleFirstDecision(first: decidedBeforeTheRace, then: grant)
        let endpoint = TokenEndpoint(
            authenticator: ClientAuthenticator(clients: fixture.storage, events: fixture.events, clock: fixture.clock),
            registry: try GrantRegistry([late]), issuer: try await fixture.issuer())
        #expect(try await endpoint.handle(fixture.endpointParameters(.refreshToken, [("refresh_token", first)]),
                                          basic: nil) == winner)
        #expect(late.calls.withLock { $0 } == 2)
    }

    @Test("a reused token at the token endpoint is an invalid grant of the caller's address, counted like a bad code")
    func reuseCountsAgainstTheAddress() async throws {
        let first = try await firstRefreshToken(strict)
        _ = try await refresh(first, in: strict)
        let endpoint = try await strict.endpoint(limits: AbuseLimits(tokenFailuresPerAddress: 1))
        let address = "192.0.2.9"
        await #expect(throws: OAuthError.invalidGrant(
            "The refresh token has already been used; its token family is revoked.")) {
            try await endpoint.handle(strict.endpointParameters(.refreshToken, [("refresh_token", first)]), basic: nil,
                                      address: address)
        }
        let code = try await strict.code()
        let exchange = strict.endpointParameters(.authorizationCode, [("code", code), ("redirect_uri", "https://a/cb")])
        await #expect(throws: OAuthError.self) {
            do { _ = try await endpoint.handle(exchange, basic: nil, address: address) } catch let error as OAuthError {
                #expect(error.code == .tooManyAttempts)
                throw error
            }
        }
        #expect(try await endpoint.handle(exchange, basic: nil, address: "192.0.2.10").accessToken.isEmpty == false)
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

/// The refresh grant whose first decision was taken before another request rotated the token:
/// the race that the issuer's rotation loses, made certain.
final class StaleFirstDecision: Grant {
    let grantType = GrantType.refreshToken
    let first: GrantOutcome
    let grant: RefreshTokenGrant
    let calls = Mutex(0)

    init(first: GrantOutcome, then grant: RefreshTokenGrant) {
        self.first = first
        self.grant = grant
    }

    func authorize(_ request: TokenRequest) async throws -> GrantOutcome {
        let call = calls.withLock { $0 += 1; return $0 }
        return call == 1 ? first : try await grant.authorize(request)
    }
}
