import Foundation

/// A source of unguessable values for tokens, codes, session ids and CSRF tokens.
///
/// The system generator is the kernel's CSPRNG (`getrandom` on Linux). Every token the server
/// hands out carries at least 256 bits, above RFC 9700's 128-bit floor, so that guessing is
/// not a concern even over billions of tokens.
public protocol SecureRandom: Sendable {
    /// `count` random bytes.
    func bytes(_ count: Int) -> [UInt8]
}

extension SecureRandom {
    /// A URL-safe token of `byteCount` random bytes (default 32, i.e. 256 bits).
    public func token(byteCount: Int = 32) -> String {
        Base64URL.encode(self.bytes(byteCount))
    }
}

/// The operating system's CSPRNG.
public struct SystemSecureRandom: SecureRandom {
    public init() {}
    public func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
