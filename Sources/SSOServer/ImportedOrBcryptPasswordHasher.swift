import Dispatch
import SSOCore
import SSOPasswords

/// The server's password hasher while no composite of all formats exists: a stored hash that
/// `ImportedPasswordHash` knows (imported PBKDF2 and salted SHA-2) is checked by it, any other by
/// bcrypt; new hashes are bcrypt. PBKDF2 runs on a Dispatch queue like bcrypt, off the event loops.
struct ImportedOrBcryptPasswordHasher: PasswordHasher {
    let bcrypt = BcryptPasswordHasher()

    func hash(_ password: String) async throws -> String { try await bcrypt.hash(password) }

    func verify(_ password: String, hash: String) async -> Bool {
        let imported = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(returning: ImportedPasswordHash.verify(password, stored: hash))
            }
        }
        if let imported { return imported }
        return await bcrypt.verify(password, hash: hash)
    }
}
