import Foundation

/// Refresh tokens, stored under their digest.
public protocol RefreshTokenStore: Sendable {
    func insert(_ token: RefreshTokenRecord) async throws
    func refreshToken(digest: String) async throws -> RefreshTokenRecord?
    /// In one transaction: if the token with `oldDigest` has not been rotated, marks it rotated
    /// and inserts `replacement`. Returns `false` (and writes nothing) when it had already been
    /// rotated, so that of two concurrent refreshes exactly one wins.
    func rotate(oldDigest: String, to replacement: RefreshTokenRecord, at: Date) async throws -> Bool
}
