import Foundation
import PostgresNIO
import SSOCore
import SSOStorageRows

extension PostgresStorage: ClientStore {
    public func client(id: String) async throws -> Client? {
        try await row("SELECT * FROM clients WHERE id = \(id)").map(RowCodec.client)
    }

    public func save(_ client: Client) async throws {
        let redirectURIs = try Self.json(client.redirectURIs)
        let postLogoutURIs = try Self.json(client.postLogoutRedirectURIs)
        try await run("""
            INSERT INTO clients (id, name, secret_digest, redirect_uris, scopes, grant_types, auth_method,
                auth_method_pinned, skip_consent, pkce_required, id_token_alg, access_token_ttl, access_token_format,
                sliding_max_ttl, refresh_token_ttl, post_logout_redirect_uris, created_at, backchannel_logout_uri, audience,
                resource_audience, federation_api, default_acr, minimum_acr)
            VALUES (\(client.id), \(client.name), \(client.secretDigest), \(redirectURIs), \(client.allowedScopes.description),
                \(client.grantTypes.joined(separator: " ")), \(client.authMethod.rawValue), \(client.authMethodPinned),
                \(client.skipConsent), \(client.pkceRequired), \(client.idTokenSigningAlgorithm.rawValue),
                \(client.accessTokenTTL), \(client.accessTokenFormat.rawValue), \(client.slidingMaxTTL),
                \(client.refreshTokenTTL), \(postLogoutURIs), \(Self.time(client.createdAt)), \(client.backchannelLogoutURI),
                \(client.audience), \(client.resourceAudience), \(client.federationAPI),
                \(client.defaultACR), \(client.minimumACR))
            ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, secret_digest = EXCLUDED.secret_digest,
                redirect_uris = EXCLUDED.redirect_uris, scopes = EXCLUDED.scopes, grant_types = EXCLUDED.grant_types,
                auth_method = EXCLUDED.auth_method, auth_method_pinned = EXCLUDED.auth_method_pinned,
                skip_consent = EXCLUDED.skip_consent, pkce_required = EXCLUDED.pkce_required,
                id_token_alg = EXCLUDED.id_token_alg, access_token_ttl = EXCLUDED.access_token_ttl,
                access_token_format = EXCLUDED.access_token_format, sliding_max_ttl = EXCLUDED.sliding_max_ttl,
                refresh_token_ttl = EXCLUDED.refresh_token_ttl, post_logout_redirect_uris = EXCLUDED.post_logout_redirect_uris,
                created_at = EXCLUDED.created_at, backchannel_logout_uri = EXCLUDED.backchannel_logout_uri,
                audience = EXCLUDED.audience, resource_audience = EXCLUDED.resource_audience,
                federation_api = EXCLUDED.federation_api, default_acr = EXCLUDED.default_acr,
                minimum_acr = EXCLUDED.minimum_acr
            """)
    }

    public func clients() async throws -> [Client] {
        try await rows("SELECT * FROM clients ORDER BY id").map(RowCodec.client)
    }

    public func removeClient(id: String) async throws -> Bool {
        try await run("DELETE FROM clients WHERE id = \(id) RETURNING 1") > 0
    }

    /// The longest access-token lifetime any client registered, if any registered one.
    public func longestAccessTokenTTL() async throws -> Int? {
        try await row("SELECT MAX(access_token_ttl) AS ttl FROM clients")
            .flatMap { try Columns($0, table: "clients").optionalInt("ttl") }
    }
}

extension PostgresStorage: UserStore {
    public func user(id: String) async throws -> User? {
        try await row("SELECT * FROM users WHERE id = \(id)").map(RowCodec.user)
    }

    public func user(login: String) async throws -> User? {
        try await row("SELECT * FROM users WHERE lower(login) = lower(\(login))").map(RowCodec.user)
    }

    public func users(email: String) async throws -> [User] {
        try await rows("SELECT * FROM users WHERE lower(email) = lower(\(email))").map(RowCodec.user)
    }

    public func insert(_ user: User) async throws {
        do {
            try await run(try Self.insertUser(user))
        } catch let error where Self.isUniqueViolation(error, constraint: "users_login") {
            throw DuplicateLoginError(login: user.login)
        }
    }

