import Crypto
import Foundation

/// Digests for secrets that are only ever checked, never used: client secrets, refresh tokens,
/// authorization codes, session cookies.
///
/// These secrets are high-entropy values we generated (or that an operator chose), so a fast
/// SHA-256 is enough: there is nothing to brute-force, and the token path stays free of slow
/// hashes. Passwords, which are low-entropy, go through `PasswordHasher` instead.
public enum SecretDigest {
    /// Hex SHA-256 of the UTF-8 bytes of `secret`.
    public static func sha256(_ secret: String) -> String {
        hex(SHA256.hash(data: Data(secret.utf8)))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Lower-case hex, without Foundation's formatting machinery: this runs several times on
    /// every token request.
    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var characters: [UInt8] = []
        characters.reserveCapacity(64)
        for byte in bytes {
            characters.append(hexDigits[Int(byte >> 4)])
            characters.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: characters, as: UTF8.self)
    }

    /// Whether `secret` hashes to `digest`, compared in constant time.
    public static func matches(_ secret: String, digest: String) -> Bool {
        constantTimeEquals(sha256(secret), digest)
    }

    /// Compares two strings without an early exit, so that timing tells nothing about where
    /// they differ. Lengths are not secret here (digests and tokens have public, fixed lengths).
    public static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
