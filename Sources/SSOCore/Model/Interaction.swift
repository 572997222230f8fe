import Foundation

/// An authorization request waiting for the user: on the login page, then on the consent page.
///
/// It lives in the store (not in memory) so that any instance behind a load balancer can finish
/// it, and it is bound to the browser that started it (`browserBinding`, the digest of that
/// browser's CSRF cookie), so a link to it is useless in another browser.
public struct Interaction: Sendable, Codable, Equatable {
    public var id: String
    public var request: AuthorizationRequest
    public var browserBinding: String
    public var createdAt: Date
    public var expiresAt: Date
    /// The session that the login page opened for this request, if it got that far.
    public var sessionID: String?
    /// The user whose password was accepted and who still owes a TOTP code.
    public var pendingUserID: String?
    /// The replacement for that user's password hash, written with the session once the code is right.
    public var pendingPasswordUpgrade: PasswordUpgrade?
    /// Where to send the browser after sign-in instead of back to a client with a code (the
    /// personal cabinet's `/login?url=` entry). `request` then names the client that owns it.
    public var returnTo: String?

    public init(
        id: String, request: AuthorizationRequest, browserBinding: String, createdAt: Date, expiresAt: Date,
        sessionID: String? = nil, pendingUserID: String? = nil, pendingPasswordUpgrade: PasswordUpgrade? = nil,
        returnTo: String? = nil
    ) {
        self.id = id
        self.request = request
        self.browserBinding = browserBinding
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.sessionID = sessionID
        self.pendingUserID = pendingUserID
        self.pendingPasswordUpgrade = pendingPasswordUpgrade
        self.returnTo = returnTo
    }
}
