import Foundation
import GRDB
import SSOCore

extension SQLiteStorage {
    /// Writes many grants, refresh tokens and codes in one transaction: for fixtures (the
    /// benchmark's token pools) and imports, where a transaction per row would take minutes.
    public func bulkInsert(grants: [GrantRecord], refreshTokens: [RefreshTokenRecord], codes: [AuthorizationCode])
        async throws
    {
        try await pool.write { db in
            for grant in grants { try Self.insertGrant(grant, db: db) }
            for token in refreshTokens { try Self.insertRefreshToken(token, db: db) }
            for code in codes { try Self.insertCode(code, db: db) }
        }
    }
}
