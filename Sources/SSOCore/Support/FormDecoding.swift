

/// The one decoder of `application/x-www-form-urlencoded` text, for query strings and form
/// bodies alike. It keeps repeated names (so the core can refuse them) and never throws:
/// malformed percent-escapes are kept literally, and validation happens on the values.
public enum FormDecoding {
    /// No protocol request needs more parameters than this; past it the request is refused
    /// (`RequestParameters.overflowed`) rather than decoded at any cost.
    public static let maximumParameters = 100

    public static func parse(_ text: String) -> RequestParameters {
        var pairs: [(name: String, value: String)] = []
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            guard pairs.count < maximumParameters else { return RequestParameters(pairs, overflowed: true) }
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(pieces[0])
            let value = pieces.count > 1 ? decode(pieces[1]) : ""
            if !name.isEmpty { pairs.append((name, value)) }
        }
        return RequestParameters(pairs)
    }

    /// Decodes `+` as space and `%XX` escapes as UTF-8 bytes.
    public static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
                let high = hexValue(iterator[iterator.startIndex]),
                let low = hexValue(iterator[iterator.startIndex + 1]) {
                bytes.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