    static func insertUser(_ user: User) throws -> PostgresQuery {
        let accounts = try json(user.accounts)
        return try """
            INSERT INTO users (id, login, password_hash, email, email_verified, name, totp_secret_sealed, roles, domestic,
                application_status, accounts, created_at)
            VALUES (\(user.id), \(user.login), \(user.passwordHash), \(user.email), \(user.emailVerified), \(user.name),
                \(user.totpSecretSealed), \(user.roles.joined(separator: " ")), \(user.domestic), \(user.applicationStatus),
                \(accounts), \(time(user.createdAt)))
            """
    }

    public func update(_ user: User) async throws {
        try await run(try Self.updateUser(user))
    }

    static func updateUser(_ user: User) throws -> PostgresQuery {
        let accounts = try json(user.accounts)
        return try """
            UPDATE users SET login = \(user.login), password_hash = \(user.passwordHash), email = \(user.email),
                email_verified = \(user.emailVerified), name = \(user.name), roles = \(user.roles.joined(separator: " ")),
                domestic = \(user.domestic), application_status = \(user.applicationStatus), accounts = \(accounts),
                totp_last_step = CASE WHEN totp_secret_sealed IS NOT DISTINCT FROM \(user.totpSecretSealed)
                    THEN totp_last_step ELSE NULL END,
                totp_secret_sealed = \(user.totpSecretSealed)
            WHERE id = \(user.id)
            """
    }

    /// One transaction per batch: every new user in a single INSERT over the batch as a JSON
    /// array (one round trip, not one per user), then, one by one, those whose login or id was
    /// already there. A taken login or id is a conflict the insert skips (`ON CONFLICT DO
    /// NOTHING`), so a concurrent import on another instance cannot fail it.
    public func importUsers(_ users: [User], updateExisting: Bool) async throws -> [UserImportOutcome] {
        let batch = try Self.json(users.map(ImportRow.init))
        return try await transaction { connection in
            let inserted = try await rows("""
                INSERT INTO users (id, login, password_hash, email, email_verified, name, totp_secret_sealed, roles,
                    domestic, application_status, accounts, created_at)
                SELECT r.id, r.login, r.password_hash, r.email, r.email_verified, r.name,
                    decode(r.totp_secret_sealed, 'base64'), r.roles, r.domestic, r.application_status, r.accounts,
                    r.created_at
                FROM jsonb_to_recordset(\(batch)::jsonb) AS r(id text, login text, password_hash text, email text,
                    email_verified boolean, name text, totp_secret_sealed text, roles text, domestic boolean,
                    application_status text, accounts text, created_at double precision)
                ON CONFLICT DO NOTHING RETURNING id
                """, on: connection)
            var insertedIDs = Set(try inserted.map { try Columns($0, table: "users").string("id") })
            var outcomes: [UserImportOutcome] = []
            outcomes.reserveCapacity(users.count)
            for user in users {
                // An id is inserted once: a second line with the same id in the batch was not.
                if insertedIDs.remove(user.id) != nil { outcomes.append(.inserted); continue }
                guard let existing = try await row(
                    "SELECT id FROM users WHERE lower(login) = lower(\(user.login)) FOR UPDATE", on: connection)
                else { outcomes.append(.idTaken); continue }
                guard updateExisting else { outcomes.append(.skipped); continue }
                var replacement = user
                replacement.id = try Columns(existing, table: "users").string("id")
                try await run(try Self.updateUser(replacement), on: connection)
                outcomes.append(.updated)
            }
            return outcomes
        }
    }

    /// A user as one element of the import's JSON array (`jsonb_to_recordset` reads it).
    private struct ImportRow: Encodable {
        let id, login: String
        let password_hash, email, name, totp_secret_sealed, application_status: String?
        let email_verified: Bool
        let domestic: Bool?
        let roles, accounts: String
        let created_at: Double

        init(_ user: User) throws {
            id = user.id
            login = user.login
            password_hash = user.passwordHash
            email = user.email
            name = user.name
            totp_secret_sealed = user.totpSecretSealed?.base64EncodedString()
            application_status = user.applicationStatus
            email_verified = user.emailVerified
            domestic = user.domestic
            roles = user.roles.joined(separator: " ")
            accounts = try PostgresStorage.json(user.accounts)
            created_at = PostgresStorage.time(user.createdAt)
        }

