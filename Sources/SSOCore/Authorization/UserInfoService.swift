import Foundation

/// Answers `/userinfo` (OpenID Connect Core 5.3) for a Bearer access token.
public struct UserInfoService: Sendable {
    let validator: AccessTokenValidator
    let users: any UserStore

    public init(validator: AccessTokenValidator, users: any UserStore) {
        self.validator = validator
        self.users = users
    }

    /// The claims for `token`; `invalid_token` when it is not a live access token of a user,
    /// `insufficient_scope` when it was not granted `openid`.
    public func claims(forAccessToken token: String) async throws -> UserClaims {
        let (user, scopes) = try await user(forAccessToken: token)
        guard scopes.contains(StandardScope.openid) else {
            throw OAuthError(.insufficientScope, "The access token was not granted the openid scope.")
        }
        return UserClaims(user: user, scopes: scopes)
    }

    /// The user of a live access token granted the `accounts` scope: the broker profile at
    /// `/auth` and `/profile`. `insufficient_scope` without it.
    public func profileUser(forAccessToken token: String) async throws -> User {
        let (user, scopes) = try await user(forAccessToken: token)
        guard scopes.contains(StandardScope.accounts) else {
            throw OAuthError(.insufficientScope, "The access token was not granted the accounts scope.")
        }
        return user
    }

    /// The user a live access token was issued for, and its scopes: for resource endpoints.
    public func user(forAccessToken token: String) async throws -> (User, ScopeSet) {
        guard let claims = try await validator.validate(token) else {
            throw OAuthError(.invalidToken, "The access token is invalid, expired or revoked.")
        }
        let scopes = ScopeSet(stored: claims.scope)
        guard let user = try await users.user(id: claims.sub) else {
            throw OAuthError(.invalidToken, "The access token's user no longer exists.")
        }
        return (user, scopes)
    }
}
