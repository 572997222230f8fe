/// The media type of a `Content-Type` header: lower-cased, without parameters or spaces
/// (RFC 9110 section 8.3.1), read on the bytes.
public enum MediaType {
    public static func of(_ header: String) -> String {
        let bytes = header.utf8
        let end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
        let type = bytes[bytes.startIndex..<end].filter { !AuthorizationHeader.isBlank($0) }
        return String(decoding: type.map(AuthorizationHeader.lowercase), as: UTF8.self)
    }
}
