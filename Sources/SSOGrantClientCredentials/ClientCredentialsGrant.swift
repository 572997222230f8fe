import SSOCore

extension GrantType {
    /// RFC 6749 section 4.4.
    public static let clientCredentials = GrantType(rawValue: "client_credentials")
}

/// The `client_credentials` grant (RFC 6749 section 4.4): a confidential client obtains an
/// access token for itself, for scripts and services that act for no user.
///
/// What it may get is the client's registered policy, not the request's wish: scopes within the
/// client's allowed scopes (all of them when `scope` is absent, RFC 6749 section 3.3's
/// "pre-defined default"), the audience the client was registered with. There is no user, so
/// no user scopes (`openid`, `profile`, ...), no ID token and no refresh token (section 4.4.3:
/// the client can always ask again with its credentials).
public struct ClientCredentialsGrant: GrantModule {
    public static let grantType = GrantType.clientCredentials

    /// Scopes that describe a user; a token without one cannot carry them.
    static let userScopes: Set = [
        StandardScope.openid, StandardScope.profile, StandardScope.email, StandardScope.offlineAccess, "phone", "address",
    ]

    public init() {}

    public func authorize(_ request: TokenRequest) async throws -> GrantOutcome {
        let client = request.client
        // Section 4.4: "MUST only be used by confidential clients"; a public client proves nothing.
        guard !client.isPublic else {
            throw OAuthError.unauthorizedClient("Only a confidential client may use client_credentials.")
        }
        let machineScopes = client.allowedScopes.values.filter { !Self.userScopes.contains($0) }
        var scopes = ScopeSet(machineScopes)
        if let text = try request.parameters.value("scope") {
            guard let requested = ScopeSet(parsing: text) else {
                throw OAuthError.invalidScope("The scope parameter contains characters that are not allowed.")
            }
            let userScopes = requested.values.filter(Self.userScopes.contains)
            guard userScopes.isEmpty else {
                throw OAuthError.invalidScope(
                    "client_credentials acts for no user: \(userScopes.joined(separator: " ")) cannot be granted.")
            }
            let outside = requested.subtracting(client.allowedScopes)
            guard outside.isEmpty else {
                throw OAuthError.invalidScope("This client may not request: \(outside.joined(separator: " ")).")
            }
            if !requested.isEmpty { scopes = requested }
        }
        return .issue(AuthorizedGrant(
            grantID: nil, clientID: client.id, userID: nil, scopes: scopes, authTime: nil,
            issueRefreshToken: false, audience: client.audience))
    }
}

extension ClientCredentialsGrant {
    /// The composition root's registration entry; this grant needs nothing from the context.
    public init(_ context: GrantContext) { self.init() }
}
