import CArgon2
import SSOCore

/// Argon2 through the system's libargon2 (RFC 9106's reference implementation, Debian's
/// `libargon2-dev`): hashes are PHC strings with a 16-byte salt from the system's CSPRNG and a
/// 32-byte tag. These calls run for tens of milliseconds; ``PasswordHashingPool`` runs them.
enum Argon2 {
    static let saltLength = 16
    static let tagLength = 32

    /// An Argon2id hash of `password` with `parameters` (which must be ``Argon2Parameters/isUsable``).
    static func hashID(_ password: String, parameters: Argon2Parameters, random: any SecureRandom) -> String {
        let salt = random.bytes(saltLength)
        let length = argon2_encodedlen(parameters.iterations, parameters.memoryKiB, parameters.parallelism,
                                       UInt32(saltLength), UInt32(tagLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: length + 1)
        let password = Array(password.utf8)
        let status = argon2id_hash_encoded(parameters.iterations, parameters.memoryKiB, parameters.parallelism,
                                           password, password.count, salt, salt.count, tagLength, &encoded, encoded.count)
        // Only a failed allocation of the memory itself is left once the parameters are usable.
        precondition(status == ARGON2_OK.rawValue, "argon2id_hash_encoded: \(String(cString: argon2_error_message(status)))")
        return String(decoding: encoded.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `password` matches the Argon2 PHC string `encoded` (any variant libargon2 knows);
    /// `false` for a string it cannot read or whose parameters are beyond ``Argon2Parameters/ceiling``.
    /// libargon2 compares the tags in constant time.
    static func verify(_ password: String, encoded: String) -> Bool {
        guard let parsed = Argon2Encoded(encoded), parsed.parameters.isUsable else { return false }
        let type: argon2_type = switch parsed.variant {
        case .argon2d: Argon2_d
        case .argon2i: Argon2_i
        case .argon2id: Argon2_id
        }
        let password = Array(password.utf8)
        return argon2_verify(encoded, password, password.count, type) == ARGON2_OK.rawValue
    }
}
