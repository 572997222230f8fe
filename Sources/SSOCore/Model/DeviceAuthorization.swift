import Foundation

/// One device authorization request (RFC 8628): a device without a browser shows the user a
/// short code; the user enters it on our verification page, signs in and approves; the
/// device, polling the token endpoint with its device code, then gets tokens.
///
/// Both codes are stored as digests only. The record lives in the store, not in memory, so
/// that the device may poll one instance while the user approves on another.
public struct DeviceAuthorization: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable {
        /// Waiting for the user.
        case pending
        /// The user approved; the next poll gets tokens.
        case approved
        /// The user refused; polls get `access_denied`.
        case denied
        /// Tokens were issued; the device code is spent.
        case consumed
    }

    public var deviceCodeDigest: String
    public var userCodeDigest: String
    public var clientID: String
    public var scopes: ScopeSet
    public var status: Status
    /// Seconds the device must wait between polls; `slow_down` adds 5 (RFC 8628 section 3.5).
    public var interval: Int
    public var lastPolledAt: Date?
    public var createdAt: Date
    public var expiresAt: Date
    /// The user who answered, and the sign-in they answered with (set on approval).
    public var userID: String?
    public var sessionID: String?
    public var authTime: Date?
    public var methods: [String]
    public var identityProvider: String?
    /// The token family the approval became (set on redemption), revoked if the device code
    /// is presented again.
    public var grantID: String?

    public init(
        deviceCodeDigest: String, userCodeDigest: String, clientID: String, scopes: ScopeSet, status: Status = .pending,
        interval: Int, lastPolledAt: Date? = nil, createdAt: Date, expiresAt: Date, userID: String? = nil,
        sessionID: String? = nil, authTime: Date? = nil, methods: [String] = [], identityProvider: String? = nil,
        grantID: String? = nil
    ) {
        self.deviceCodeDigest = deviceCodeDigest
        self.userCodeDigest = userCodeDigest
        self.clientID = clientID
        self.scopes = scopes
        self.status = status
        self.interval = interval
        self.lastPolledAt = lastPolledAt
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.userID = userID
        self.sessionID = sessionID
        self.authTime = authTime
        self.methods = methods
        self.identityProvider = identityProvider
        self.grantID = grantID
    }
}

/// The user's answer on the verification page.
public enum DeviceDecision: Sendable, Equatable {
    /// Approved by the user of `session`, signed in at `authTime` with `methods`.
    case approved(userID: String, sessionID: String?, authTime: Date, methods: [String], identityProvider: String?)
    case denied
}

/// One poll of the token endpoint, as the store recorded it.
public struct DevicePoll: Sendable, Equatable {
    /// The record after the poll (a raised interval included).
    public var authorization: DeviceAuthorization
    /// The poll came sooner than the interval after the previous one, while pending: the
    /// interval was raised and the answer is `slow_down`.
    public var tooSoon: Bool

    public init(authorization: DeviceAuthorization, tooSoon: Bool) {
        self.authorization = authorization
        self.tooSoon = tooSoon
    }
}

extension DevicePoll {
    /// Whether a poll at `at` comes too soon for `authorization` as stored: the rule both
    /// stores apply inside their transaction.
    public static func isTooSoon(_ authorization: DeviceAuthorization, at: Date) -> Bool {
        guard authorization.status == .pending, let last = authorization.lastPolledAt else { return false }
        return at.timeIntervalSince(last) < TimeInterval(authorization.interval)
    }
}
