import CArgon2
import CHashMemory
import CSodium
import Foundation
import SSOCore

/// Argon2 (RFC 9106): hashes are PHC strings with a 16-byte salt from the system's CSPRNG and a
/// 32-byte tag. These calls run for tens of milliseconds; ``PasswordHashingPool`` runs them.
///
/// Two system libraries do the work. libsodium (Debian's `libsodium-dev`) has the vectorised
/// implementation (SSSE3, AVX2 or AVX-512F, picked at run time): at the baseline (m = 19 MiB,
/// t = 2) it takes 16 ms where Debian's libargon2, built from the portable reference code,
/// takes 20. It does Argon2id and Argon2i on one lane, single-threaded, which is every hash the
/// server makes by default and most it imports. libargon2 (`libargon2-dev`) does the rest:
/// Argon2d, hashing with more lanes, and strings longer than libsodium reads. Both produce
/// and read the same PHC strings (tested against each other).
///
/// On the password-hash pool's threads libsodium's memory is kept from one hash to the next
/// (`CHashMemory`): mapping and zeroing 19 MiB afresh cost 7 ms of every check.
enum Argon2 {
    static let saltLength = 16
    static let tagLength = 32

    /// libsodium, initialised once (thread-safe, idempotent); `false` if it could not be.
    static let sodium: Bool = sodium_init() >= 0

    /// An Argon2id hash of `password` with `parameters` (which must be ``Argon2Parameters/isUsable``).
    static func hashID(_ password: String, parameters: Argon2Parameters, random: any SecureRandom) -> String {
        let salt = random.bytes(saltLength)
        if parameters.parallelism == 1, sodium, let tag = sodiumTag(password, salt: salt, parameters: parameters) {
            return "$argon2id$v=19$m=\(parameters.memoryKiB),t=\(parameters.iterations),p=1$"
                + Self.phcBase64(salt) + "$" + Self.phcBase64(tag)
        }
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
        // libsodium reads strings shorter than its crypto_pwhash_STRBYTES, and its Argon2i needs t >= 3.
        if sodium, parsed.parameters.parallelism == 1, encoded.utf8.count < Int(crypto_pwhash_STRBYTES) {
            switch parsed.variant {
            case .argon2id:
                return keepingMemory { crypto_pwhash_argon2id_str_verify(encoded, password, UInt64(password.utf8.count)) } == 0
            case .argon2i where parsed.parameters.iterations >= 3:
                return keepingMemory { crypto_pwhash_argon2i_str_verify(encoded, password, UInt64(password.utf8.count)) } == 0
            default: break
            }
        }
        let type: argon2_type = switch parsed.variant {
        case .argon2d: Argon2_d
        case .argon2i: Argon2_i
        case .argon2id: Argon2_id
        }
        let password = Array(password.utf8)
        return argon2_verify(encoded, password, password.count, type) == ARGON2_OK.rawValue
    }

    /// The 32-byte Argon2id tag from libsodium, or `nil` when it refuses (then libargon2 hashes).
    static func sodiumTag(_ password: String, salt: [UInt8], parameters: Argon2Parameters) -> [UInt8]? {
        guard salt.count == Int(crypto_pwhash_argon2id_SALTBYTES) else { return nil }
        var tag = [UInt8](repeating: 0, count: tagLength)
        let status = tag.withUnsafeMutableBufferPointer { out in
            keepingMemory { crypto_pwhash_argon2id(out.baseAddress!, UInt64(tagLength), password, UInt64(password.utf8.count), salt,
                                   UInt64(parameters.iterations), Int(parameters.memoryKiB) * 1024,
                                   crypto_pwhash_argon2id_ALG_ARGON2ID13) }
        }
        return status == 0 ? tag : nil
    }

    /// `call` (one of libsodium's Argon2 functions) with this thread's kept memory, if it keeps one.
    static func keepingMemory<T>(_ call: () -> T) -> T {
        sso_hash_memory_enter()
        defer { sso_hash_memory_leave() }
        return call()
    }

    /// Standard base64 without padding: the PHC string format's encoding of salts and tags.
    static func phcBase64(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }
}
