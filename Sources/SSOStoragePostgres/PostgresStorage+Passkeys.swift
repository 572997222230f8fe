import Foundation
import PostgresNIO
import SSOCore
import SSOStorageRows

extension PostgresStorage: PasskeyStore {
    public func insertPasskey(_ passkey: Passkey) async throws -> Bool {
        let inserted = try await run("""
            INSERT INTO passkeys (id, user_id, credential_id, public_key, algorithm, sign_count, aaguid, backup_eligible,
                backup_state, transports, name, created_at, last_used_at)
            VALUES (\(passkey.id), \(passkey.userID), \(passkey.credentialID), \(Base64URL.encode(passkey.publicKey)),
                \(passkey.algorithm), \(passkey.signCount), \(passkey.aaguid), \(passkey.backupEligible),
                \(passkey.backupState), \(passkey.transports.joined(separator: " ")), \(passkey.name),
                \(Self.time(passkey.createdAt)), \(Self.time(passkey.lastUsedAt)))
            ON CONFLICT (credential_id) DO NOTHING
            RETURNING 1
            """)
        return inserted == 1
    }

    public func passkeys(userID: String) async throws -> [Passkey] {
        try await rows("SELECT * FROM passkeys WHERE user_id = \(userID) ORDER BY created_at, id").map(RowCodec.passkey)
    }

    public func passkey(credentialID: String) async throws -> Passkey? {
        try await row("SELECT * FROM passkeys WHERE credential_id = \(credentialID)").map(RowCodec.passkey)
    }

    public func recordPasskeyUse(id: String, previousSignCount: Int, signCount: Int, backupState: Bool, at: Date) async throws
        -> Bool
    {
        // Conditional on the counter read before the assertion was verified: of two racing
        // assertions with one counter value, the row lock lets one through.
        try await run("""
            UPDATE passkeys SET sign_count = \(signCount), backup_state = \(backupState), last_used_at = \(Self.time(at))
            WHERE id = \(id) AND sign_count = \(previousSignCount)
            RETURNING 1
            """) == 1
    }

    public func renamePasskey(id: String, userID: String, name: String) async throws -> Bool {
        try await run("UPDATE passkeys SET name = \(name) WHERE id = \(id) AND user_id = \(userID) RETURNING 1") == 1
    }

    public func removePasskey(id: String, userID: String) async throws -> Bool {
        try await run("DELETE FROM passkeys WHERE id = \(id) AND user_id = \(userID) RETURNING 1") == 1
    }

    public func insertPasskeyChallenge(_ challenge: PasskeyChallenge) async throws {
        try await run("""
            INSERT INTO passkey_challenges (digest, purpose, browser_binding, user_id, session_id, interaction_id, expires_at)
            VALUES (\(challenge.digest), \(challenge.purpose.rawValue), \(challenge.browserBinding), \(challenge.userID),
                \(challenge.sessionID), \(challenge.interactionID), \(Self.time(challenge.expiresAt)))
            """)
    }

    public func consumePasskeyChallenge(digest: String) async throws -> PasskeyChallenge? {
        // One statement: of two requests with the same challenge, only one deletes the row.
        try await row("DELETE FROM passkey_challenges WHERE digest = \(digest) RETURNING *").map(RowCodec.passkeyChallenge)
    }
}
