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

/// A store driver's error that can tell whether the same request may succeed shortly: a busy or
/// locked SQLite file, a full disk. Each store conforms its driver's error type, so the HTTP
/// layer can answer such failures like ``StoreUnavailable`` without knowing the driver.
public protocol TransientStoreFailure: Error {
    var isTransient: Bool { get }
}

extension StoreUnavailable {
    /// Whether `error` means the store cannot serve at the moment: a ``StoreUnavailable``, or a
    /// ``TransientStoreFailure`` that says it is transient.
    public static func covers(_ error: any Error) -> Bool {
        error is StoreUnavailable || (error as? any TransientStoreFailure)?.isTransient == true
    }
}

extension OAuthError {
    /// The answer to a failure that is not the request's fault: `temporarily_unavailable`
    /// (503, `Retry-After: 1`) when the store cannot be reached or serve at the moment
    /// (``StoreUnavailable/covers(_:)``), `server_error` (500) otherwise.
    public static func failure(_ error: any Error, _ description: String = "The server could not complete the request.") -> OAuthError {
        guard StoreUnavailable.covers(error) else {
            return OAuthError(.serverError, description, cause: error)
        }
        return OAuthError(.temporarilyUnavailable, "The server's database is unavailable at the moment; try again shortly.",
                          retryAfter: 1, cause: error)
    }
}

