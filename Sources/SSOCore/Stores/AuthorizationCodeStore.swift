import Foundation

/// What `redeem` found.
public enum CodeRedemption: Sendable, Equatable {
    /// The code was unused: it is now consumed and `grant` is stored.
    case redeemed
    /// The code had been exchanged before (or was lost to a concurrent exchange).
    case alreadyConsumed(grantID: String?)
    case notFound
}

/// One-time authorization codes, stored under their digest.
public protocol AuthorizationCodeStore: Sendable {
    func insert(_ code: AuthorizationCode) async throws
    func code(digest: String) async throws -> AuthorizationCode?
    /// In one transaction: if the code is unused, marks it consumed and stores `grant` as the
    /// family its tokens belong to. Two concurrent exchanges of one code cannot both succeed.
    func redeem(digest: String, creating grant: GrantRecord, at: Date) async throws -> CodeRedemption
}
