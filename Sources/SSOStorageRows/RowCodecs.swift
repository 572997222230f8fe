import Foundation
import SSOCore

/// How each record is read from its row: one decoder per record, used by both stores, so the
/// SQLite and PostgreSQL stores read the same columns the same way and fail the same way. The
/// two schemas hold the same values (times as Unix seconds, lists space-separated, small
/// structures as JSON text); only the drivers differ, behind ``StoredRow``.
///
/// A row that does not make a valid record throws ``StoreRecordUnreadable`` naming the table
/// and the column: never a crash, never a default in place of an unknown value.
public enum RowCodec {
    @inlinable
    public static func client(_ row: some StoredRow) throws -> Client {
        let row = Columns(row, table: "clients")
        return Client(
            id: try row.string("id"), name: try row.string("name"), secretDigest: try row.optionalString("secret_digest"),
            redirectURIs: try row.cachedJSON([String].self, "redirect_uris"), allowedScopes: try row.scopes("scopes"),
            grantTypes: try row.words("grant_types"), authMethod: try row.value(ClientAuthMethod.self, "auth_method"),
            authMethodPinned: try row.bool("auth_method_pinned"), skipConsent: try row.bool("skip_consent"),
            pkceRequired: try row.bool("pkce_required"),
            idTokenSigningAlgorithm: try row.value(SigningAlgorithm.self, "id_token_alg"),
            accessTokenTTL: try row.optionalInt("access_token_ttl"), refreshTokenTTL: try row.optionalInt("refresh_token_ttl"),
            postLogoutRedirectURIs: try row.cachedJSON([String].self, "post_logout_redirect_uris"),
            accessTokenFormat: try row.value(AccessTokenFormat.self, "access_token_format"),
            slidingMaxTTL: try row.optionalInt("sliding_max_ttl"),
            backchannelLogoutURI: try row.optionalString("backchannel_logout_uri"),
            audience: try row.optionalString("audience"), resourceAudience: try row.optionalString("resource_audience"),
            federationAPI: try row.bool("federation_api"), defaultACR: try row.optionalString("default_acr"),
            minimumACR: try row.optionalString("minimum_acr"), createdAt: try row.date("created_at"))
    }

    @inlinable
    public static func user(_ row: some StoredRow) throws -> User {
        let row = Columns(row, table: "users")
        var user = User(
            id: try row.string("id"), login: try row.string("login"), passwordHash: try row.optionalString("password_hash"),
            email: try row.optionalString("email"), emailVerified: try row.bool("email_verified"),
            name: try row.optionalString("name"), totpSecretSealed: try row.optionalData("totp_secret_sealed"),
            createdAt: try row.date("created_at"))
        user.roles = try row.words("roles")
        user.domestic = try row.optionalBool("domestic")
        user.applicationStatus = try row.optionalString("application_status")
        user.accounts = try row.cachedJSON([TradingAccount].self, "accounts")
        return user
    }

    @inlinable
    public static func session(_ row: some StoredRow) throws -> SSOSession {
        let row = Columns(row, table: "sessions")
        return SSOSession(
            id: try row.string("id"), secretDigest: try row.string("secret_digest"), userID: try row.string("user_id"),
            authTime: try row.date("auth_time"), methods: try row.words("methods"),
            identityProvider: try row.optionalString("identity_provider"), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"), absoluteExpiresAt: try row.date("absolute_expires_at"),
            revokedAt: try row.optionalDate("revoked_at"), address: try row.optionalString("address"),
            userAgent: try row.optionalString("user_agent"))
    }

    /// An interaction; its id is not stored (only its digest), so the caller, who looked it up
    /// by id, supplies it.
    @inlinable
    public static func interaction(_ row: some StoredRow, id: String) throws -> Interaction {
        let row = Columns(row, table: "interactions")
        return Interaction(
            id: id, request: try row.json(AuthorizationRequest.self, "request"),
            browserBinding: try row.string("browser_binding"), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"), sessionID: try row.optionalString("session_id"),
            pendingUserID: try row.optionalString("pending_user_id"),
            pendingPasswordUpgrade: try row.optionalJSON(PasswordUpgrade.self, "pending_password_upgrade"),
            returnTo: try row.optionalString("return_to"))
    }

