import Foundation
import GRDB
import SSOCore
import SSOStorageRows

extension SQLiteStorage: PasskeyStore {
    public func insertPasskey(_ passkey: Passkey) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                cached: """
                    INSERT INTO passkeys (id, user_id, credential_id, public_key, algorithm, sign_count, aaguid,
                        backup_eligible, backup_state, transports, name, created_at, last_used_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (credential_id) DO NOTHING
                    """,
                arguments: [
                    passkey.id, passkey.userID, passkey.credentialID, Base64URL.encode(passkey.publicKey), passkey.algorithm,
                    passkey.signCount, passkey.aaguid, passkey.backupEligible, passkey.backupState,
                    passkey.transports.joined(separator: " "), passkey.name, Self.time(passkey.createdAt),
                    Self.time(passkey.lastUsedAt),
                ])
            return db.changesCount == 1
        }
    }

    public func passkeys(userID: String) async throws -> [Passkey] {
        try await pool.read { db in
            try Row.fetchAll(db, cached: "SELECT * FROM passkeys WHERE user_id = ? ORDER BY created_at, id",
                             arguments: [userID], RowCodec.passkey)
        }
    }

    public func passkey(credentialID: String) async throws -> Passkey? {
        try lookup { db in
            try Row.fetchOne(db, cached: "SELECT * FROM passkeys WHERE credential_id = ?", arguments: [credentialID],
                             RowCodec.passkey)
        }
    }

    public func recordPasskeyUse(id: String, previousSignCount: Int, signCount: Int, backupState: Bool, at: Date) async throws
        -> Bool
    {
        try await pool.write { db in
            try db.execute(
                cached: """
                    UPDATE passkeys SET sign_count = ?, backup_state = ?, last_used_at = ?
                    WHERE id = ? AND sign_count = ?
                    """,
                arguments: [signCount, backupState, Self.time(at), id, previousSignCount])
            return db.changesCount == 1
        }
    }

    public func renamePasskey(id: String, userID: String, name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(cached: "UPDATE passkeys SET name = ? WHERE id = ? AND user_id = ?", arguments: [name, id, userID])
            return db.changesCount == 1
        }
    }

    public func removePasskey(id: String, userID: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(cached: "DELETE FROM passkeys WHERE id = ? AND user_id = ?", arguments: [id, userID])
            return db.changesCount == 1
        }
    }

    public func insertPasskeyChallenge(_ challenge: PasskeyChallenge) async throws {
        try await pool.write { db in
            try db.execute(
                cached: """
                    INSERT INTO passkey_challenges (digest, purpose, browser_binding, user_id, session_id, interaction_id,
                        expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [challenge.digest, challenge.purpose.rawValue, challenge.browserBinding, challenge.userID,
                            challenge.sessionID, challenge.interactionID, Self.time(challenge.expiresAt)])
        }
    }

    public func consumePasskeyChallenge(digest: String) async throws -> PasskeyChallenge? {
        // One writer at a time: the read and the delete are one transaction, so a second
        // request with the same challenge finds nothing.
        try await pool.write { db in
            guard let challenge = try Row.fetchOne(
                db, cached: "SELECT * FROM passkey_challenges WHERE digest = ?", arguments: [digest], RowCodec.passkeyChallenge)
            else { return nil }
            try db.execute(cached: "DELETE FROM passkey_challenges WHERE digest = ?", arguments: [digest])
            return challenge
        }
    }
}
