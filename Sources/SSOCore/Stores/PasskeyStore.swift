import Foundation

/// Users' passkeys and the WebAuthn challenges in flight. A challenge is consumed by one
/// statement that deletes it and returns it, so that of two requests presenting one challenge
/// (on one instance or two) exactly one gets it; a counter update is conditional on the stored
/// counter, so two assertions racing with one counter value cannot both be accepted.
public protocol PasskeyStore: Sendable {
    /// Stores a new passkey; `false` (nothing stored) when its credential id is registered already.
    func insertPasskey(_ passkey: Passkey) async throws -> Bool
    /// A user's passkeys, oldest first.
    func passkeys(userID: String) async throws -> [Passkey]
    func passkey(credentialID: String) async throws -> Passkey?
    /// Records a verified assertion: the new counter and backup state and the time of use,
    /// only if the stored counter is still `previousSignCount`; `false` when it changed meanwhile.
    func recordPasskeyUse(id: String, previousSignCount: Int, signCount: Int, backupState: Bool, at: Date) async throws
        -> Bool
    /// Renames the passkey `id` of `userID`; `false` when that user has no such passkey.
    func renamePasskey(id: String, userID: String, name: String) async throws -> Bool
    /// Removes the passkey `id` of `userID`; `false` when that user has no such passkey.
    func removePasskey(id: String, userID: String) async throws -> Bool
    func insertPasskeyChallenge(_ challenge: PasskeyChallenge) async throws
    /// Deletes the challenge with this digest and returns it, if it was there (expired or not):
    /// a challenge is good for one attempt only.
    func consumePasskeyChallenge(digest: String) async throws -> PasskeyChallenge?
}
