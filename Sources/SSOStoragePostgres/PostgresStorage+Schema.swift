import Logging
import PostgresNIO
import SSOStorageRows

extension PostgresStorage {
    /// The schema, as an append-only list of migrations: never edit a shipped one, add another.
    /// Version 1 is the SQLite store's schema after its migrations v1–v5; later changes are
    /// added to both stores under the same version name.
    static let migrations: [(version: String, statements: [String])] = [
        ("v1", [
            """
            CREATE TABLE clients (
                id text PRIMARY KEY,
                name text NOT NULL,
                secret_digest text,
                redirect_uris text NOT NULL,
                scopes text NOT NULL,
                grant_types text NOT NULL,
                auth_method text NOT NULL,
                auth_method_pinned boolean NOT NULL DEFAULT false,
                skip_consent boolean NOT NULL,
                pkce_required boolean NOT NULL,
                id_token_alg text NOT NULL,
                access_token_ttl bigint,
                access_token_format text NOT NULL DEFAULT 'jwt',
                sliding_max_ttl bigint,
                refresh_token_ttl bigint,
                post_logout_redirect_uris text NOT NULL DEFAULT '[]',
                backchannel_logout_uri text,
                created_at double precision NOT NULL
            )
            """,
            """
            CREATE TABLE users (
                id text PRIMARY KEY,
                login text NOT NULL,
                password_hash text,
                email text,
                email_verified boolean NOT NULL DEFAULT false,
                name text,
                totp_secret_sealed bytea,
                totp_last_step bigint,
                roles text NOT NULL DEFAULT '',
                domestic boolean,
                application_status text,
                accounts text NOT NULL DEFAULT '[]',
                created_at double precision NOT NULL
            )
            """,
            // Logins and e-mail addresses compare without regard to case, as in SQLite's NOCASE.
            "CREATE UNIQUE INDEX users_login ON users (lower(login))",
            "CREATE INDEX users_email ON users (lower(email))",
            """
            CREATE TABLE sessions (
                id text PRIMARY KEY,
                secret_digest text NOT NULL UNIQUE,
                user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                auth_time double precision NOT NULL,
                methods text NOT NULL,
                identity_provider text,
                created_at double precision NOT NULL,
                expires_at double precision NOT NULL,
                absolute_expires_at double precision NOT NULL,
                revoked_at double precision
            )
            """,
            "CREATE INDEX sessions_user ON sessions (user_id)",
            "CREATE INDEX sessions_expiry ON sessions (expires_at)",
            "CREATE INDEX sessions_absolute_expiry ON sessions (absolute_expires_at)",
            """
            CREATE TABLE interactions (
                id_digest text PRIMARY KEY,
                request text NOT NULL,
                browser_binding text NOT NULL,
                created_at double precision NOT NULL,
                expires_at double precision NOT NULL,
                session_id text,
                pending_user_id text,
                return_to text
            )
            """,
            "CREATE INDEX interactions_expiry ON interactions (expires_at)",
            """
            CREATE TABLE grants (
                id text PRIMARY KEY,
                client_id text NOT NULL,
                user_id text NOT NULL,
                session_id text,
                scopes text NOT NULL,
                auth_time double precision NOT NULL,
                methods text NOT NULL,
                identity_provider text,
                created_at double precision NOT NULL,
                revoked_at double precision
            )
            """,
            "CREATE INDEX grants_session ON grants (session_id)",
            "CREATE INDEX grants_created ON grants (created_at)",
            """
            CREATE TABLE authorization_codes (
                digest text PRIMARY KEY,
                client_id text NOT NULL,
                redirect_uri text NOT NULL,
                redirect_uri_sent boolean NOT NULL,
                user_id text NOT NULL,
                session_id text NOT NULL,
                scopes text NOT NULL,
                nonce text,
                code_challenge text,
                auth_time double precision NOT NULL,
                methods text NOT NULL,
                identity_provider text,
                created_at double precision NOT NULL,
                expires_at double precision NOT NULL,
                consumed_at double precision,
                grant_id text
            )
            """,
            "CREATE INDEX authorization_codes_expiry ON authorization_codes (expires_at)",
            """
            CREATE TABLE refresh_tokens (
                digest text PRIMARY KEY,
                grant_id text NOT NULL REFERENCES grants(id) ON DELETE CASCADE,
                client_id text NOT NULL,
                user_id text NOT NULL,
                scopes text NOT NULL,
                created_at double precision NOT NULL,
                expires_at double precision NOT NULL,
                rotated_at double precision,
                replay_sealed bytea,
                replay_until double precision
            )
            """,
            "CREATE INDEX refresh_tokens_grant ON refresh_tokens (grant_id)",
            "CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at)",
            "CREATE INDEX refresh_tokens_replay ON refresh_tokens (replay_until) WHERE replay_until IS NOT NULL",
            """
            CREATE TABLE reference_tokens (
                digest text PRIMARY KEY,
                grant_id text,
                client_id text NOT NULL,
                user_id text,
                scopes text NOT NULL,
                auth_time double precision,
                session_id text,
                created_at double precision NOT NULL,
                expires_at double precision NOT NULL,
                absolute_expires_at double precision,
                sliding_ttl bigint
            )
            """,
            "CREATE INDEX reference_tokens_grant ON reference_tokens (grant_id)",
            "CREATE INDEX reference_tokens_expiry ON reference_tokens (expires_at)",
            "CREATE INDEX reference_tokens_absolute_expiry ON reference_tokens (absolute_expires_at)",
            """
            CREATE TABLE consents (
                user_id text NOT NULL,
                client_id text NOT NULL,
                scopes text NOT NULL,
                updated_at double precision NOT NULL,
                PRIMARY KEY (user_id, client_id)
            )
            """,
            """
            CREATE TABLE signing_keys (
                kid text PRIMARY KEY,
                alg text NOT NULL,
                sealed_private_key bytea NOT NULL,
                public_key_pem text NOT NULL,
                created_at double precision NOT NULL,
                activates_at double precision
            )
            """,
            """
            CREATE TABLE security_events (
                id bigserial PRIMARY KEY,
                kind text NOT NULL,
                at double precision NOT NULL,
                user_id text,
                client_id text,
                detail text
            )
            """,
            "CREATE INDEX security_events_at ON security_events (at)",
            """
            CREATE TABLE providers (
                name text PRIMARY KEY,
                definition text NOT NULL,
                created_at double precision NOT NULL
            )
            """,
            """
            CREATE TABLE federated_identities (
                provider text NOT NULL,
                subject text NOT NULL,
                user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at double precision NOT NULL,
                PRIMARY KEY (provider, subject)
            )
            """,
            """
            CREATE TABLE federation_states (
                id_digest text PRIMARY KEY,
                state text NOT NULL,
                expires_at double precision NOT NULL
            )
            """,
            "CREATE INDEX federation_states_expiry ON federation_states (expires_at)",
            "CREATE TABLE scopes (name text PRIMARY KEY, descriptions text NOT NULL)",
            """
            CREATE TABLE throttles (
                key text PRIMARY KEY,
                count bigint NOT NULL,
                locked_until double precision,
                updated_at double precision NOT NULL
            )
            """,
            "CREATE INDEX throttles_updated ON throttles (updated_at)",
            """
            CREATE TABLE logout_deliveries (
                id text PRIMARY KEY,
                client_id text NOT NULL,
                uri text NOT NULL,
                user_id text NOT NULL,
                session_id text NOT NULL,
                attempts bigint NOT NULL DEFAULT 0,
                next_attempt_at double precision NOT NULL,
                created_at double precision NOT NULL,
                last_error text
            )
            """,
            "CREATE INDEX logout_deliveries_due ON logout_deliveries (next_attempt_at)",
        ]),
        // Machine clients: the audience of their client-credentials tokens.
        ("v2", ["ALTER TABLE clients ADD COLUMN audience text"]),
        // The audience of a machine client's reference tokens, for introspection.
        ("v3", ["ALTER TABLE reference_tokens ADD COLUMN audience text"]),
        // The device authorization grant (RFC 8628): both codes as digests.
        ("v4", [
            """
            CREATE TABLE device_authorizations (
                device_code_digest text PRIMARY KEY,
                user_code_digest text NOT NULL UNIQUE,
                client_id text NOT NULL,
                scopes text NOT NULL,
                status text NOT NULL,
                poll_interval bigint NOT NULL,
                last_polled_at double precision,
                created_at double precision NOT NULL,
                expires_at double precision NOT NULL,
                user_id text,
                session_id text,
                auth_time double precision,
                methods text NOT NULL DEFAULT '',
                identity_provider text,
                grant_id text
            )
            """,
            "CREATE INDEX device_authorizations_expiry ON device_authorizations (expires_at)",
        ]),
        // Servers read the running locks once a second: the few locked rows by index.
        ("v5", ["CREATE INDEX throttles_locked ON throttles (locked_until) WHERE locked_until IS NOT NULL"]),
        // An operator can withdraw a leaked signing key at once (sso keys revoke).
        ("signing-key-revocation", ["ALTER TABLE signing_keys ADD COLUMN revoked_at double precision"]),
        // Resource servers introspect only the tokens of their own audience.
        ("resource-audience", ["ALTER TABLE clients ADD COLUMN resource_audience text"]),
        // The federation JSON API is switched on per client; existing clients start with it off.
        ("federation-api", ["ALTER TABLE clients ADD COLUMN federation_api boolean NOT NULL DEFAULT false"]),
        // A sign-in waiting for its second factor carries the replacement of an outdated password hash.
        ("password-upgrade", ["ALTER TABLE interactions ADD COLUMN pending_password_upgrade text"]),
        // WebAuthn credentials, and the challenges issued for them until their one use.
        ("passkeys", [
            """
            CREATE TABLE passkeys (
                id text PRIMARY KEY,
                user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                credential_id text NOT NULL UNIQUE,
                public_key text NOT NULL,
                algorithm bigint NOT NULL,
                sign_count bigint NOT NULL,
                aaguid text NOT NULL,
                backup_eligible boolean NOT NULL,
                backup_state boolean NOT NULL,
                transports text NOT NULL DEFAULT '',
                name text NOT NULL,
                created_at double precision NOT NULL,
                last_used_at double precision
            )
            """,
            "CREATE INDEX passkeys_user ON passkeys (user_id)",
            """
            CREATE TABLE passkey_challenges (
                digest text PRIMARY KEY,
                purpose text NOT NULL,
                browser_binding text NOT NULL,
                user_id text,
                session_id text,
                interaction_id text,
                expires_at double precision NOT NULL
            )
            """,
            "CREATE INDEX passkey_challenges_expiry ON passkey_challenges (expires_at)",
        ]),
        // A client's default and minimum assurance level (acr); existing clients have neither.
        ("client-assurance", ["ALTER TABLE clients ADD COLUMN default_acr text",
                              "ALTER TABLE clients ADD COLUMN minimum_acr text"]),
        ("session-origin", ["ALTER TABLE sessions ADD COLUMN address text",
                            "ALTER TABLE sessions ADD COLUMN user_agent text",
                            "CREATE INDEX grants_user ON grants (user_id)",
                            "CREATE INDEX federated_identities_user ON federated_identities (user_id)"]),
    ]

    /// Applies the migrations not yet applied, each in the transaction that records it. Several
    /// instances starting at once take turns on an advisory lock, so each migration runs once.
    static func migrate(schema: String?, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            func run(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
                try await connection.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
            }
            // Any fixed number will do; it only has to be the same for every instance. An instance
            // that cannot have the lock within a minute (another is stuck holding it) fails to
            // start with PostgreSQL's reason instead of waiting for ever.
            _ = try await run("SET LOCAL lock_timeout = '60s'")
            _ = try await run("SELECT pg_advisory_xact_lock(7331001)")
            if let schema {
                // `schema` was checked to be a plain identifier (PostgresURL).
                _ = try await run(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"))
            }
            _ = try await run(
                "CREATE TABLE IF NOT EXISTS sso_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
            let applied = Set(try await run("SELECT version FROM sso_migrations").map { try Columns($0, table: "sso_migrations").string("version") })
            for migration in migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    _ = try await run(PostgresQuery(unsafeSQL: statement))
                }
                _ = try await run("INSERT INTO sso_migrations (version) VALUES (\(migration.version))")
            }
        }
    }
}
