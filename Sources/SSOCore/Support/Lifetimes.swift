/// How long each credential lives, in seconds. Set from `sso serve` options.
public struct Lifetimes: Sendable, Equatable {
    public var authorizationCode: Int
    public var accessToken: Int
    public var refreshToken: Int
    /// Idle timeout of an SSO session: each use pushes its expiry this far forward.
    public var sessionIdle: Int
    /// Absolute lifetime of an SSO session, however active it is.
    public var sessionAbsolute: Int
    /// How long a user has to finish the login and consent pages of one authorization request.
    public var interaction: Int
    /// Seconds after a refresh-token rotation during which presenting the rotated token again
    /// repeats the first answer instead of revoking the family (several tabs refreshing at
    /// once); 0 makes rotation strict.
    public var refreshReuseGrace: Int
    /// How long a device authorization request (RFC 8628) waits for the user.
    public var deviceCode: Int
    /// Seconds a device waits between polls at first (RFC 8628 section 3.2 `interval`).
    public var devicePollInterval: Int

    public init(
        authorizationCode: Int = 60,
        accessToken: Int = 3600,
        refreshToken: Int = 30 * 24 * 3600,
        sessionIdle: Int = 8 * 3600,
        sessionAbsolute: Int = 7 * 24 * 3600,
        interaction: Int = 30 * 60,
        refreshReuseGrace: Int = 10,
        deviceCode: Int = 600,
        devicePollInterval: Int = 5
    ) {
        self.authorizationCode = authorizationCode
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.sessionIdle = sessionIdle
        self.sessionAbsolute = sessionAbsolute
        self.interaction = interaction
        self.refreshReuseGrace = refreshReuseGrace
        self.deviceCode = deviceCode
        self.devicePollInterval = devicePollInterval
    }
}
