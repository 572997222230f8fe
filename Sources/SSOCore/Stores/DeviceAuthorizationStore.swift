import Foundation

/// Device authorization requests (RFC 8628), stored under the digests of both codes. Every
/// change is one conditional statement or one transaction, so that instances sharing a
/// database cannot both approve, both redeem, or lose a poll.
public protocol DeviceAuthorizationStore: Sendable {
    /// Stores a new request; `false` (and nothing stored) when its user code's digest is taken
    /// by another request still in the table, so the caller draws another user code.
    func insertDeviceAuthorization(_ authorization: DeviceAuthorization) async throws -> Bool
    func deviceAuthorization(userCodeDigest: String) async throws -> DeviceAuthorization?
    /// Records a poll by `clientID` at `at`. While the request is pending, a poll sooner than
    /// `interval` seconds after the previous one raises the interval by `slowDown` seconds for
    /// this and every later poll. `nil`, and nothing recorded, when no request of this client
    /// has this device code: another client cannot push a device into `slow_down`.
    func pollDeviceAuthorization(deviceCodeDigest: String, clientID: String, at: Date, slowDown: Int) async throws
        -> DevicePoll?
    /// Records the user's answer if the request is still pending and unexpired at `at`;
    /// `false` when it was not (answered already, expired, unknown).
    func decideDeviceAuthorization(userCodeDigest: String, _ decision: DeviceDecision, at: Date) async throws -> Bool
    /// In one transaction: if the request is approved, marks it consumed and stores `grant`
    /// as the family of its tokens. Two concurrent polls cannot both get tokens.
    func redeemDeviceAuthorization(deviceCodeDigest: String, creating grant: GrantRecord) async throws -> CodeRedemption
}
