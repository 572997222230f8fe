/// An `Authorization` header split into its scheme and credentials (RFC 9110 section 11.6.2),
/// on the header's UTF-8 bytes.
///
/// Every resource and token request parses one; Foundation's `trimmingCharacters(in:)` went
/// through NSString and UTF-16 for a 600-byte JWT and was a tenth of a userinfo request.
public struct AuthorizationHeader: Sendable, Equatable {
    /// The scheme as sent (compare with `isScheme`, which ignores case as RFC 9110 says).
    public let scheme: Substring
    /// The credentials with surrounding spaces and tabs removed; may be empty.
    public let credentials: Substring

    /// `nil` when the header has no space after the scheme.
    public init?(_ header: String) {
        let bytes = header.utf8
        guard let space = bytes.firstIndex(where: Self.isBlank), space != bytes.startIndex else { return nil }
        var start = space
        var end = bytes.endIndex
        while start < end, Self.isBlank(bytes[start]) { start = bytes.index(after: start) }
        while end > start, Self.isBlank(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        scheme = header[header.startIndex..<space]
        credentials = header[start..<end]
    }

    /// Whether the scheme is `name`, ignoring ASCII case.
    public func isScheme(_ name: String) -> Bool {
        scheme.utf8.count == name.utf8.count
            && zip(scheme.utf8, name.utf8).allSatisfy { Self.lowercase($0) == Self.lowercase($1) }
    }

    static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
    static func lowercase(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
}
