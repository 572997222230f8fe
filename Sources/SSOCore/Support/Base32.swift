/// RFC 4648 base32, the encoding of TOTP seeds in `otpauth://` URIs and authenticator apps.
public enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// The bytes of `text` (case and spaces ignored, padding optional), or `nil` if it is not base32.
    public static func decode(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var buffer: UInt64 = 0
        var bits = 0
        var padding = false
        for character in text.utf8 where character != UInt8(ascii: " ") {
            if character == UInt8(ascii: "=") { padding = true; continue }
            guard !padding else { return nil }
            let upper = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(character) ? character - 32 : character
            guard let value = alphabet.firstIndex(of: upper) else { return nil }
            buffer = buffer << 5 | UInt64(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8(truncatingIfNeeded: buffer >> UInt64(bits)))
            }
        }
        return bytes
    }

    /// Base32 without padding.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        var buffer: UInt64 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt64(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                text.append(alphabet[Int(buffer >> UInt64(bits) & 31)])
            }
        }
        if bits > 0 { text.append(alphabet[Int(buffer << UInt64(5 - bits) & 31)]) }
        return String(decoding: text, as: UTF8.self)
    }
}
