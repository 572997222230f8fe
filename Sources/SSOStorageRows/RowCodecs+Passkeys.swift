import Foundation
import SSOCore

extension RowCodec {
    /// A passkey's row; the COSE key is stored base64url, so both schemas hold it as text.
    @inlinable
    public static func passkey(_ row: some StoredRow) throws -> Passkey {
        let row = Columns(row, table: "passkeys")
        guard let publicKey = Base64URL.decode(try row.string("public_key")) else {
            throw StoreRecordUnreadable(table: "passkeys", column: "public_key", problem: "is not base64url")
        }
        return Passkey(
            id: try row.string("id"), userID: try row.string("user_id"), credentialID: try row.string("credential_id"),
            publicKey: Array(publicKey), algorithm: try row.int("algorithm"), signCount: try row.int("sign_count"),
            aaguid: try row.string("aaguid"), backupEligible: try row.bool("backup_eligible"),
            backupState: try row.bool("backup_state"), transports: try row.words("transports"), name: try row.string("name"),
            createdAt: try row.date("created_at"), lastUsedAt: try row.optionalDate("last_used_at"))
    }

    @inlinable
    public static func passkeyChallenge(_ row: some StoredRow) throws -> PasskeyChallenge {
        let row = Columns(row, table: "passkey_challenges")
        return PasskeyChallenge(
            digest: try row.string("digest"), purpose: try row.value(PasskeyChallenge.Purpose.self, "purpose"),
            browserBinding: try row.string("browser_binding"), userID: try row.optionalString("user_id"),
            sessionID: try row.optionalString("session_id"), interactionID: try row.optionalString("interaction_id"),
            expiresAt: try row.date("expires_at"))
    }
}
