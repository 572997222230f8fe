/// Why a byte string is not a CBOR item ``CBORDecoder`` accepts. Every malformed input ends in
/// one of these; none of them is a crash or a large allocation.
public enum CBORError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input ended inside an item, or an item declared more content than the input holds.
    case truncated
    /// Bytes follow the item where the whole input had to be one item.
    case trailingBytes(count: Int)
    /// Additional information 28–30, reserved by RFC 8949.
    case reservedAdditionalInfo(UInt8)
    /// An indefinite-length string, array or map, or a stray "break" byte.
    case indefiniteLength
    /// A tagged item (major type 6): WebAuthn's structures carry none.
    case tagNotSupported(UInt64)
    /// A float, `undefined` or an unassigned simple value.
    case simpleValueNotSupported(UInt8)
    /// Nested deeper than the decoder's limit.
    case tooDeep(limit: Int)
    /// More items in total than the decoder's limit.
    case tooManyItems(limit: Int)
    /// A text string that is not UTF-8.
    case invalidUTF8
    /// A map with the same key twice.
    case duplicateMapKey

    public var description: String {
        switch self {
        case .truncated: return "CBOR input ends inside an item or declares more content than it holds"
        case .trailingBytes(let count): return "CBOR input has \(count) bytes after its item"
        case .reservedAdditionalInfo(let info): return "CBOR item uses reserved additional information \(info)"
        case .indefiniteLength: return "CBOR indefinite-length items are not accepted"
        case .tagNotSupported(let tag): return "CBOR tag \(tag) is not accepted"
        case .simpleValueNotSupported(let value): return "CBOR simple value or float \(value) is not accepted"
        case .tooDeep(let limit): return "CBOR item nests deeper than \(limit) levels"
        case .tooManyItems(let limit): return "CBOR input holds more than \(limit) items"
        case .invalidUTF8: return "CBOR text string is not UTF-8"
        case .duplicateMapKey: return "CBOR map repeats a key"
        }
    }
}
