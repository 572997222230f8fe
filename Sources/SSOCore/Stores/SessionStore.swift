import Foundation

/// SSO sessions of browsers at the authorization site.
public protocol SessionStore: Sendable {
    /// Stores a new session and, in the same transaction, the user's new password hash when
    /// `upgrade` is given and the stored hash is still the one it replaces.
    func insert(_ session: SSOSession, upgrading upgrade: PasswordUpgrade?) async throws
    /// The session whose cookie secret has this digest, active or not.
    func session(secretDigest: String) async throws -> SSOSession?
    func session(id: String) async throws -> SSOSession?
    /// The same user proved who they are again: the live session `session.id` takes the
    /// cookie digest, `auth_time`, methods, provider and expiries of `session`, keeping its id
    /// (`sid`) and everything issued under it. `false` when that session is no longer live.
    /// `upgrade` as for ``insert(_:upgrading:)``, written only when the session was.
    func reauthenticate(_ session: SSOSession, upgrading upgrade: PasswordUpgrade?) async throws -> Bool
    /// Slides the idle expiry forward.
    func touch(sessionID: String, expiresAt: Date) async throws
    /// Ends the session and, in the same transaction, every grant (and so every refresh token)
    /// issued under it.
    func revoke(sessionID: String, at: Date) async throws
    /// The sessions of a user, newest first.
    func sessions(userID: String) async throws -> [SSOSession]
}

extension SessionStore {
    public func insert(_ session: SSOSession) async throws {
        try await insert(session, upgrading: nil)
    }

    public func reauthenticate(_ session: SSOSession) async throws -> Bool {
        try await reauthenticate(session, upgrading: nil)
    }
}
