import Foundation

/// SSO sessions of browsers at the authorization site.
public protocol SessionStore: Sendable {
    func insert(_ session: SSOSession) async throws
    /// The session whose cookie secret has this digest, active or not.
    func session(secretDigest: String) async throws -> SSOSession?
    func session(id: String) async throws -> SSOSession?
    /// The same user proved who they are again: the live session `session.id` takes the
    /// cookie digest, `auth_time`, methods, provider and expiries of `session`, keeping its id
    /// (`sid`) and everything issued under it. `false` when that session is no longer live.
    func reauthenticate(_ session: SSOSession) async throws -> Bool
    /// Slides the idle expiry forward.
    func touch(sessionID: String, expiresAt: Date) async throws
    /// Ends the session and, in the same transaction, every grant (and so every refresh token)
    /// issued under it.
    func revoke(sessionID: String, at: Date) async throws
    /// The sessions of a user, newest first.
    func sessions(userID: String) async throws -> [SSOSession]
}
