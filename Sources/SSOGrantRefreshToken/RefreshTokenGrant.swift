import Foundation
import SSOCore

extension GrantType {
    /// RFC 6749 section 6.
    public static let refreshToken = GrantType(rawValue: "refresh_token")
}

/// The `refresh_token` grant (RFC 6749 section 6) with rotation and reuse detection
/// (RFC 9700 section 4.14.2): every use returns a new refresh token and ends the old one.
/// Presenting an ended token again within the reuse grace window repeats the first answer
/// (several tabs refreshing at once); later, it revokes the whole family, because either the
/// legitimate client or an attacker holds a stolen copy and we cannot tell which.
///
/// These rules are this grant's: it asks the issuer to keep each answer for the grace window
/// (sealed under the token it answered, see `RefreshReplay`), and decides on a rotated token
/// itself. The issuer only mints the new pair and stores it in the transaction that ends the
/// old token; when another request ended it first, the token endpoint asks this grant again.
public struct RefreshTokenGrant: GrantModule, ClientNamingGrant {
    public static let grantType = GrantType.refreshToken
    /// The request parameter that carries the token (RFC 6749 section 6).
    public static let tokenParameter = "refresh_token"

    let refreshTokens: any RefreshTokenStore
    let grants: any GrantStore
    let events: any SecurityEventRecorder
    let clock: any SSOClock
    /// Seconds a rotated token still gets its first answer again; 0: strict rotation.
    let reuseGrace: Int

    public init(
        refreshTokens: any RefreshTokenStore, grants: any GrantStore, events: any SecurityEventRecorder,
        clock: any SSOClock, reuseGrace: Int
    ) {
        self.refreshTokens = refreshTokens
        self.grants = grants
        self.events = events
        self.clock = clock
        self.reuseGrace = reuseGrace
    }

    public func authorize(_ request: TokenRequest) async throws -> GrantOutcome {
        let value = try request.parameters.required(Self.tokenParameter)
        let requestedScope = try request.parameters.value("scope")
        let presented = PresentedRefreshToken(value: value)
        let now = clock.now()

        guard let token = try await refreshTokens.refreshToken(digest: presented.digest),
            token.clientID == request.client.id
        else { throw invalidCredential }
        // A token ended by revocation (logout, a revoked session, a replayed code) is not a reuse.
        guard let grant = try await grants.grant(id: token.grantID), grant.revokedAt == nil else {
            throw OAuthError.invalidGrant("The refresh token has been revoked.")
        }
        if token.rotatedAt != nil {
            return .replay(try await answerRotated(presented, token: token, now: now))
        }
        guard now < token.expiresAt else { throw OAuthError.invalidGrant("The refresh token has expired.") }

        var scopes = token.scopes
        if let requestedScope {
            guard let requested = ScopeSet(parsing: requestedScope) else {
                throw OAuthError.invalidScope("The scope parameter contains characters that are not allowed.")
            }
            let wider = requested.subtracting(token.scopes)
            guard wider.isEmpty else {
                throw OAuthError.invalidScope("A refresh cannot add scopes: \(wider.joined(separator: " ")).")
            }
            if !requested.isEmpty { scopes = requested }
        }
        var replaced = presented
        replaced.keepAnswerUntil = reuseGrace > 0 ? now.addingTimeInterval(TimeInterval(reuseGrace)) : nil
        return .issue(AuthorizedGrant(
            grantID: grant.id, clientID: token.clientID, userID: token.userID, scopes: scopes,
            authTime: grant.authTime, methods: grant.methods, identityProvider: grant.identityProvider,
            sessionID: grant.sessionID, nonce: nil,
            issueRefreshToken: true, replacesRefreshToken: replaced,
            refreshTokenScopes: token.scopes
        ))
    }

    /// A rotated token presented again: within the grace window, the first answer again, as it
    /// was kept; after it, reuse: the family is revoked (RFC 9700 section 4.14.2), because the
    /// legitimate client or a thief holds a stolen copy.
    private func answerRotated(_ presented: PresentedRefreshToken, token: RefreshTokenRecord, now: Date)
        async throws -> TokenResponse
    {
        if let kept = try await refreshTokens.replay(digest: presented.digest, at: now),
            let answer = RefreshReplay.open(kept.sealed, under: presented.value)
        {
            await events.record(SecurityEvent(
                kind: .refreshTokenRepeated, at: now, userID: token.userID, clientID: token.clientID,
                detail: token.grantID))
            return answer
        }
        try await grants.revokeGrant(id: token.grantID, at: now)
        await events.record(SecurityEvent(
            kind: .refreshTokenReused, at: now, userID: token.userID, clientID: token.clientID, detail: token.grantID))
        throw OAuthError.invalidGrant("The refresh token has already been used; its token family is revoked.")
    }

    /// A refresh token names the client it was issued to (for the broker's old refresh endpoint);
    /// a missing one names none, and is refused as an invalid token there, as it always was.
    public func clientID(presentedIn parameters: RequestParameters) async throws -> String? {
        guard let value = try parameters.value(Self.tokenParameter) else { return nil }
        return try await refreshTokens.refreshToken(digest: SecretDigest.sha256(value))?.clientID
    }

    public var invalidCredential: OAuthError { .invalidGrant("The refresh token is invalid.") }
}

extension RefreshTokenGrant {
    /// The composition root's registration entry.
    public init(_ context: GrantContext) {
        self.init(refreshTokens: context.refreshTokens, grants: context.grants, events: context.events,
                  clock: context.clock, reuseGrace: context.lifetimes.refreshReuseGrace)
    }
}
