/// A scope an operator registered, with what the consent page says about it in each language.
public struct ScopeDefinition: Sendable, Codable, Equatable {
    public var name: String
    /// Descriptions by language code (`en`, `ru`).
    public var descriptions: [String: String]

    public init(name: String, descriptions: [String: String]) {
        self.name = name
        self.descriptions = descriptions
    }

    /// The scopes the server knows without registration; their descriptions are in the message catalogs.
    public static let builtIn: Set<String> = [
        "openid", "profile", "email", "offline_access", "ordersread", "trades", "personal", "accounts",
    ]
}

/// Registered scopes.
public protocol ScopeStore: Sendable {
    func scopeDefinitions() async throws -> [ScopeDefinition]
    func save(_ scope: ScopeDefinition) async throws
    func removeScope(name: String) async throws -> Bool
}

extension ScopeStore {
    /// The scopes of `set` that are neither built in nor registered.
    public func unknownScopes(in set: ScopeSet) async throws -> [String] {
        let outside = set.values.filter { !ScopeDefinition.builtIn.contains($0) }
        guard !outside.isEmpty else { return [] }
        let registered = Set(try await scopeDefinitions().map(\.name))
        return outside.filter { !registered.contains($0) }
    }
}
