import Crypto
import Foundation

/// The token issuer every grant goes through: a JWT access token (RFC 9068), an opaque refresh
/// token stored as a digest, and an ID token when `openid` was granted to a user.
public struct DefaultTokenIssuer: TokenIssuer {
    let issuer: String
    let signer: any TokenSigner
    let refreshTokens: any RefreshTokenStore
    let references: any ReferenceTokenStore
    let users: any UserStore
    let events: any SecurityEventRecorder
    let clock: any SSOClock
    let random: any SecureRandom
    let lifetimes: Lifetimes
    let refreshGrantType: GrantType?
    /// The levels the `acr` claim is named from.
    let levels: AssuranceLevels

    /// `refreshGrantType` is the grant type that redeems the refresh tokens this issuer mints (the
    /// refresh module's): a client gets refresh tokens only when it is registered for it, and
    /// none are minted when it is `nil` (a server without that module).
    public init(
        issuer: String, signer: any TokenSigner, refreshTokens: any RefreshTokenStore,
        references: any ReferenceTokenStore, users: any UserStore, events: any SecurityEventRecorder,
        clock: any SSOClock, random: any SecureRandom, lifetimes: Lifetimes, refreshGrantType: GrantType?,
        levels: AssuranceLevels = .standard
    ) {
        self.levels = levels
        self.issuer = issuer
        self.signer = signer
        self.refreshTokens = refreshTokens
        self.references = references
        self.users = users
        self.events = events
        self.clock = clock
        self.random = random
        self.lifetimes = lifetimes
        self.refreshGrantType = refreshGrantType
    }

    public func issue(_ grant: AuthorizedGrant, for client: Client) async throws -> TokenResponse {
        let now = clock.now()
        let refresh = newRefreshToken(grant, client: client, now: now)
        let iat = Int(now.timeIntervalSince1970)
        let subject = grant.userID ?? client.id
        let lifetime = client.accessTokenTTL ?? lifetimes.accessToken
        let user = try await grant.userID.asyncMap { try await users.user(id: $0) } ?? nil
        let accessClaims = AccessTokenClaims(
            iss: issuer, sub: subject, aud: grant.audience ?? issuer, exp: iat + lifetime, iat: iat,
            jti: random.token(byteCount: 16), clientID: client.id, scope: grant.scopes.description,
            authTime: grant.authTime.map { Int($0.timeIntervalSince1970) }, sid: grant.sessionID,
            grantID: grant.grantID, roles: user.flatMap { $0.roles.isEmpty ? nil : $0.roles },
            acr: acr(of: grant), amr: grant.methods.isEmpty ? nil : grant.methods
        )
        let accessToken = try await mintAccessToken(accessClaims, grant: grant, client: client, now: now)
        let idToken = try await mintIDToken(grant, user: user, client: client, accessToken: accessToken, iat: iat,
                                            lifetime: lifetime)
        let response = TokenResponse(
            accessToken: accessToken, expiresIn: lifetime, refreshToken: refresh?.token,
            scope: grant.scopes.description, idToken: idToken
        )
        // The refresh token is stored last, in the one transaction that also ends the token it
        // replaces (with the answer kept for a repeat, when the grant asked for that): when that
        // rotation loses a race, nothing of this answer was handed out.
        if let refresh {
            if let presented = grant.replacesRefreshToken {
                let replay = try presented.keepAnswerUntil.map { until in
                    SealedReplay(sealed: try RefreshReplay.seal(response, under: presented.value), until: until)
                }
                guard try await refreshTokens.rotate(oldDigest: presented.digest, to: refresh.record, at: now,
                                                     replay: replay)
                else { throw RefreshTokenRotationLost() }
            } else {
                try await refreshTokens.insert(refresh.record)
            }
        }
        await events.record(
            SecurityEvent(kind: .tokenIssued, at: now, userID: grant.userID, clientID: client.id, detail: grant.grantID)
        )
        return response
    }