    @inlinable
    public static func grant(_ row: some StoredRow) throws -> GrantRecord {
        let row = Columns(row, table: "grants")
        return GrantRecord(
            id: try row.string("id"), clientID: try row.string("client_id"), userID: try row.string("user_id"),
            sessionID: try row.optionalString("session_id"), scopes: try row.scopes("scopes"),
            authTime: try row.date("auth_time"), methods: try row.words("methods"),
            identityProvider: try row.optionalString("identity_provider"), createdAt: try row.date("created_at"),
            revokedAt: try row.optionalDate("revoked_at"))
    }

    @inlinable
    public static func code(_ row: some StoredRow) throws -> AuthorizationCode {
        let row = Columns(row, table: "authorization_codes")
        return AuthorizationCode(
            digest: try row.string("digest"), clientID: try row.string("client_id"),
            redirectURI: try row.string("redirect_uri"), redirectURIWasSent: try row.bool("redirect_uri_sent"),
            userID: try row.string("user_id"), sessionID: try row.string("session_id"), scopes: try row.scopes("scopes"),
            nonce: try row.optionalString("nonce"), codeChallenge: try row.optionalString("code_challenge"),
            authTime: try row.date("auth_time"), methods: try row.words("methods"),
            identityProvider: try row.optionalString("identity_provider"), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"), consumedAt: try row.optionalDate("consumed_at"),
            grantID: try row.optionalString("grant_id"))
    }

    /// Whether a code was redeemed, and for which grant: what a redemption that lost needs.
    @inlinable
    public static func codeRedemption(_ row: some StoredRow) throws -> (consumed: Bool, grantID: String?) {
        let row = Columns(row, table: "authorization_codes")
        return (try row.optionalDate("consumed_at") != nil, try row.optionalString("grant_id"))
    }

