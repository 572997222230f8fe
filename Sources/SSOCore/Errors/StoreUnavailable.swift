/// The store cannot be reached at the moment: its database is restarting, failing over or
/// unreachable. Unlike other store failures the same request may well succeed a second later,
/// so the HTTP layer answers it 503 with `Retry-After` (load balancers and clients retry
/// those), not 500.
public struct StoreUnavailable: Error, CustomStringConvertible {
    /// What the store saw (the driver's error), for the log only.
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "The database cannot be reached: \(reason)" }
}

extension OAuthError {
    /// The answer to a failure that is not the request's fault: `temporarily_unavailable`
    /// (503, `Retry-After: 1`) when the store cannot be reached, `server_error` (500) otherwise.
    public static func failure(_ error: any Error, _ description: String = "The server could not complete the request.") -> OAuthError {
        guard error is StoreUnavailable else { return OAuthError(.serverError, description) }
        return OAuthError(.temporarilyUnavailable, "The server cannot reach its database; try again shortly.", retryAfter: 1)
    }
}
