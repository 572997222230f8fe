import GRDB

extension SQLiteStorage {
    /// The schema, as an append-only list of migrations: never edit a shipped one, add another.
    /// Times are Unix seconds (REAL); lists are space-separated; secrets appear only as digests
    /// or sealed boxes.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE clients (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    secret_digest TEXT,
                    redirect_uris TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    grant_types TEXT NOT NULL,
                    auth_method TEXT NOT NULL,
                    auth_method_pinned INTEGER NOT NULL DEFAULT 0,
                    skip_consent INTEGER NOT NULL,
                    pkce_required INTEGER NOT NULL,
                    id_token_alg TEXT NOT NULL,
                    access_token_ttl INTEGER,
                    access_token_format TEXT NOT NULL DEFAULT 'jwt',
                    sliding_max_ttl INTEGER,
                    refresh_token_ttl INTEGER,
                    post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]',
                    created_at REAL NOT NULL
                );
                CREATE TABLE users (
                    id TEXT PRIMARY KEY NOT NULL,
                    login TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    password_hash TEXT,
                    email TEXT,
                    email_verified INTEGER NOT NULL DEFAULT 0,
                    name TEXT,
                    totp_secret_sealed BLOB,
                    totp_last_step INTEGER,
                    roles TEXT NOT NULL DEFAULT '',
                    domestic INTEGER,
                    application_status TEXT,
                    accounts TEXT NOT NULL DEFAULT '[]',
                    created_at REAL NOT NULL
                );
                CREATE TABLE sessions (
                    id TEXT PRIMARY KEY NOT NULL,
                    secret_digest TEXT NOT NULL UNIQUE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    auth_time REAL NOT NULL,
                    methods TEXT NOT NULL,
                    identity_provider TEXT,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    absolute_expires_at REAL NOT NULL,
                    revoked_at REAL
                );
                CREATE INDEX sessions_user ON sessions(user_id);
                CREATE TABLE interactions (
                    id_digest TEXT PRIMARY KEY NOT NULL,
                    request TEXT NOT NULL,
                    browser_binding TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    session_id TEXT,
                    pending_user_id TEXT,
                    return_to TEXT
                );
                CREATE TABLE grants (
                    id TEXT PRIMARY KEY NOT NULL,
                    client_id TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    session_id TEXT,
                    scopes TEXT NOT NULL,
                    auth_time REAL NOT NULL,
                    methods TEXT NOT NULL,
                    identity_provider TEXT,
                    created_at REAL NOT NULL,
                    revoked_at REAL
                );
                CREATE INDEX grants_session ON grants(session_id);
                CREATE TABLE authorization_codes (
                    digest TEXT PRIMARY KEY NOT NULL,
                    client_id TEXT NOT NULL,
                    redirect_uri TEXT NOT NULL,
                    redirect_uri_sent INTEGER NOT NULL,
                    user_id TEXT NOT NULL,
                    session_id TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    nonce TEXT,
                    code_challenge TEXT,
                    auth_time REAL NOT NULL,
                    methods TEXT NOT NULL,
                    identity_provider TEXT,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    consumed_at REAL,
                    grant_id TEXT
                );
                CREATE TABLE refresh_tokens (
                    digest TEXT PRIMARY KEY NOT NULL,
                    grant_id TEXT NOT NULL REFERENCES grants(id) ON DELETE CASCADE,
                    client_id TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    rotated_at REAL
                );
                CREATE INDEX refresh_tokens_grant ON refresh_tokens(grant_id);
                CREATE TABLE reference_tokens (
                    digest TEXT PRIMARY KEY NOT NULL,
                    grant_id TEXT,
                    client_id TEXT NOT NULL,
                    user_id TEXT,
                    scopes TEXT NOT NULL,
                    auth_time REAL,
                    session_id TEXT,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    absolute_expires_at REAL,
                    sliding_ttl INTEGER
                );
                CREATE INDEX reference_tokens_grant ON reference_tokens(grant_id);
                CREATE TABLE consents (
                    user_id TEXT NOT NULL,
                    client_id TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (user_id, client_id)
                );
                CREATE TABLE signing_keys (
                    kid TEXT PRIMARY KEY NOT NULL,
                    alg TEXT NOT NULL,
                    sealed_private_key BLOB NOT NULL,
                    public_key_pem TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE TABLE security_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL,
                    at REAL NOT NULL,
                    user_id TEXT,
                    client_id TEXT,
                    detail TEXT
                );
                CREATE INDEX security_events_at ON security_events(at);
                CREATE INDEX users_email ON users(email COLLATE NOCASE);
                CREATE TABLE providers (
                    name TEXT PRIMARY KEY NOT NULL,
                    definition TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE TABLE federated_identities (
                    provider TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (provider, subject)
                );
                CREATE TABLE federation_states (
                    id_digest TEXT PRIMARY KEY NOT NULL,
                    state TEXT NOT NULL,
                    expires_at REAL NOT NULL
                );
                CREATE TABLE scopes (
                    name TEXT PRIMARY KEY NOT NULL,
                    descriptions TEXT NOT NULL
                );
                CREATE TABLE throttles (
                    key TEXT PRIMARY KEY NOT NULL,
                    count INTEGER NOT NULL,
                    locked_until REAL,
                    updated_at REAL NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2") { db in
            // The answer to a rotation, kept sealed for the reuse grace window.
            try db.execute(sql: """
                ALTER TABLE refresh_tokens ADD COLUMN replay_sealed BLOB;
                ALTER TABLE refresh_tokens ADD COLUMN replay_until REAL;
                """)
        }
        migrator.registerMigration("v3") { db in
            // Key rotation: a new key is published at once and signs from activates_at.
            try db.execute(sql: "ALTER TABLE signing_keys ADD COLUMN activates_at REAL")
        }
        migrator.registerMigration("v4") { db in
            // Background purge: every expiry it deletes by is indexed, so each batch
            // is a range scan, however large the table.
            try db.execute(sql: """
                CREATE INDEX authorization_codes_expiry ON authorization_codes(expires_at);
                CREATE INDEX interactions_expiry ON interactions(expires_at);
                CREATE INDEX federation_states_expiry ON federation_states(expires_at);
                CREATE INDEX sessions_expiry ON sessions(expires_at);
                CREATE INDEX sessions_absolute_expiry ON sessions(absolute_expires_at);
                CREATE INDEX reference_tokens_expiry ON reference_tokens(expires_at);
                CREATE INDEX reference_tokens_absolute_expiry ON reference_tokens(absolute_expires_at);
                CREATE INDEX refresh_tokens_expiry ON refresh_tokens(expires_at);
                CREATE INDEX refresh_tokens_replay ON refresh_tokens(replay_until) WHERE replay_until IS NOT NULL;
                CREATE INDEX grants_created ON grants(created_at);
                CREATE INDEX throttles_updated ON throttles(updated_at);
                """)
        }
        migrator.registerMigration("v5") { db in
            // Back-channel logout: the client's endpoint, and an outbox of logout
            // notices written in the transaction that ends the session, delivered with retries.
            try db.execute(sql: """
                ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT;
                CREATE TABLE logout_deliveries (
                    id TEXT PRIMARY KEY NOT NULL,
                    client_id TEXT NOT NULL,
                    uri TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    session_id TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL NOT NULL,
                    created_at REAL NOT NULL,
                    last_error TEXT
                );
                CREATE INDEX logout_deliveries_due ON logout_deliveries(next_attempt_at);
                """)
        }
        migrator.registerMigration("v6") { db in
            // Machine clients: the audience of their client-credentials tokens.
            try db.execute(sql: "ALTER TABLE clients ADD COLUMN audience TEXT")
        }
        migrator.registerMigration("v7") { db in
            // The audience of a machine client's reference tokens, for introspection.
            try db.execute(sql: "ALTER TABLE reference_tokens ADD COLUMN audience TEXT")
        }
        migrator.registerMigration("v8") { db in
            // The device authorization grant (RFC 8628): both codes as digests.
            try db.execute(sql: """
                CREATE TABLE device_authorizations (
                    device_code_digest TEXT PRIMARY KEY NOT NULL,
                    user_code_digest TEXT NOT NULL UNIQUE,
                    client_id TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    status TEXT NOT NULL,
                    poll_interval INTEGER NOT NULL,
                    last_polled_at REAL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL,
                    user_id TEXT,
                    session_id TEXT,
                    auth_time REAL,
                    methods TEXT NOT NULL DEFAULT '',
                    identity_provider TEXT,
                    grant_id TEXT
                );
                CREATE INDEX device_authorizations_expiry ON device_authorizations(expires_at);
                """)
        }
        migrator.registerMigration("v9") { db in
            // Servers read the running locks once a second: the few locked rows by index.
            try db.execute(sql: "CREATE INDEX throttles_locked ON throttles(locked_until) WHERE locked_until IS NOT NULL")
        }
        migrator.registerMigration("resource-audience") { db in
            // Resource servers introspect only the tokens of their own audience.
            try db.execute(sql: "ALTER TABLE clients ADD COLUMN resource_audience TEXT")
        }
        migrator.registerMigration("signing-key-revocation") { db in
            // An operator can withdraw a leaked signing key at once (sso keys revoke).
            try db.execute(sql: "ALTER TABLE signing_keys ADD COLUMN revoked_at REAL")
        }
        migrator.registerMigration("federation-api") { db in
            // The federation JSON API is switched on per client; existing clients start with it off.
            try db.execute(sql: "ALTER TABLE clients ADD COLUMN federation_api INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("password-upgrade") { db in
            // A sign-in waiting for its second factor carries the replacement of an outdated password hash.
            try db.execute(sql: "ALTER TABLE interactions ADD COLUMN pending_password_upgrade TEXT")
        }
        migrator.registerMigration("passkeys") { db in
            // WebAuthn credentials, and the challenges issued for them until their one use.
            try db.execute(sql: """
                CREATE TABLE passkeys (
                    id TEXT PRIMARY KEY NOT NULL,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    credential_id TEXT NOT NULL UNIQUE,
                    public_key TEXT NOT NULL,
                    algorithm INTEGER NOT NULL,
                    sign_count INTEGER NOT NULL,
                    aaguid TEXT NOT NULL,
                    backup_eligible INTEGER NOT NULL,
                    backup_state INTEGER NOT NULL,
                    transports TEXT NOT NULL DEFAULT '',
                    name TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    last_used_at REAL
                );
                CREATE INDEX passkeys_user ON passkeys(user_id);
                CREATE TABLE passkey_challenges (
                    digest TEXT PRIMARY KEY NOT NULL,
                    purpose TEXT NOT NULL,
                    browser_binding TEXT NOT NULL,
                    user_id TEXT,
                    session_id TEXT,
                    interaction_id TEXT,
                    expires_at REAL NOT NULL
                );
                CREATE INDEX passkey_challenges_expiry ON passkey_challenges(expires_at);
                """)
        }
        migrator.registerMigration("client-assurance") { db in
            // A client's default and minimum assurance level (acr); existing clients have neither.
            try db.execute(sql: "ALTER TABLE clients ADD COLUMN default_acr TEXT")
            try db.execute(sql: "ALTER TABLE clients ADD COLUMN minimum_acr TEXT")
        }
        migrator.registerMigration("session-origin") { db in
            // Where each session signed in from, for the user's account page; older sessions have none.
            try db.execute(sql: """
                ALTER TABLE sessions ADD COLUMN address TEXT;
                ALTER TABLE sessions ADD COLUMN user_agent TEXT;
                CREATE INDEX grants_user ON grants(user_id);
                CREATE INDEX federated_identities_user ON federated_identities(user_id);
                """)
        }
        return migrator
    }
}
