/// A successful token response (RFC 6749 section 5.1, OpenID Connect Core 3.1.3.3).
public struct TokenResponse: Sendable, Codable, Equatable {
    public var accessToken: String
    public var tokenType: String
    public var expiresIn: Int
    public var refreshToken: String?
    public var scope: String
    public var idToken: String?

    public init(accessToken: String, expiresIn: Int, refreshToken: String?, scope: String, idToken: String?) {
        self.accessToken = accessToken
        self.tokenType = "Bearer"
        self.expiresIn = expiresIn
        self.refreshToken = refreshToken
        self.scope = scope
        self.idToken = idToken
    }

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case refreshToken = "refresh_token"
        case scope
        case idToken = "id_token"
    }

    /// The response body, members by name (as `JSONEncoder` with sorted keys wrote it), written
    /// directly: the token endpoint answers and seals it on every request.
    public var jsonObject: [UInt8] {
        var json = JSONObjectWriter(capacity: 1536)
        json.add("access_token", accessToken)
        json.add("expires_in", expiresIn)
        json.add("id_token", idToken)
        json.add("refresh_token", refreshToken)
        json.add("scope", scope)
        json.add("token_type", tokenType)
        return json.finish()
    }
}
