extension CBORValue {
    /// This item in CBOR's shortest form, map entries in the order given. For the attestation
    /// objects and COSE keys that tests and tools build; the verifiers only decode.
    public var encoded: [UInt8] {
        var output: [UInt8] = []
        encode(into: &output)
        return output
    }

    private func encode(into output: inout [UInt8]) {
        switch self {
        case .unsigned(let value): Self.head(0, value, into: &output)
        case .negative(let value): Self.head(1, value, into: &output)
        case .bytes(let bytes):
            Self.head(2, UInt64(bytes.count), into: &output)
            output += bytes
        case .text(let text):
            Self.head(3, UInt64(text.utf8.count), into: &output)
            output += text.utf8
        case .array(let items):
            Self.head(4, UInt64(items.count), into: &output)
            for item in items { item.encode(into: &output) }
        case .map(let entries):
            Self.head(5, UInt64(entries.count), into: &output)
            for entry in entries {
                entry.key.encode(into: &output)
                entry.value.encode(into: &output)
            }
        case .bool(let value): output.append(value ? 0xF5 : 0xF4)
        case .null: output.append(0xF6)
        }
    }

    private static func head(_ major: UInt8, _ argument: UInt64, into output: inout [UInt8]) {
        let type = major << 5
        switch argument {
        case 0..<24: output.append(type | UInt8(argument))
        case 24...0xFF: output += [type | 24, UInt8(argument)]
        case 0x100...0xFFFF: output.append(type | 25); appendBigEndian(argument, bytes: 2, into: &output)
        case 0x10000...0xFFFF_FFFF: output.append(type | 26); appendBigEndian(argument, bytes: 4, into: &output)
        default: output.append(type | 27); appendBigEndian(argument, bytes: 8, into: &output)
        }
    }

    private static func appendBigEndian(_ value: UInt64, bytes: Int, into output: inout [UInt8]) {
        for shift in stride(from: (bytes - 1) * 8, through: 0, by: -8) { output.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}