    /// A JWT, or for clients registered with reference tokens an opaque value stored as a digest.
    private func mintAccessToken(_ claims: AccessTokenClaims, grant: AuthorizedGrant, client: Client, now: Date)
        async throws -> String
    {
        guard client.accessTokenFormat == .reference else { return try await signer.signAccessToken(claims) }
        let token = random.token()
        let lifetime = claims.exp - claims.iat
        try await references.insert(ReferenceToken(
            digest: SecretDigest.sha256(token), grantID: grant.grantID, clientID: client.id, userID: grant.userID,
            scopes: grant.scopes, authTime: grant.authTime, sessionID: grant.sessionID, createdAt: now,
            expiresAt: now.addingTimeInterval(TimeInterval(lifetime)),
            absoluteExpiresAt: client.slidingMaxTTL.map { now.addingTimeInterval(TimeInterval($0)) },
            slidingTTL: client.slidingMaxTTL == nil ? nil : lifetime, audience: grant.audience))
        return token
    }

    /// The refresh token this answer carries, if any: its value and its record, not yet stored.
    private func newRefreshToken(_ grant: AuthorizedGrant, client: Client, now: Date)
        -> (token: String, record: RefreshTokenRecord)?
    {
        guard grant.issueRefreshToken, let refreshGrantType, client.allowsGrant(refreshGrantType),
            let grantID = grant.grantID, let userID = grant.userID
        else { return nil }
        let token = random.token()
        let record = RefreshTokenRecord(
            digest: SecretDigest.sha256(token), grantID: grantID, clientID: client.id, userID: userID,
            scopes: grant.refreshTokenScopes ?? grant.scopes, createdAt: now,
            expiresAt: now.addingTimeInterval(TimeInterval(client.refreshTokenTTL ?? lifetimes.refreshToken))
        )
        return (token, record)
    }

    private func mintIDToken(
        _ grant: AuthorizedGrant, user: User?, client: Client, accessToken: String, iat: Int, lifetime: Int
    ) async throws -> String? {
        guard grant.scopes.contains(StandardScope.openid), let user else { return nil }
        let claims = IDTokenClaims(
            iss: issuer, sub: user.id, aud: client.id, exp: iat + lifetime, iat: iat,
            authTime: grant.authTime.map { Int($0.timeIntervalSince1970) }, nonce: grant.nonce,
            atHash: Self.atHash(accessToken, algorithm: client.idTokenSigningAlgorithm), azp: client.id, sid: grant.sessionID,
            amr: grant.methods.isEmpty ? nil : grant.methods, acr: acr(of: grant), idp: grant.identityProvider, user: UserClaims(user: user, scopes: grant.scopes)
        )
        return try await signer.signIDToken(claims, algorithm: client.idTokenSigningAlgorithm)
    }

    /// The strongest configured level the sign-in's methods reach; `nil` without a user's sign-in.
    private func acr(of grant: AuthorizedGrant) -> String? {
        grant.userID == nil || grant.methods.isEmpty ? nil : levels.highest(satisfiedBy: grant.methods)
    }

    /// `at_hash` (OpenID Connect Core 3.1.3.6): the left half of the hash of the access token,
    /// base64url, with the hash of the ID token's algorithm: SHA-256 for ES256 and RS256,
    /// SHA-512 for EdDSA with Ed25519 (the hash Ed25519 uses; the specification's errata).
    public static func atHash(_ accessToken: String, algorithm: SigningAlgorithm) -> String {
        let digest: [UInt8] = switch algorithm {
        case .es256, .rs256: Array(SHA256.hash(data: Data(accessToken.utf8)))
        case .edDSA: Array(SHA512.hash(data: Data(accessToken.utf8)))
        }
        return Base64URL.encode(digest.prefix(digest.count / 2))
    }
}

extension Optional {
    /// `map` with an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
