import Foundation

/// Reference access tokens, stored under their digest.
public protocol ReferenceTokenStore: Sendable {
    func insert(_ token: ReferenceToken) async throws
    func referenceToken(digest: String) async throws -> ReferenceToken?
    /// Moves the expiry of a sliding token forward (never backward).
    func slide(digest: String, to expiresAt: Date) async throws
}
