/// Hashes and checks user passwords with a deliberately slow, salted algorithm.
///
/// Only the user's password check uses it; tokens and client secrets never do.
public protocol PasswordHasher: Sendable {
    func hash(_ password: String) async throws -> String
    func verify(_ password: String, hash: String) async -> Bool
}
