import Foundation

/// Grants (token families). Revoking one ends every refresh token in it and makes access tokens
/// minted under it fail at our resource endpoints.
public protocol GrantStore: Sendable {
    func grant(id: String) async throws -> GrantRecord?
    /// Stores a grant made without a code (a session-based issuance of the legacy endpoints).
    func insertGrant(_ grant: GrantRecord) async throws
    func revokeGrant(id: String, at: Date) async throws
    /// The user's grants that are not revoked, newest first: the applications each session
    /// signed in to, and the user's connected applications.
    func liveGrants(userID: String) async throws -> [GrantRecord]
}

extension GrantStore {
    /// Whether tokens of `grantID` may still be used: the grant exists and is not revoked.
    /// Tokens without a grant have nothing to be revoked through.
    public func isLive(_ grantID: String?) async throws -> Bool {
        guard let grantID else { return true }
        guard let grant = try await grant(id: grantID) else { return false }
        return grant.revokedAt == nil
    }
}
