import GRDB
import SSOCore
import SSOStorageRows

extension SQLiteStorage: UserStore {
    public func user(id: String) async throws -> User? {
        try lookup { db in
            try Row.fetchOne(db, cached: "SELECT * FROM users WHERE id = ?", arguments: [id]) { row in
                try Self.decodedUsers.value(id, row, decode: RowCodec.user)
            }
        }
    }

    /// Users are read on every refresh, UserInfo call and introspection of their tokens.
    static let decodedUsers = RowMemo<User>(limit: 8192)

    public func user(login: String) async throws -> User? {
        try lookup { db in
            try Row.fetchOne(db, cached: "SELECT * FROM users WHERE login = ?", arguments: [login], RowCodec.user)
        }
    }

    public func users(email: String) async throws -> [User] {
        try await pool.read { db in
            try Row.fetchAll(db, cached: "SELECT * FROM users WHERE email = ? COLLATE NOCASE", arguments: [email], RowCodec.user)
        }
    }

    public func insert(_ user: User) async throws {
        do {
            try await pool.write { db in try Self.insertUser(user, db: db) }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw DuplicateLoginError(login: user.login)
        }
    }

    static func insertUser(_ user: User, db: Database) throws {
                try db.execute(
                    cached: """
                        INSERT INTO users (id, login, password_hash, email, email_verified, name, totp_secret_sealed,
                            roles, domestic, application_status, accounts, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [user.id, user.login, user.passwordHash, user.email, user.emailVerified, user.name,
                                user.totpSecretSealed, user.roles.joined(separator: " "), user.domestic,
                                user.applicationStatus, try json(user.accounts), time(user.createdAt)]
                )
    }

    public func update(_ user: User) async throws {
        try await pool.write { db in try Self.updateUser(user, db: db) }
    }

    static func updateUser(_ user: User, db: Database) throws {
        try db.execute(
            cached: """
                UPDATE users SET login = ?, password_hash = ?, email = ?, email_verified = ?, name = ?,
                    roles = ?, domestic = ?, application_status = ?, accounts = ?, totp_secret_sealed = ?,
                    totp_last_step = CASE WHEN totp_secret_sealed IS ? THEN totp_last_step ELSE NULL END
                WHERE id = ?
                """,
            arguments: [user.login, user.passwordHash, user.email, user.emailVerified, user.name,
                        user.roles.joined(separator: " "), user.domestic, user.applicationStatus,
                        try json(user.accounts), user.totpSecretSealed, user.totpSecretSealed, user.id]
        )
    }

    /// One write transaction per batch: an import of a million users commits a thousand times,
    /// not a million.
    public func importUsers(_ users: [User], updateExisting: Bool) async throws -> [UserImportOutcome] {
        try await pool.write { db in
            try users.map { user -> UserImportOutcome in
                try db.execute(
                    cached: """
                        INSERT INTO users (id, login, password_hash, email, email_verified, name, totp_secret_sealed,
                            roles, domestic, application_status, accounts, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                        """,
                    arguments: [user.id, user.login, user.passwordHash, user.email, user.emailVerified, user.name,
                                user.totpSecretSealed, user.roles.joined(separator: " "), user.domestic,
                                user.applicationStatus, try Self.json(user.accounts), Self.time(user.createdAt)])
                if db.changesCount == 1 { return .inserted }
                guard let existingID = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT id FROM users WHERE login = ?"), arguments: [user.login])
                else { return .idTaken }
                guard updateExisting else { return .skipped }
                var replacement = user
                replacement.id = existingID
                try Self.updateUser(replacement, db: db)
                return .updated
            }
        }
    }

    public func users(afterID: String?, limit: Int) async throws -> [User] {
        try await pool.read { db in
            try Row.fetchAll(db, cached: "SELECT * FROM users WHERE id > ? ORDER BY id LIMIT ?",
                             arguments: [afterID ?? "", limit], RowCodec.user)
        }
    }

    public func consumeTOTPStep(userID: String, step: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                cached: "UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
                arguments: [step, userID, step])
            return db.changesCount == 1
        }
    }
}
