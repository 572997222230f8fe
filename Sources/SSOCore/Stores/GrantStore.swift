import Foundation

/// Grants (token families). Revoking one ends every refresh token in it and makes access tokens
/// minted under it fail at our resource endpoints.
public protocol GrantStore: Sendable {
    func grant(id: String) async throws -> GrantRecord?
    /// Stores a grant made without a code (a session-based issuance of the legacy endpoints).
    func insertGrant(_ grant: GrantRecord) async throws
    func revokeGrant(id: String, at: Date) async throws
}
