import Foundation

/// A deterministic generator (SplitMix64), so that a fuzz run in CI is the same run every time
/// and a failure can be replayed: the seed comes from `SSO_FUZZ_SEED` or a fixed default.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The seed of this run: `SSO_FUZZ_SEED`, else a fixed one.
    public static var runSeed: UInt64 {
        ProcessInfo.processInfo.environment["SSO_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_123
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Hostile inputs: the characters parsers trip on, mixed with ordinary ones.
public enum FuzzInput {
    static let alphabet: [String] = [
        "a", "Z", "0", "9", "-", "_", ".", "~", "%", "%2", "%zz", "%00", "%FF", "%C3%A9", "+", "=", "&", "&&", "==",
        " ", "\t", "\r\n", "\n", "\0", "\"", "'", "<", ">", "<script>", "/", "\\", ":", ";", ",", "?", "#", "@",
        "é", "ж", "𝄞", "\u{202E}", "\u{FEFF}", "{", "}", "[", "]", "null", "true", "1e999", "-0", "\u{7F}",
    ]

    /// A string of up to `maximumLength` pieces of the hostile alphabet.
    public static func string(maximumLength: Int = 40, using generator: inout SeededGenerator) -> String {
        let length = Int.random(in: 0...maximumLength, using: &generator)
        return (0..<length).map { _ in alphabet.randomElement(using: &generator)! }.joined()
    }

    /// Random bytes, not necessarily UTF-8.
    public static func bytes(maximumLength: Int = 64, using generator: inout SeededGenerator) -> [UInt8] {
        (0..<Int.random(in: 0...maximumLength, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Something shaped like a JWT (three base64url-ish parts), mostly wrong in some way.
    public static func jwtLike(using generator: inout SeededGenerator) -> String {
        func part() -> String {
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: return Data(bytes(using: &generator)).base64EncodedString()
            case 1: return Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()
            case 2: return Data(#"{"alg":"HS256","kid":"x"}"#.utf8).base64EncodedString()
                .replacingOccurrences(of: "=", with: "")
            default: return string(maximumLength: 8, using: &generator)
            }
        }
        let parts = Int.random(in: 1...5, using: &generator)
        return (0..<parts).map { _ in part() }.joined(separator: ".")
    }
}
