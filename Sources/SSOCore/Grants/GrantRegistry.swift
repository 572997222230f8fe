/// Thrown at start-up when two modules claim the same `grant_type`.
public struct DuplicateGrantTypeError: Error, Sendable, CustomStringConvertible {
    public var grantType: GrantType
    public var description: String { "Two grant modules are registered for grant_type '\(grantType)'." }
}

/// The grants the token endpoint dispatches to, by `grant_type`. Filled once by the
/// composition root; a duplicate is a start-up error, never a silent overwrite.
public struct GrantRegistry: Sendable {
    private let grants: [GrantType: any Grant]

    public init(_ grants: [any Grant]) throws {
        var byType: [GrantType: any Grant] = [:]
        for grant in grants {
            guard byType[grant.grantType] == nil else { throw DuplicateGrantTypeError(grantType: grant.grantType) }
            byType[grant.grantType] = grant
        }
        self.grants = byType
    }

    public func grant(for grantType: GrantType) -> (any Grant)? { grants[grantType] }
    /// For discovery's `grant_types_supported`.
    public var grantTypes: [GrantType] { grants.keys.sorted() }
}