        func encode(to encoder: any Encoder) throws {
            // Every key present, NULL included: jsonb_to_recordset reads an absent key as NULL too,
            // but explicit nulls keep the row's shape obvious in a statement log.
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(id, forKey: .id)
            try c.encode(login, forKey: .login)
            try c.encode(password_hash, forKey: .password_hash)
            try c.encode(email, forKey: .email)
            try c.encode(email_verified, forKey: .email_verified)
            try c.encode(name, forKey: .name)
            try c.encode(totp_secret_sealed, forKey: .totp_secret_sealed)
            try c.encode(roles, forKey: .roles)
            try c.encode(domestic, forKey: .domestic)
            try c.encode(application_status, forKey: .application_status)
            try c.encode(accounts, forKey: .accounts)
            try c.encode(created_at, forKey: .created_at)
        }

        enum Key: String, CodingKey {
            case id, login, password_hash, email, email_verified, name, totp_secret_sealed, roles, domestic,
                 application_status, accounts, created_at
        }
    }

    public func users(afterID: String?, limit: Int) async throws -> [User] {
        try await rows("SELECT * FROM users WHERE id > \(afterID ?? "") ORDER BY id LIMIT \(limit)")
            .map(RowCodec.user)
    }

    /// A TOTP step is used once, whichever instance checks it.
    public func consumeTOTPStep(userID: String, step: Int64) async throws -> Bool {
        try await run("""
            UPDATE users SET totp_last_step = \(step)
            WHERE id = \(userID) AND (totp_last_step IS NULL OR totp_last_step < \(step)) RETURNING 1
            """) == 1
    }

}

extension PostgresStorage: ConsentStore {
    public func consentedScopes(userID: String, clientID: String) async throws -> ScopeSet {
        let row = try await row("SELECT scopes FROM consents WHERE user_id = \(userID) AND client_id = \(clientID)")
        return try row.map(RowCodec.consentedScopes) ?? ScopeSet([])
    }

    /// Merges in one transaction with the row locked, so consents given at once on two
    /// instances both survive.
    public func recordConsent(userID: String, clientID: String, scopes: ScopeSet, at: Date) async throws {
        try await transaction { connection in
            try await run("""
                INSERT INTO consents (user_id, client_id, scopes, updated_at)
                VALUES (\(userID), \(clientID), '', \(Self.time(at))) ON CONFLICT DO NOTHING
                """, on: connection)
            let existing = try await row("""
                SELECT scopes FROM consents WHERE user_id = \(userID) AND client_id = \(clientID) FOR UPDATE
                """, on: connection)
            let merged = (try existing.map(RowCodec.consentedScopes) ?? ScopeSet([])).union(scopes)
            try await run("""
                UPDATE consents SET scopes = \(merged.description), updated_at = \(Self.time(at))
                WHERE user_id = \(userID) AND client_id = \(clientID)
                """, on: connection)
        }
    }

    public func consents(userID: String) async throws -> [Consent] {
        try await rows("SELECT * FROM consents WHERE user_id = \(userID) ORDER BY updated_at DESC").map(RowCodec.consent)
    }

    public func withdrawConsent(userID: String, clientID: String, at: Date) async throws -> Int {
        let now = Self.time(at)
        return try await transaction { connection in
            try await run("DELETE FROM consents WHERE user_id = \(userID) AND client_id = \(clientID)", on: connection)
            try await run("""
                UPDATE refresh_tokens SET rotated_at = \(now) WHERE rotated_at IS NULL AND grant_id IN
                    (SELECT id FROM grants WHERE user_id = \(userID) AND client_id = \(clientID) AND revoked_at IS NULL)
                """, on: connection)
            return try await run("""
                UPDATE grants SET revoked_at = \(now)
                WHERE user_id = \(userID) AND client_id = \(clientID) AND revoked_at IS NULL RETURNING 1
                """, on: connection)
        }
    }
}

