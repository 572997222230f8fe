/// Hashes and checks user passwords with a deliberately slow, salted algorithm.
///
/// Only the user's password check uses it; tokens and client secrets never do.
public protocol PasswordHasher: Sendable {
    /// A new hash of `password` with the current algorithm and parameters.
    /// - Throws: ``PasswordChecksBusy`` when the server is checking too many passwords already.
    func hash(_ password: String) async throws -> String
    /// Whether `password` matches `hash`.
    /// - Throws: ``PasswordChecksBusy`` when the server is checking too many passwords already.
    func verify(_ password: String, hash: String) async throws -> Bool
    /// Whether `hash`, which has just verified, should be replaced with a new hash of the same
    /// password: an older algorithm, or parameters below the current ones.
    func needsRehash(_ hash: String) -> Bool
    /// A hash of a value nobody knows, with the current algorithm and cost: checked when the
    /// login is unknown, so that the answer takes as long as for a real account.
    var decoyHash: String { get }
    /// ``PasswordChecksBusy`` when a check asked for now would be refused: lets a sign-in be
    /// refused before any other work is done for it (the check itself still decides).
    func refusal() -> PasswordChecksBusy?
}

extension PasswordHasher {
    public func refusal() -> PasswordChecksBusy? { nil }
}
