import Crypto
import Foundation

/// Proof Key for Code Exchange (RFC 7636), S256 only.
///
/// `plain` is refused: it protects nothing against an attacker who can read the authorization
/// request, and RFC 9700 section 2.1.1 and OAuth 2.1 ask servers to use S256.
public enum PKCE {
    public static let s256 = "S256"

    /// Whether `value` has the shape RFC 7636 section 4.1/4.2 requires of a verifier or an S256
    /// challenge: 43 to 128 characters of `[A-Za-z0-9-._~]`.
    public static func isWellFormed(_ value: String) -> Bool {
        guard (43...128).contains(value.utf8.count) else { return false }
        return value.utf8.allSatisfy { byte in
            (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
        }
    }

    /// The S256 challenge for `verifier`: BASE64URL(SHA256(ASCII(verifier))).
    public static func challenge(for verifier: String) -> String {
        Base64URL.encode(SHA256.hash(data: Data(verifier.utf8)))
    }

    /// Whether `verifier` answers `challenge`, compared in constant time.
    public static func verify(verifier: String, challenge: String) -> Bool {
        isWellFormed(verifier) && SecretDigest.constantTimeEquals(self.challenge(for: verifier), challenge)
    }
}
