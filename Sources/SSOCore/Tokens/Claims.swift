/// Claims of a JWT access token in the shape of RFC 9068.
public struct AccessTokenClaims: Sendable, Codable, Equatable {
    public var iss: String
    public var sub: String
    public var aud: String
    public var exp: Int
    public var iat: Int
    public var jti: String
    public var clientID: String
    public var scope: String
    public var authTime: Int?
    public var sid: String?
    /// The grant (token family) this token belongs to, so resource endpoints can refuse tokens
    /// of a revoked family.
    public var grantID: String?
    /// The user's authorities (the old endpoints' `authorities`), when the user has any.
    public var roles: [String]?
    /// The assurance level of the sign-in and its methods (RFC 9068 section 2.2.1), so a
    /// resource server can ask for a stronger sign-in (RFC 9470).
    public var acr: String?
    public var amr: [String]?

    public init(
        iss: String, sub: String, aud: String, exp: Int, iat: Int, jti: String, clientID: String, scope: String,
        authTime: Int?, sid: String?, grantID: String?, roles: [String]? = nil, acr: String? = nil, amr: [String]? = nil
    ) {
        self.acr = acr
        self.amr = amr
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.exp = exp
        self.iat = iat
        self.jti = jti
        self.clientID = clientID
        self.scope = scope
        self.authTime = authTime
        self.sid = sid
        self.grantID = grantID
        self.roles = roles
    }

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, jti, scope, sid, roles, acr, amr
        case clientID = "client_id"
        case authTime = "auth_time"
        case grantID = "gid"
    }

    /// The JWT payload: the Codable form's members, by name, without `JSONEncoder`.
    public var jsonObject: [UInt8] {
        var json = JSONObjectWriter()
        json.add("acr", acr)
        json.add("amr", amr)
        json.add("aud", aud)
        json.add("auth_time", authTime)
        json.add("client_id", clientID)
        json.add("exp", exp)
        json.add("gid", grantID)
        json.add("iat", iat)
        json.add("iss", iss)
        json.add("jti", jti)
        json.add("roles", roles)
        json.add("scope", scope)
        json.add("sid", sid)
        json.add("sub", sub)
        return json.finish()
    }
}

/// Claims of an OpenID Connect ID token (Core section 2), with the user's standard claims that
/// the granted scopes allow.
public struct IDTokenClaims: Sendable, Codable, Equatable {
    public var iss: String
    public var sub: String
    public var aud: String
    public var exp: Int
    public var iat: Int
    public var authTime: Int?
    public var nonce: String?
    public var atHash: String?
    public var azp: String?
    public var sid: String?
    public var amr: [String]?
    /// The assurance level the sign-in reached (OpenID Connect Core 2).
    public var acr: String?
    /// The upstream identity provider the user signed in through.
    public var idp: String?
    public var user: UserClaims?

    public init(
        iss: String, sub: String, aud: String, exp: Int, iat: Int, authTime: Int?, nonce: String?, atHash: String?,
        azp: String?, sid: String?, amr: [String]?, acr: String? = nil, idp: String? = nil, user: UserClaims?
    ) {
        self.acr = acr
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.exp = exp
        self.iat = iat
        self.authTime = authTime
        self.nonce = nonce
        self.atHash = atHash
        self.azp = azp
        self.sid = sid
        self.amr = amr
        self.idp = idp
        self.user = user
    }

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, exp, iat, nonce, azp, sid, amr, acr, idp
        case authTime = "auth_time"
        case atHash = "at_hash"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        iss = try c.decode(String.self, forKey: .iss)
        sub = try c.decode(String.self, forKey: .sub)
        aud = try c.decode(String.self, forKey: .aud)
        exp = try c.decode(Int.self, forKey: .exp)
        iat = try c.decode(Int.self, forKey: .iat)
        authTime = try c.decodeIfPresent(Int.self, forKey: .authTime)
        nonce = try c.decodeIfPresent(String.self, forKey: .nonce)
        atHash = try c.decodeIfPresent(String.self, forKey: .atHash)
        azp = try c.decodeIfPresent(String.self, forKey: .azp)
        sid = try c.decodeIfPresent(String.self, forKey: .sid)
        amr = try c.decodeIfPresent([String].self, forKey: .amr)
        acr = try c.decodeIfPresent(String.self, forKey: .acr)
        idp = try c.decodeIfPresent(String.self, forKey: .idp)
        user = try UserClaims(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(iss, forKey: .iss)
        try c.encode(sub, forKey: .sub)
        try c.encode(aud, forKey: .aud)
        try c.encode(exp, forKey: .exp)
        try c.encode(iat, forKey: .iat)
        try c.encodeIfPresent(authTime, forKey: .authTime)
        try c.encodeIfPresent(nonce, forKey: .nonce)
        try c.encodeIfPresent(atHash, forKey: .atHash)
        try c.encodeIfPresent(azp, forKey: .azp)
        try c.encodeIfPresent(sid, forKey: .sid)
        try c.encodeIfPresent(amr, forKey: .amr)
        try c.encodeIfPresent(acr, forKey: .acr)
        try c.encodeIfPresent(idp, forKey: .idp)
        try user?.encode(to: encoder)
    }

