

/// The one decoder of `application/x-www-form-urlencoded` text, for query strings and form
/// bodies alike. It keeps repeated names (so the core can refuse them) and never throws:
/// malformed percent-escapes are kept literally, and validation happens on the values.
public enum FormDecoding {
    /// No protocol request needs more parameters than this; past it the request is refused
    /// (`RequestParameters.overflowed`) rather than decoded at any cost.
    public static let maximumParameters = 100

    /// Works on the UTF-8 bytes: splitting the `String` itself walks it by grapheme cluster,
    /// and that walk was a tenth of an introspection request (whose body carries a whole JWT).
    public static func parse(_ text: String) -> RequestParameters {
        var text = text
        return text.withUTF8 { bytes in
            var pairs: [(name: String, value: String)] = []
            var partStart = 0
            while partStart <= bytes.count {
                var partEnd = partStart
                while partEnd < bytes.count, bytes[partEnd] != UInt8(ascii: "&") { partEnd += 1 }
                if partEnd > partStart {
                    guard pairs.count < maximumParameters else { return RequestParameters(pairs, overflowed: true) }
                    var equals = partStart
                    while equals < partEnd, bytes[equals] != UInt8(ascii: "=") { equals += 1 }
                    let name = decode(UnsafeBufferPointer(rebasing: bytes[partStart..<equals]))
                    let value = equals < partEnd
                        ? decode(UnsafeBufferPointer(rebasing: bytes[(equals + 1)..<partEnd])) : ""
                    if !name.isEmpty { pairs.append((name, value)) }
                }
                partStart = partEnd + 1
            }
            return RequestParameters(pairs)
        }
    }

    /// Decodes `+` as space and `%XX` escapes as UTF-8 bytes.
    public static func decode(_ text: Substring) -> String {
        var text = text
        return text.withUTF8 { decode($0) }
    }

    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        // Most values (tokens, codes, client ids) need no decoding at all.
        if !bytes.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                decoded.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                decoded.append(high << 4 | low)
                index += 2
            } else {
                decoded.append(byte)
            }
            index += 1
        }
        return String(decoding: decoded, as: UTF8.self)
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
