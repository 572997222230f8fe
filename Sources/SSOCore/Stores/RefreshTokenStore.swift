import Foundation

/// Refresh tokens, stored under their digest.
public protocol RefreshTokenStore: Sendable {
    func insert(_ token: RefreshTokenRecord) async throws
    func refreshToken(digest: String) async throws -> RefreshTokenRecord?
    /// In one transaction: if the token with `oldDigest` has not been rotated, marks it rotated,
    /// keeps `replay` beside it and inserts `replacement`. Returns `false` (and writes nothing)
    /// when it had already been rotated, so that of two concurrent refreshes exactly one wins.
    func rotate(oldDigest: String, to replacement: RefreshTokenRecord, at: Date, replay: SealedReplay?) async throws
        -> Bool
    /// The sealed answer kept for a rotated token, while its window lasts at `now`.
    func replay(digest: String, at now: Date) async throws -> SealedReplay?
}

/// The answer to a rotation, sealed under the rotated token, kept until `until`.
public struct SealedReplay: Sendable, Equatable {
    public var sealed: Data
    public var until: Date

    public init(sealed: Data, until: Date) {
        self.sealed = sealed
        self.until = until
    }
}
