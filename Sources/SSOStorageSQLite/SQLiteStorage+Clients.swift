import GRDB
import SSOCore
import SSOStorageRows

extension SQLiteStorage: ClientStore {
    public func client(id: String) async throws -> Client? {
        try lookup { db in
            try Row.fetchOne(db, cached: "SELECT * FROM clients WHERE id = ?", arguments: [id]) { row in
                try Self.decodedClients.value(id, row, decode: RowCodec.client)
            }
        }
    }

    /// Clients are read on every token and introspection request, and change rarely.
    static let decodedClients = RowMemo<Client>(limit: 1024)

    public func save(_ client: Client) async throws {
        try await pool.write { db in
            try db.execute(
                cached: """
                    INSERT OR REPLACE INTO clients (id, name, secret_digest, redirect_uris, scopes, grant_types,
                        auth_method, auth_method_pinned, skip_consent, pkce_required, id_token_alg, access_token_ttl,
                        access_token_format, sliding_max_ttl, refresh_token_ttl, post_logout_redirect_uris, created_at,
                        backchannel_logout_uri, audience, resource_audience, federation_api, default_acr, minimum_acr)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    client.id, client.name, client.secretDigest, try Self.json(client.redirectURIs),
                    client.allowedScopes.description, client.grantTypes.joined(separator: " "),
                    client.authMethod.rawValue, client.authMethodPinned, client.skipConsent, client.pkceRequired,
                    client.idTokenSigningAlgorithm.rawValue, client.accessTokenTTL, client.accessTokenFormat.rawValue,
                    client.slidingMaxTTL, client.refreshTokenTTL,
                    try Self.json(client.postLogoutRedirectURIs), Self.time(client.createdAt),
                    client.backchannelLogoutURI, client.audience, client.resourceAudience, client.federationAPI,
                    client.defaultACR, client.minimumACR,
                ]
            )
        }
    }

    public func clients() async throws -> [Client] {
        try await pool.read { db in
            try Row.fetchAll(db, cached: "SELECT * FROM clients ORDER BY id", RowCodec.client)
        }
    }

    public func removeClient(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(cached: "DELETE FROM clients WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }
}

extension SQLiteStorage {
    /// The longest access-token lifetime any client registered, if any registered one: how long
    /// a replaced signing key must stay published.
    public func longestAccessTokenTTL() async throws -> Int? {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT MAX(access_token_ttl) FROM clients") }
    }
}
