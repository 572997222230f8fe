import Foundation
import SSOCore
import SSOEndpointModel

extension GrantType {
    /// RFC 8628 section 3.4.
    public static let deviceCode = GrantType(rawValue: "urn:ietf:params:oauth:grant-type:device_code")
}

/// The device authorization grant (RFC 8628), for the trading terminal, scripts and TVs: a
/// device with no browser asks `/device_authorization` for a device code and a short user
/// code, the user enters the user code on our verification page (`/device`), signs in and
/// approves, and the device, polling the token endpoint with its device code, gets tokens.
///
/// This type is the polling half (section 3.4): the answers are `authorization_pending`,
/// `slow_down` (the device polls sooner than its interval, which grows by 5 s), `access_denied`,
/// `expired_token`, or tokens, once. A device code presented after its tokens were issued
/// revokes them, as a replayed authorization code does. The endpoints are `DeviceEndpoints`.
public struct DeviceCodeGrant: GrantModule, GrantEndpoints {
    public static let grantType = GrantType.deviceCode
    /// Seconds added to the interval by each `slow_down` (section 3.5).
    static let slowDownStep = 5

    let devices: any DeviceAuthorizationStore
    let grants: any GrantStore
    let events: any SecurityEventRecorder
    let clock: any SSOClock
    let random: any SecureRandom
    public let endpoints: (any EndpointModule)?

    public init(_ context: GrantContext) {
        devices = context.devices
        grants = context.grants
        events = context.events
        clock = context.clock
        random = context.random
        endpoints = context.endpoints.map { DeviceEndpoints(context, services: $0) }
    }

    public func authorize(_ request: TokenRequest) async throws -> GrantOutcome {
        let digest = DeviceEndpoints.deviceCodeDigest(try request.parameters.required("device_code"))
        let now = clock.now()
        guard let poll = try await devices.pollDeviceAuthorization(
            deviceCodeDigest: digest, clientID: request.client.id, at: now, slowDown: Self.slowDownStep)
        else { throw OAuthError.invalidGrant("The device code is invalid.") }
        let authorization = poll.authorization
        if authorization.status == .consumed { try await answerReplay(authorization, now: now) }
        guard now < authorization.expiresAt else {
            throw OAuthError(.expiredToken, "The device code has expired; ask for a new one.")
        }
        switch authorization.status {
        case .pending where poll.tooSoon:
            throw OAuthError(.slowDown, "Polling too often: wait \(authorization.interval) seconds between requests.")
        case .pending:
            throw OAuthError(.authorizationPending, "The user has not answered yet.")
        case .denied:
            throw OAuthError(.accessDenied, "The user refused the request.")
        case .approved, .consumed:
            break
        }
        guard let userID = authorization.userID, let authTime = authorization.authTime else {
            throw OAuthError.invalidGrant("The device code is invalid.")
        }
        let grant = GrantRecord(
            id: random.token(byteCount: 16), clientID: authorization.clientID, userID: userID,
            sessionID: authorization.sessionID, scopes: authorization.scopes, authTime: authTime,
            methods: authorization.methods, identityProvider: authorization.identityProvider, createdAt: now)
        switch try await devices.redeemDeviceAuthorization(deviceCodeDigest: digest, creating: grant) {
        case .redeemed:
            return .issue(AuthorizedGrant(
                grantID: grant.id, clientID: grant.clientID, userID: userID, scopes: grant.scopes, authTime: authTime,
                methods: grant.methods, identityProvider: grant.identityProvider, sessionID: grant.sessionID,
                issueRefreshToken: true))
        case .alreadyConsumed(let grantID):
            var replayed = authorization
            replayed.grantID = grantID
            try await answerReplay(replayed, now: now)
        case .notFound:
            throw OAuthError.invalidGrant("The device code is invalid.")
        }
    }

    private func answerReplay(_ authorization: DeviceAuthorization, now: Date) async throws -> Never {
        if let grantID = authorization.grantID { try await grants.revokeGrant(id: grantID, at: now) }
        await events.record(SecurityEvent(
            kind: .deviceCodeReplayed, at: now, userID: authorization.userID, clientID: authorization.clientID,
            detail: authorization.grantID))
        throw OAuthError.invalidGrant("The device code has already been used; the tokens issued for it are revoked.")
    }
}