extension PostgresStorage: ScopeStore {
    public func scopeDefinitions() async throws -> [ScopeDefinition] {
        try await rows("SELECT * FROM scopes ORDER BY name").map(RowCodec.scopeDefinition)
    }

    public func save(_ scope: ScopeDefinition) async throws {
        let descriptions = try Self.json(scope.descriptions)
        try await run("""
            INSERT INTO scopes (name, descriptions) VALUES (\(scope.name), \(descriptions))
            ON CONFLICT (name) DO UPDATE SET descriptions = EXCLUDED.descriptions
            """)
    }

    public func removeScope(name: String) async throws -> Bool {
        try await run("DELETE FROM scopes WHERE name = \(name) RETURNING 1") > 0
    }
}

extension PostgresStorage: ProviderStore {
    public func providers() async throws -> [UpstreamProvider] {
        try await rows("SELECT definition FROM providers ORDER BY name").map(RowCodec.provider)
    }

    public func provider(name: String) async throws -> UpstreamProvider? {
        try await row("SELECT definition FROM providers WHERE name = \(name)").map(RowCodec.provider)
    }

    public func save(_ provider: UpstreamProvider) async throws {
        let definition = try Self.json(provider)
        try await run("""
            INSERT INTO providers (name, definition, created_at) VALUES (\(provider.name), \(definition),
                \(Self.time(provider.createdAt)))
            ON CONFLICT (name) DO UPDATE SET definition = EXCLUDED.definition, created_at = EXCLUDED.created_at
            """)
    }

    public func removeProvider(name: String) async throws -> Bool {
        try await run("DELETE FROM providers WHERE name = \(name) RETURNING 1") > 0
    }
}

extension PostgresStorage: FederatedIdentityStore {
    public func linkedUserID(provider: String, subject: String) async throws -> String? {
        try await row("""
            SELECT user_id FROM federated_identities WHERE provider = \(provider) AND subject = \(subject)
            """).map { try Columns($0, table: "federated_identities").string("user_id") }
    }

    public func link(provider: String, subject: String, userID: String, creating newUser: User?, at: Date) async throws {
        do {
            try await transaction { connection in
                if let newUser { try await run(try Self.insertUser(newUser), on: connection) }
                try await run("""
                    INSERT INTO federated_identities (provider, subject, user_id, created_at)
                    VALUES (\(provider), \(subject), \(userID), \(Self.time(at)))
                    """, on: connection)
            }
        } catch let error where Self.isUniqueViolation(error, constraint: "federated_identities_pkey") {
            throw IdentityAlreadyLinkedError(provider: provider, subject: subject)
        } catch let error where newUser != nil && Self.isUniqueViolation(error, constraint: "users_login") {
            throw DuplicateLoginError(login: newUser?.login ?? "")
        }
    }

    public func links(userID: String) async throws -> [FederatedLink] {
        try await rows("SELECT * FROM federated_identities WHERE user_id = \(userID) ORDER BY created_at")
            .map(RowCodec.federatedLink)
    }

    public func unlink(provider: String, subject: String, userID: String) async throws -> Bool {
        try await run("""
            DELETE FROM federated_identities
            WHERE provider = \(provider) AND subject = \(subject) AND user_id = \(userID) RETURNING 1
            """) == 1
    }
}

/// Federation states are stored under the digest of the `state` value, whole, as JSON.
extension PostgresStorage: FederationStateStore {
    public func insert(_ state: FederationState) async throws {
        let text = try Self.json(state)
        try await run("""
            INSERT INTO federation_states (id_digest, state, expires_at)
            VALUES (\(SecretDigest.sha256(state.id)), \(text), \(Self.time(state.expiresAt)))
            """)
    }

    public func federationState(id: String) async throws -> FederationState? {
        try await row("SELECT state FROM federation_states WHERE id_digest = \(SecretDigest.sha256(id))")
            .map(RowCodec.federationState)
    }

    /// Deleted and returned in one statement: a state is consumed once across instances.
    public func consumeFederationState(id: String) async throws -> FederationState? {
        try await row("DELETE FROM federation_states WHERE id_digest = \(SecretDigest.sha256(id)) RETURNING state")
            .map(RowCodec.federationState)
    }
}