    /// The JWT payload: the Codable form's members (the user's claims among them), by name,
    /// without `JSONEncoder`.
    public var jsonObject: [UInt8] {
        var json = JSONObjectWriter()
        json.add("acr", acr)
        json.add("amr", amr)
        json.add("at_hash", atHash)
        json.add("aud", aud)
        json.add("auth_time", authTime)
        json.add("azp", azp)
        json.add("email", user?.email)
        json.add("email_verified", user?.emailVerified)
        json.add("exp", exp)
        json.add("iat", iat)
        json.add("idp", idp)
        json.add("iss", iss)
        json.add("name", user?.name)
        json.add("nonce", nonce)
        json.add("preferred_username", user?.preferredUsername)
        json.add("sid", sid)
        json.add("sub", user?.sub ?? sub)
        return json.finish()
    }
}

/// The OpenID Connect standard claims (Core 5.1) we hold about a user. `sub` is always present;
/// the rest appear only when a granted scope allows them.
public struct UserClaims: Sendable, Codable, Equatable {
    public var sub: String
    public var name: String?
    public var preferredUsername: String?
    public var email: String?
    public var emailVerified: Bool?

    enum CodingKeys: String, CodingKey {
        case sub, name, email
        case preferredUsername = "preferred_username"
        case emailVerified = "email_verified"
    }

    /// The claims `scopes` release about `user` (OpenID Connect Core 5.4).
    public init(user: User, scopes: ScopeSet) {
        self.sub = user.id
        if scopes.contains(StandardScope.profile) {
            self.name = user.name
            self.preferredUsername = user.login
        }
        if scopes.contains(StandardScope.email), let email = user.email {
            self.email = email
            self.emailVerified = user.emailVerified
        }
    }

    /// The UserInfo answer's body, members by name, without `JSONEncoder`.
    public var jsonObject: [UInt8] {
        var json = JSONObjectWriter(capacity: 256)
        json.add("email", email)
        json.add("email_verified", emailVerified)
        json.add("name", name)
        json.add("preferred_username", preferredUsername)
        json.add("sub", sub)
        return json.finish()
    }
}

/// Claims of a logout token (OpenID Connect Back-Channel Logout 1.0 section 2.4): who logged
/// out of which session, for one client. It carries an `events` member and never a `nonce`, so
/// that it cannot be mistaken for an ID token.
public struct LogoutTokenClaims: Sendable, Codable, Equatable {
    public static let event = "http://schemas.openid.net/event/backchannel-logout"

    public var iss: String
    public var sub: String
    public var aud: String
    public var iat: Int
    public var exp: Int
    public var jti: String
    public var sid: String
    public var events: [String: [String: String]]

    public init(iss: String, sub: String, aud: String, iat: Int, exp: Int, jti: String, sid: String) {
        self.iss = iss
        self.sub = sub
        self.aud = aud
        self.iat = iat
        self.exp = exp
        self.jti = jti
        self.sid = sid
        self.events = [Self.event: [:]]
    }

    /// The JWT payload: the Codable form's members, by name, without `JSONEncoder`.
    public var jsonObject: [UInt8] {
        var eventsObject = JSONObjectWriter(capacity: 96)
        for (event, members) in events.sorted(by: { $0.key < $1.key }) {
            var object = JSONObjectWriter(capacity: 32)
            for (key, value) in members.sorted(by: { $0.key < $1.key }) { object.add(key, value) }
            eventsObject.add(event, json: object.finish())
        }
        var json = JSONObjectWriter()
        json.add("aud", aud)
        json.add("events", json: eventsObject.finish())
        json.add("exp", exp)
        json.add("iat", iat)
        json.add("iss", iss)
        json.add("jti", jti)
        json.add("sid", sid)
        json.add("sub", sub)
        return json.finish()
    }
}
