import Foundation

/// A logout notice owed to one client for one ended session (Back-Channel Logout 1.0).
public struct LogoutDelivery: Sendable, Equatable {
    public var id: String
    public var clientID: String
    /// The client's `backchannel_logout_uri` when the session ended.
    public var uri: String
    public var userID: String
    public var sessionID: String
    /// Attempts made so far.
    public var attempts: Int

    public init(id: String, clientID: String, uri: String, userID: String, sessionID: String, attempts: Int) {
        self.id = id
        self.clientID = clientID
        self.uri = uri
        self.userID = userID
        self.sessionID = sessionID
        self.attempts = attempts
    }
}

/// The outbox of logout notices. The store writes them in the transaction that ends a session
/// (`SessionStore.revoke`), so none is lost to a crash and none is sent for a session that did
/// not end; a worker delivers them with retries.
public protocol LogoutDeliveryStore: Sendable {
    /// Claims up to `limit` deliveries due at `now`: each is hidden from other claimers until
    /// `leaseUntil`, so that several instances never post the same notice at once.
    func claimLogoutDeliveries(at now: Date, leaseUntil: Date, limit: Int) async throws -> [LogoutDelivery]
    func logoutDelivered(id: String) async throws
    /// Records a failed attempt; the delivery is tried again at `retryAt`, or dropped when `nil`.
    func logoutFailed(id: String, error: String, retryAt: Date?) async throws
}
