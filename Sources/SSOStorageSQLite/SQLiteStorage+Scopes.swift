import GRDB
import SSOCore
import SSOStorageRows

extension SQLiteStorage: ScopeStore {
    public func scopeDefinitions() async throws -> [ScopeDefinition] {
        try lookup { db in
            try Row.fetchAll(db, cached: "SELECT * FROM scopes ORDER BY name", RowCodec.scopeDefinition)
        }
    }

    public func save(_ scope: ScopeDefinition) async throws {
        try await pool.write { db in
            try db.execute(cached: "INSERT OR REPLACE INTO scopes (name, descriptions) VALUES (?, ?)",
                           arguments: [scope.name, try Self.json(scope.descriptions)])
        }
    }

    public func removeScope(name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(cached: "DELETE FROM scopes WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }
}
