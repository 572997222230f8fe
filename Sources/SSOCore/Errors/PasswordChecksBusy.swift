/// More sign-ins are waiting for their password check than the server can finish within its
/// limit: this one is refused before it waits, and may be sent again after `retryAfter`
/// seconds. Answered 503 with `Retry-After` (a page in the user's language for a browser), so a
/// storm of sign-ins at market open queues at the clients, not without bound in the server.
public struct PasswordChecksBusy: Error, CustomStringConvertible, Equatable {
    public var retryAfter: Int

    public init(retryAfter: Int) {
        self.retryAfter = max(1, retryAfter)
    }

    public var description: String { "Too many sign-ins are being checked at once; retry after \(retryAfter) s" }
}
