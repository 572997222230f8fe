import Foundation
import SSOCore

/// The `refresh_token` grant (RFC 6749 section 6) with rotation and reuse detection
/// (RFC 9700 section 4.14.2): every use returns a new refresh token and ends the old one.
/// Presenting an ended token again within the reuse grace window repeats the first answer
/// (several tabs refreshing at once); later, it revokes the whole family, because either the
/// legitimate client or an attacker holds a stolen copy and we cannot tell which.
public struct RefreshTokenGrant: GrantModule {
    public static let grantType = "refresh_token"

    let refreshTokens: any RefreshTokenStore
    let grants: any GrantStore
    let clock: any SSOClock

    public init(refreshTokens: any RefreshTokenStore, grants: any GrantStore, clock: any SSOClock) {
        self.refreshTokens = refreshTokens
        self.grants = grants
        self.clock = clock
    }

    public func authorize(_ request: TokenRequest) async throws -> AuthorizedGrant {
        let value = try request.parameters.required("refresh_token")
        let requestedScope = try request.parameters.value("scope")
        let digest = SecretDigest.sha256(value)
        let now = clock.now()

        guard let token = try await refreshTokens.refreshToken(digest: digest), token.clientID == request.client.id else {
            throw OAuthError.invalidGrant("The refresh token is invalid.")
        }
        // A token ended by revocation (logout, a revoked session, a replayed code) is not a reuse.
        guard let grant = try await grants.grant(id: token.grantID), grant.revokedAt == nil else {
            throw OAuthError.invalidGrant("The refresh token has been revoked.")
        }
        if token.rotatedAt != nil {
            // The issuer decides: the answer kept for the grace window, or the family revoked.
            return AuthorizedGrant(
                grantID: grant.id, clientID: token.clientID, userID: token.userID, scopes: token.scopes,
                authTime: grant.authTime, issueRefreshToken: true,
                replacesRefreshToken: PresentedRefreshToken(value: value, alreadyRotated: true))
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
        return AuthorizedGrant(
            grantID: grant.id, clientID: token.clientID, userID: token.userID, scopes: scopes,
            authTime: grant.authTime, methods: grant.methods, identityProvider: grant.identityProvider,
            sessionID: grant.sessionID, nonce: nil,
            issueRefreshToken: true, replacesRefreshToken: PresentedRefreshToken(value: value),
            refreshTokenScopes: token.scopes
        )
    }
}

extension RefreshTokenGrant {
    /// The composition root's registration entry.
    public init(_ context: GrantContext) {
        self.init(refreshTokens: context.refreshTokens, grants: context.grants, clock: context.clock)
    }
}
