import SSOWebAuthn
import Testing

@Suite("CBOR")
struct CBORTests {
    static func hex(_ string: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = string.startIndex
        while index < string.endIndex {
            let next = string.index(index, offsetBy: 2)
            bytes.append(UInt8(string[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    /// RFC 8949 appendix A, the items WebAuthn's subset holds.
    static let vectors: [(String, CBORValue)] = [
        ("00", .unsigned(0)), ("01", .unsigned(1)), ("0a", .unsigned(10)), ("17", .unsigned(23)), ("1818", .unsigned(24)),
        ("1864", .unsigned(100)), ("1903e8", .unsigned(1000)), ("1a000f4240", .unsigned(1_000_000)),
        ("1bffffffffffffffff", .unsigned(.max)), ("20", .int(-1)), ("29", .int(-10)), ("3863", .int(-100)),
        ("3903e7", .int(-1000)), ("3bffffffffffffffff", .negative(.max)), ("40", .bytes([])),
        ("4401020304", .bytes([1, 2, 3, 4])), ("60", .text("")), ("6161", .text("a")), ("6449455446", .text("IETF")),
        ("62c3bc", .text("ü")), ("80", .array([])), ("83010203", .array([.int(1), .int(2), .int(3)])),
        ("8301820203820405", .array([.int(1), .array([.int(2), .int(3)]), .array([.int(4), .int(5)])])),
        ("a0", .map([])), ("a201020304", .map([CBORMapEntry(.int(1), .int(2)), CBORMapEntry(.int(3), .int(4))])),
        ("a26161016162820203", .map([CBORMapEntry(.text("a"), .int(1)), CBORMapEntry(.text("b"), .array([.int(2), .int(3)]))])),
        ("f4", .bool(false)), ("f5", .bool(true)), ("f6", .null),
    ]

    @Test("RFC 8949 appendix A items decode, and encode back to the same bytes")
    func vectors() throws {
        for (hex, value) in Self.vectors {
            #expect(try CBORDecoder().decode(Self.hex(hex)) == value, "\(hex)")
            #expect(value.encoded == Self.hex(hex), "\(hex)")
        }
    }

    @Test("integers beyond Int have no intValue; -1 - n is kept whole")
    func integerRange() throws {
        #expect(CBORValue.unsigned(.max).intValue == nil)
        #expect(CBORValue.negative(.max).intValue == nil)
        #expect(CBORValue.negative(UInt64(Int.max)).intValue == Int.min)
        #expect(try CBORDecoder().decode(Self.hex("390100")).intValue == -257)
    }

    static let rejections: [(String, CBORError)] = [
        ("", .truncated), ("19", .truncated), ("1901", .truncated), ("4201", .truncated), ("820102ff", .trailingBytes(count: 1)),
        ("8201", .truncated), ("a1", .truncated), ("a101", .truncated), ("0000", .trailingBytes(count: 1)),
        ("5f4101ff", .indefiniteLength), ("9fff", .indefiniteLength), ("bfff", .indefiniteLength), ("ff", .indefiniteLength),
        ("c074323031332d30332d32315432303a30343a30305a", .tagNotSupported(0)), ("d818456449455446", .tagNotSupported(24)),
        ("f97e00", .simpleValueNotSupported(25)), ("fb3ff199999999999a", .simpleValueNotSupported(27)),
        ("f7", .simpleValueNotSupported(23)), ("f0", .simpleValueNotSupported(16)), ("f8ff", .simpleValueNotSupported(255)),
        ("1c", .reservedAdditionalInfo(28)), ("5d", .reservedAdditionalInfo(29)), ("7e", .reservedAdditionalInfo(30)),
        ("62fffe", .invalidUTF8), ("a201020103", .duplicateMapKey),
        // Declared lengths far beyond the input fail before anything is allocated for them.
        ("5bffffffffffffffff", .truncated), ("7b7fffffffffffffff", .truncated), ("9bffffffffffffffff", .truncated),
        ("bbffffffffffffffff", .truncated), ("9a7fffffff00", .truncated), ("a2010203", .truncated),
    ]

    @Test("malformed, indefinite, tagged, float, duplicate-key and oversized inputs are errors")
    func rejections() {
        for (hex, error) in Self.rejections {
            #expect(throws: error, "\(hex)") { try CBORDecoder().decode(Self.hex(hex)) }
        }
    }

    @Test("nesting and item count are bounded")
    func limits() throws {
        let deep = Array(repeating: UInt8(0x81), count: 17) + [0x00]
        #expect(throws: CBORError.tooDeep(limit: 16)) { try CBORDecoder().decode(deep) }
        #expect(try CBORDecoder().decode(Array(deep.dropFirst())) != .null)
        let wide = [0x98, 0x20] + Array(repeating: UInt8(0x00), count: 32)
        #expect(throws: CBORError.tooManyItems(limit: 10)) { try CBORDecoder(maximumItems: 10).decode(wide) }
        #expect(try CBORDecoder().decode(wide).arrayValue?.count == 32)
    }

    @Test("a map of the most keys the limits allow, long and alike, decodes quickly; one repeated key fails")
    func manyKeys() throws {
        let keys = (0..<2000).map { index in CBORValue.bytes(Array(repeating: 0xAB, count: 200) + [UInt8(index >> 8), UInt8(index & 0xFF)]) }
        let map = CBORValue.map(keys.map { CBORMapEntry($0, .null) })
        let clock = ContinuousClock()
        let encoded = map.encoded
        var decoded: CBORValue?
        let elapsed = clock.measure { decoded = try? CBORDecoder().decode(encoded) }
        #expect(decoded == map)
        #expect(elapsed < .seconds(2))
        let repeated = CBORValue.map(keys.map { CBORMapEntry($0, .null) } + [CBORMapEntry(keys[1234], .null)])
        #expect(throws: CBORError.duplicateMapKey) { try CBORDecoder().decode(repeated.encoded) }
    }

    @Test("a prefix decode says where the item ends")
    func prefix() throws {
        let (value, length) = try CBORDecoder().decodePrefix(Self.hex("a1616101ffee")[...])
        #expect(value[text: "a"] == .int(1))
        #expect(length == 4)
        let slice = Self.hex("00a1616101")[1...]
        #expect(try CBORDecoder().decodePrefix(slice).length == 4)
    }
}
