import Foundation
import GRDB
import SSOCore
import SSOStorageRows

extension SQLiteStorage: ProviderStore {
    public func providers() async throws -> [UpstreamProvider] {
        try await pool.read { db in
            try Row.fetchAll(db, cached: "SELECT definition FROM providers ORDER BY name", RowCodec.provider)
        }
    }

    public func provider(name: String) async throws -> UpstreamProvider? {
        try lookup { db in
            try Row.fetchOne(db, cached: "SELECT definition FROM providers WHERE name = ?", arguments: [name], RowCodec.provider)
        }
    }

    public func save(_ provider: UpstreamProvider) async throws {
        try await pool.write { db in
            try db.execute(
                cached: "INSERT OR REPLACE INTO providers (name, definition, created_at) VALUES (?, ?, ?)",
                arguments: [provider.name, try Self.json(provider), Self.time(provider.createdAt)])
        }
    }

    public func removeProvider(name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(cached: "DELETE FROM providers WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }
}

extension SQLiteStorage: FederatedIdentityStore {
    public func linkedUserID(provider: String, subject: String) async throws -> String? {
        try lookup { db in
            try String.fetchOne(
                db, sql: "SELECT user_id FROM federated_identities WHERE provider = ? AND subject = ?",
                arguments: [provider, subject])
        }
    }

    public func link(provider: String, subject: String, userID: String, creating newUser: User?, at: Date) async throws {
        do {
            try await pool.write { db in
                if let newUser { try Self.insertUser(newUser, db: db) }
                try db.execute(
                    cached: "INSERT INTO federated_identities (provider, subject, user_id, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [provider, subject, userID, Self.time(at)])
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
                    && error.message?.contains("federated_identities.") == true {
            throw IdentityAlreadyLinkedError(provider: provider, subject: subject)
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            if let newUser, error.message?.contains("users.login") == true { throw DuplicateLoginError(login: newUser.login) }
            throw error
        }
    }

    public func links(userID: String) async throws -> [FederatedLink] {
        try await pool.read { db in
            try Row.fetchAll(db, cached: "SELECT * FROM federated_identities WHERE user_id = ? ORDER BY created_at",
                             arguments: [userID], RowCodec.federatedLink)
        }
    }

    public func unlink(provider: String, subject: String, userID: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                cached: "DELETE FROM federated_identities WHERE provider = ? AND subject = ? AND user_id = ?",
                arguments: [provider, subject, userID])
            return db.changesCount == 1
        }
    }
}

/// Federation states are stored under the digest of the `state` value, whole, as JSON.
extension SQLiteStorage: FederationStateStore {
    public func insert(_ state: FederationState) async throws {
        try await pool.write { db in
            try db.execute(
                cached: "INSERT INTO federation_states (id_digest, state, expires_at) VALUES (?, ?, ?)",
                arguments: [SecretDigest.sha256(state.id), try Self.json(state), Self.time(state.expiresAt)])
        }
    }

    public func federationState(id: String) async throws -> FederationState? {
        try lookup { db in
            try Row.fetchOne(db, cached: "SELECT state FROM federation_states WHERE id_digest = ?",
                             arguments: [SecretDigest.sha256(id)], RowCodec.federationState)
        }
    }

    public func consumeFederationState(id: String) async throws -> FederationState? {
        try await pool.write { db in
            let digest = SecretDigest.sha256(id)
            // An unreadable state throws before the DELETE: the row stays, as it is.
            guard let state = try Row.fetchOne(
                db, cached: "SELECT state FROM federation_states WHERE id_digest = ?", arguments: [digest],
                RowCodec.federationState)
            else { return nil }
            try db.execute(cached: "DELETE FROM federation_states WHERE id_digest = ?", arguments: [digest])
            return state
        }
    }
}
