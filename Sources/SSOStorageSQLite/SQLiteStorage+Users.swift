import GRDB
import SSOCore

extension SQLiteStorage: UserStore {
    public func user(id: String) async throws -> User? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]).map(Self.user(from:))
        }
    }

    public func user(login: String) async throws -> User? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE login = ?", arguments: [login]).map(Self.user(from:))
        }
    }

    public func insert(_ user: User) async throws {
        do {
            try await pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO users (id, login, password_hash, email, email_verified, name, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [user.id, user.login, user.passwordHash, user.email, user.emailVerified, user.name,
                                Self.time(user.createdAt)]
                )
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw DuplicateLoginError(login: user.login)
        }
    }

    public func update(_ user: User) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE users SET login = ?, password_hash = ?, email = ?, email_verified = ?, name = ? WHERE id = ?",
                arguments: [user.login, user.passwordHash, user.email, user.emailVerified, user.name, user.id]
            )
        }
    }

    static func user(from row: Row) -> User {
        User(
            id: row["id"], login: row["login"], passwordHash: row["password_hash"], email: row["email"],
            emailVerified: row["email_verified"], name: row["name"], createdAt: date(row, "created_at")
        )
    }
}
