/// A total decoder of definite-length CBOR (RFC 8949) for WebAuthn's attestation objects,
/// authenticator data extensions and COSE keys.
///
/// Every malformed input is a thrown ``CBORError``. A declared length or count is checked
/// against the bytes that remain before anything is allocated for it (each array item or map
/// entry takes at least one byte), nesting is bounded by ``maximumDepth`` and the total number
/// of items by ``maximumItems``, so hostile input costs time and memory in proportion to its
/// size. Indefinite lengths, tags, floats and simple values other than `false`, `true` and
/// `null` are rejected: authenticators emit CTAP2 canonical CBOR, which has none of them.
/// A map may not repeat a key, so a COSE key has one meaning; longer-than-needed heads and
/// unsorted keys are accepted, since a COSE key is stored as the bytes received, never
/// re-encoded or compared by its encoding.
public struct CBORDecoder: Sendable {
    public var maximumDepth: Int
    public var maximumItems: Int

    public init(maximumDepth: Int = 16, maximumItems: Int = 4096) {
        self.maximumDepth = maximumDepth
        self.maximumItems = maximumItems
    }

    /// The one item that makes up all of `bytes`.
    public func decode(_ bytes: [UInt8]) throws(CBORError) -> CBORValue {
        let (value, length) = try decodePrefix(bytes[...])
        guard length == bytes.count else { throw .trailingBytes(count: bytes.count - length) }
        return value
    }

    /// The item at the start of `bytes` and how many bytes it takes: for structures where CBOR
    /// is followed by more data (authenticator data's credential key and extensions).
    public func decodePrefix(_ bytes: ArraySlice<UInt8>) throws(CBORError) -> (value: CBORValue, length: Int) {
        var reader = Reader(bytes: bytes, maximumDepth: maximumDepth, maximumItems: maximumItems)
        let value = try reader.item(depth: 0)
        return (value, reader.position - bytes.startIndex)
    }
}

extension CBORDecoder {
    fileprivate struct Reader {
        let bytes: ArraySlice<UInt8>
        var position: Int
        let maximumDepth: Int
        let maximumItems: Int
        var items = 0

        init(bytes: ArraySlice<UInt8>, maximumDepth: Int, maximumItems: Int) {
            self.bytes = bytes
            self.position = bytes.startIndex
            self.maximumDepth = maximumDepth
            self.maximumItems = maximumItems
        }

        var remaining: Int { bytes.endIndex - position }

        mutating func byte() throws(CBORError) -> UInt8 {
            guard position < bytes.endIndex else { throw .truncated }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func take(_ count: UInt64) throws(CBORError) -> ArraySlice<UInt8> {
            guard count <= UInt64(remaining) else { throw .truncated }
            let end = position + Int(count)
            defer { position = end }
            return bytes[position..<end]
        }

        /// The argument of a head whose additional information is `info`.
        mutating func argument(_ info: UInt8) throws(CBORError) -> UInt64 {
            switch info {
            case 0..<24: return UInt64(info)
            case 24...27:
                var value: UInt64 = 0
                for byte in try take(1 << UInt64(info - 24)) { value = value << 8 | UInt64(byte) }
                return value
            case 31: throw .indefiniteLength
            default: throw .reservedAdditionalInfo(info)
            }
        }

        mutating func item(depth: Int) throws(CBORError) -> CBORValue {
            guard depth <= maximumDepth else { throw .tooDeep(limit: maximumDepth) }
            items += 1
            guard items <= maximumItems else { throw .tooManyItems(limit: maximumItems) }
            let head = try byte()
            let major = head >> 5
            let info = head & 0x1F
            if major == 7 { return try simple(info) }
            let argument = try argument(info)
            switch major {
            case 0: return .unsigned(argument)
            case 1: return .negative(argument)
            case 2: return .bytes(Array(try take(argument)))
            case 3:
                guard let text = String(validating: try take(argument), as: UTF8.self) else { throw .invalidUTF8 }
                return .text(text)
            case 4:
                guard argument <= UInt64(remaining) else { throw .truncated }
                var result: [CBORValue] = []
                result.reserveCapacity(Int(argument))
                for _ in 0..<argument { result.append(try item(depth: depth + 1)) }
                return .array(result)
            case 5:
                guard argument <= UInt64(remaining / 2) else { throw .truncated }
                var result: [CBORMapEntry] = []
                result.reserveCapacity(Int(argument))
                // A set, so that a map of many long, nearly equal keys costs linear time.
                var keys = Set<CBORValue>()
                for _ in 0..<argument {
                    let key = try item(depth: depth + 1)
                    let value = try item(depth: depth + 1)
                    guard keys.insert(key).inserted else { throw .duplicateMapKey }
                    result.append(CBORMapEntry(key, value))
                }
                return .map(result)
            default:
                throw .tagNotSupported(argument)
            }
        }

        mutating func simple(_ info: UInt8) throws(CBORError) -> CBORValue {
            switch info {
            case 20: return .bool(false)
            case 21: return .bool(true)
            case 22: return .null
            case 31: throw .indefiniteLength
            case 24: throw .simpleValueNotSupported(try byte())
            default: throw .simpleValueNotSupported(info)
            }
        }
    }
}
