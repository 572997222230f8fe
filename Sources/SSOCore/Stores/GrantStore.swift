import Foundation

/// Grants (token families). Revoking one ends every refresh token in it and makes access tokens
/// minted under it fail at our resource endpoints.
public protocol GrantStore: Sendable {
    func grant(id: String) async throws -> GrantRecord?
    func revokeGrant(id: String, at: Date) async throws
}
