import Foundation

/// An RFC 7662 introspection answer. An inactive token gets `{"active": false}` and nothing else,
/// so introspection never tells why a token is not valid.
public struct IntrospectionResponse: Sendable, Encodable, Equatable {
    public var active: Bool
    public var scope: String?
    public var clientID: String?
    public var username: String?
    public var tokenType: String?
    public var exp: Int?
    public var iat: Int?
    public var sub: String?
    public var aud: String?
    public var iss: String?
    public var jti: String?
    /// The sign-in behind an access token (RFC 9470 section 6): its assurance level, methods and time.
    public var acr: String?
    public var amr: [String]?
    public var authTime: Int?

    public static let inactive = IntrospectionResponse(active: false)

    public init(
        active: Bool, scope: String? = nil, clientID: String? = nil, username: String? = nil, tokenType: String? = nil,
        exp: Int? = nil, iat: Int? = nil, sub: String? = nil, aud: String? = nil, iss: String? = nil, jti: String? = nil,
        acr: String? = nil, amr: [String]? = nil, authTime: Int? = nil
    ) {
        self.acr = acr
        self.amr = amr
        self.authTime = authTime
        self.active = active
        self.scope = scope
        self.clientID = clientID
        self.username = username
        self.tokenType = tokenType
        self.exp = exp
        self.iat = iat
        self.sub = sub
        self.aud = aud
        self.iss = iss
        self.jti = jti
    }

    enum CodingKeys: String, CodingKey {
        case active, scope, username, exp, iat, sub, aud, iss, jti, acr, amr
        case authTime = "auth_time"
        case clientID = "client_id"
        case tokenType = "token_type"
    }

    /// The answer's body, members by name as `JSONEncoder` with sorted keys wrote it, written
    /// directly: resource servers introspect on every call they serve.
    public var jsonObject: [UInt8] {
        var json = JSONObjectWriter(capacity: 384)
        json.add("acr", acr)
        json.add("active", active)
        json.add("amr", amr)
        json.add("aud", aud)
        json.add("auth_time", authTime)
        json.add("client_id", clientID)
        json.add("exp", exp)
        json.add("iat", iat)
        json.add("iss", iss)
        json.add("jti", jti)
        json.add("scope", scope)
        json.add("sub", sub)
        json.add("token_type", tokenType)
        json.add("username", username)
        return json.finish()
    }
}

/// Introspection (RFC 7662) and revocation (RFC 7009) of the tokens we issue: JWT access tokens
/// and refresh tokens. Revoking either ends its whole grant, so no token minted under it stays usable.
public struct TokenIntrospection: Sendable {
    let issuer: String
    let validator: AccessTokenValidator
    let refreshTokens: any RefreshTokenStore
    let grants: any GrantStore
    let users: any UserStore
    let events: any SecurityEventRecorder
    let clock: any SSOClock

    public init(
        issuer: String, validator: AccessTokenValidator, refreshTokens: any RefreshTokenStore, grants: any GrantStore, users: any UserStore,
        events: any SecurityEventRecorder, clock: any SSOClock
    ) {
        self.issuer = issuer
        self.validator = validator
        self.refreshTokens = refreshTokens
        self.grants = grants
        self.users = users
        self.events = events
        self.clock = clock
    }

    /// What `token` is, for `client` (RFC 7662 section 4): active only to the client the token
    /// was issued to, or to a resource server registered for the token's audience; to any
    /// other client every token is `{"active": false}`. Looking renews nothing.
    public func introspect(_ token: String, by client: Client) async throws -> IntrospectionResponse {
        if let claims = try await validator.validate(token, renew: false) {
            guard claims.clientID == client.id || (client.resourceAudience != nil && client.resourceAudience == claims.aud)
            else { return .inactive }
            let username = try await users.user(id: claims.sub)?.login
            return IntrospectionResponse(
                active: true, scope: claims.scope, clientID: claims.clientID, username: username, tokenType: "Bearer",
                exp: claims.exp, iat: claims.iat, sub: claims.sub, aud: claims.aud, iss: claims.iss, jti: claims.jti,
                acr: claims.acr, amr: claims.amr, authTime: claims.authTime)
        }
        // A refresh token is for its client alone: no resource server is its audience.
        guard let record = try await liveRefreshToken(token), record.clientID == client.id else { return .inactive }
        return IntrospectionResponse(
            active: true, scope: record.scopes.description, clientID: record.clientID,
            username: try await users.user(id: record.userID)?.login, tokenType: "refresh_token",
            exp: Int(record.expiresAt.timeIntervalSince1970), iat: Int(record.createdAt.timeIntervalSince1970),
            sub: record.userID, iss: issuer)
    }

    /// Revokes `token` when it was issued to `client`; anything else is silently ignored
    /// (RFC 7009 2.2: invalid tokens get the same answer as revoked ones).
    public func revoke(_ token: String, by client: Client) async throws {
        let grantID: String?
        if let claims = try await validator.validate(token, renew: false) {
            grantID = claims.clientID == client.id ? claims.grantID : nil
        } else if let record = try await refreshTokens.refreshToken(digest: SecretDigest.sha256(token)),
            record.clientID == client.id {
            grantID = record.grantID
        } else {
            grantID = nil
        }
        guard let grantID else { return }
        let now = clock.now()
        try await grants.revokeGrant(id: grantID, at: now)
        await events.record(SecurityEvent(kind: .tokenRevoked, at: now, clientID: client.id, detail: grantID))
    }

    private func liveRefreshToken(_ token: String) async throws -> RefreshTokenRecord? {
        guard let record = try await refreshTokens.refreshToken(digest: SecretDigest.sha256(token)),
            record.rotatedAt == nil, clock.now() < record.expiresAt, try await grants.isLive(record.grantID)
        else { return nil }
        return record
    }
}
