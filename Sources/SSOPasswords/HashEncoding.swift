import Foundation

/// The byte encodings found in password-hash strings: standard base64 (with or without
/// padding), passlib's "adapted" base64 (`.` for `+`, no padding), and hexadecimal.
enum HashEncoding: String, Sendable {
    case base64
    case adaptedBase64
    case hex

    /// The bytes of `text`, or `nil` when it is not valid in this encoding.
    func decode(_ text: Substring) -> [UInt8]? {
        switch self {
        case .base64: return Self.decodeBase64(text)
        case .adaptedBase64:
            guard !text.contains("+"), !text.contains("=") else { return nil }
            return Self.decodeBase64(Substring(text.replacingOccurrences(of: ".", with: "+")))
        case .hex: return Self.decodeHex(text)
        }
    }

    /// Standard base64 without padding: the PHC string format's encoding.
    static func unpaddedBase64(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    private static let base64Alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static func decodeBase64(_ text: Substring) -> [UInt8]? {
        var body = text
        var padding = 0
        while body.hasSuffix("=") { body.removeLast(); padding += 1 }
        guard !body.isEmpty, padding <= 2, body.utf8.allSatisfy(base64Alphabet.contains),
              body.utf8.count % 4 != 1, padding == 0 || (body.utf8.count + padding) % 4 == 0
        else { return nil }
        let padded = String(body) + String(repeating: "=", count: (4 - body.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: padded) else { return nil }
        return [UInt8](data)
    }

    private static func decodeHex(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard !digits.isEmpty, digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Whether two digests are equal, in time that depends on their length only, never on where
/// they first differ.
func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
    return difference == 0
}
