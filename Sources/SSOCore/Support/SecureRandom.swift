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
        // Eight bytes per call to the kernel's generator rather than one.
        var generator = SystemRandomNumberGenerator()
        var result: [UInt8] = []
        result.reserveCapacity(count + 8)
        while result.count < count {
            withUnsafeBytes(of: generator.next() as UInt64) { result.append(contentsOf: $0) }
        }
        result.removeLast(result.count - count)
        return result
    }
}
