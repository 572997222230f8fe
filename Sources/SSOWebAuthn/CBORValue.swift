/// One CBOR data item (RFC 8949), restricted to what WebAuthn carries: integers, byte and text
/// strings, arrays, maps and the simple values `false`, `true` and `null`.
///
/// Negative integers keep CBOR's own form: `.negative(n)` is the integer `-1 - n`, so the whole
/// range of major type 1 is representable without overflow. Map entries keep the order they
/// were read in; ``CBORDecoder`` rejects a map with a repeated key.
public indirect enum CBORValue: Sendable, Hashable {
    case unsigned(UInt64)
    /// The integer `-1 - n`.
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBORValue])
    case map([CBORMapEntry])
    case bool(Bool)
    case null

    /// An integer value, when this is an integer that fits in `Int`.
    public var intValue: Int? {
        switch self {
        case .unsigned(let value): return value <= UInt64(Int.max) ? Int(value) : nil
        case .negative(let value): return value <= UInt64(Int.max) ? -1 - Int(value) : nil
        default: return nil
        }
    }

    /// The integer `value` as a CBOR item.
    public static func int(_ value: Int) -> CBORValue {
        value >= 0 ? .unsigned(UInt64(value)) : .negative(UInt64(-1 - value))
    }

    public var bytesValue: [UInt8]? {
        if case .bytes(let bytes) = self { return bytes }
        return nil
    }

    public var textValue: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    public var arrayValue: [CBORValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var mapValue: [CBORMapEntry]? {
        if case .map(let entries) = self { return entries }
        return nil
    }

    /// The value under `key` when this is a map.
    public subscript(key: CBORValue) -> CBORValue? {
        mapValue?.first { $0.key == key }?.value
    }

    /// The value under the integer key `key` when this is a map (COSE labels are integers).
    public subscript(int key: Int) -> CBORValue? { self[.int(key)] }

    /// The value under the text key `key` when this is a map.
    public subscript(text key: String) -> CBORValue? { self[.text(key)] }
}

/// One key and value of a CBOR map.
public struct CBORMapEntry: Sendable, Hashable {
    public var key: CBORValue
    public var value: CBORValue

    public init(_ key: CBORValue, _ value: CBORValue) {
        self.key = key
        self.value = value
    }
}