    @inlinable
    public static func refreshToken(_ row: some StoredRow) throws -> RefreshTokenRecord {
        let row = Columns(row, table: "refresh_tokens")
        return RefreshTokenRecord(
            digest: try row.string("digest"), grantID: try row.string("grant_id"), clientID: try row.string("client_id"),
            userID: try row.string("user_id"), scopes: try row.scopes("scopes"), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"), rotatedAt: try row.optionalDate("rotated_at"))
    }

    /// The answer kept for a rotated refresh token (`replay_sealed`, `replay_until`).
    @inlinable
    public static func replay(_ row: some StoredRow) throws -> SealedReplay {
        let row = Columns(row, table: "refresh_tokens")
        return SealedReplay(sealed: try row.data("replay_sealed"), until: try row.date("replay_until"))
    }

    @inlinable
    public static func referenceToken(_ row: some StoredRow) throws -> ReferenceToken {
        let row = Columns(row, table: "reference_tokens")
        return ReferenceToken(
            digest: try row.string("digest"), grantID: try row.optionalString("grant_id"),
            clientID: try row.string("client_id"), userID: try row.optionalString("user_id"),
            scopes: try row.scopes("scopes"), authTime: try row.optionalDate("auth_time"),
            sessionID: try row.optionalString("session_id"), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"), absoluteExpiresAt: try row.optionalDate("absolute_expires_at"),
            slidingTTL: try row.optionalInt("sliding_ttl"), audience: try row.optionalString("audience"))
    }

    /// A signing key, or `nil` for a key of an algorithm this version does not know: one a newer
    /// version sharing the database added is left alone (not misread, and not a failure of
    /// every key this version can use). Any other unreadable column throws.
    @inlinable
    public static func signingKey(_ row: some StoredRow) throws -> SigningKeyRecord? {
        let row = Columns(row, table: "signing_keys")
        guard let algorithm = SigningAlgorithm(rawValue: try row.string("alg")) else { return nil }
        return SigningKeyRecord(
            kid: try row.string("kid"), algorithm: algorithm, sealedPrivateKey: try row.data("sealed_private_key"),
            publicKeyPEM: try row.string("public_key_pem"), createdAt: try row.date("created_at"),
            activatesAt: try row.optionalDate("activates_at"), revokedAt: try row.optionalDate("revoked_at"))
    }

    @inlinable
    public static func deviceAuthorization(_ row: some StoredRow) throws -> DeviceAuthorization {
        let row = Columns(row, table: "device_authorizations")
        return DeviceAuthorization(
            deviceCodeDigest: try row.string("device_code_digest"), userCodeDigest: try row.string("user_code_digest"),
            clientID: try row.string("client_id"), scopes: try row.scopes("scopes"),
            status: try row.value(DeviceAuthorization.Status.self, "status"), interval: try row.int("poll_interval"),
            lastPolledAt: try row.optionalDate("last_polled_at"), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"), userID: try row.optionalString("user_id"),
            sessionID: try row.optionalString("session_id"), authTime: try row.optionalDate("auth_time"),
            methods: try row.words("methods"), identityProvider: try row.optionalString("identity_provider"),
            grantID: try row.optionalString("grant_id"))
    }

    /// A device authorization's status and grant: what a redemption that lost needs.
    @inlinable
    public static func deviceRedemption(_ row: some StoredRow) throws -> (status: DeviceAuthorization.Status, grantID: String?) {
        let row = Columns(row, table: "device_authorizations")
        return (try row.value(DeviceAuthorization.Status.self, "status"), try row.optionalString("grant_id"))
    }

    @inlinable
    public static func securityEvent(_ row: some StoredRow) throws -> SecurityEvent {
        let row = Columns(row, table: "security_events")
        return SecurityEvent(
            kind: SecurityEvent.Kind(rawValue: try row.string("kind")), at: try row.date("at"),
            userID: try row.optionalString("user_id"), clientID: try row.optionalString("client_id"),
            detail: try row.optionalString("detail"))
    }

    /// A throttle's row; `updatedAt` stands in for `updated_at` when the statement (a
    /// reservation's `RETURNING count, locked_until`) wrote it itself.
    @inlinable
    public static func throttle(_ row: some StoredRow, updatedAt: Date? = nil) throws -> ThrottleState {
        let row = Columns(row, table: "throttles")
        return ThrottleState(count: try row.int("count"), lockedUntil: try row.optionalDate("locked_until"),
                             updatedAt: try updatedAt ?? row.date("updated_at"))
    }

    /// A running lock (`key`, `locked_until`).
    @inlinable
    public static func throttleLock(_ row: some StoredRow) throws -> (key: String, until: Date?) {
        let row = Columns(row, table: "throttles")
        return (try row.string("key"), try row.optionalDate("locked_until"))
    }

    @inlinable
    public static func logoutDelivery(_ row: some StoredRow) throws -> LogoutDelivery {
        let row = Columns(row, table: "logout_deliveries")
        return LogoutDelivery(
            id: try row.string("id"), clientID: try row.string("client_id"), uri: try row.string("uri"),
            userID: try row.string("user_id"), sessionID: try row.string("session_id"), attempts: try row.int("attempts"))
    }

    /// A client to tell of a session's end: `client_id`, `uri` and `user_id` of a grant joined
    /// with its client.
    @inlinable
    public static func logoutTarget(_ row: some StoredRow) throws -> (clientID: String, uri: String, userID: String) {
        let row = Columns(row, table: "grants")
        return (try row.string("client_id"), try row.string("uri"), try row.string("user_id"))
    }

    /// The scopes a user consented to for a client.
    @inlinable
    public static func consentedScopes(_ row: some StoredRow) throws -> ScopeSet {
        try Columns(row, table: "consents").scopes("scopes")
    }

    @inlinable
    public static func consent(_ row: some StoredRow) throws -> Consent {
        let row = Columns(row, table: "consents")
        return Consent(clientID: try row.string("client_id"), scopes: try row.scopes("scopes"),
                       updatedAt: try row.date("updated_at"))
    }

    @inlinable
    public static func federatedLink(_ row: some StoredRow) throws -> FederatedLink {
        let row = Columns(row, table: "federated_identities")
        return FederatedLink(provider: try row.string("provider"), subject: try row.string("subject"),
                             linkedAt: try row.date("created_at"))
    }

    @inlinable
    public static func scopeDefinition(_ row: some StoredRow) throws -> ScopeDefinition {
        let row = Columns(row, table: "scopes")
        return ScopeDefinition(name: try row.string("name"), descriptions: try row.json([String: String].self, "descriptions"))
    }

    /// An upstream provider, stored whole as JSON in `definition`.
    @inlinable
    public static func provider(_ row: some StoredRow) throws -> UpstreamProvider {
        try Columns(row, table: "providers").json(UpstreamProvider.self, "definition")
    }

    /// A federation state, stored whole as JSON in `state`.
    @inlinable
    public static func federationState(_ row: some StoredRow) throws -> FederationState {
        try Columns(row, table: "federation_states").json(FederationState.self, "state")
    }
}
