/// Builds the redirect back to a client: its registered URI with our parameters appended to any
/// query it already has (RFC 6749 section 3.1.2: that query must be kept).
public enum RedirectURL {
    public static func build(_ base: String, parameters: [(String, String?)]) -> String {
        let query = parameters.compactMap { name, value in value.map { "\(name)=\(percentEncode($0))" } }
            .joined(separator: "&")
        // A redirect URI has no fragment (section 3.1.2); registration refuses them, so none is kept.
        let uri = base.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? base
        guard !query.isEmpty else { return uri }
        let separator = !uri.contains("?") ? "?" : (uri.hasSuffix("?") || uri.hasSuffix("&") ? "" : "&")
        return uri + separator + query
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    public static func percentEncode(_ value: String) -> String {
        var result = ""
        for byte in value.utf8 {
            switch byte {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E:
                result.append(Character(Unicode.Scalar(byte)))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }

    public static func errorRedirect(_ base: String, error: OAuthError, state: String?, issuer: String) -> String {
        build(base, parameters: [
            ("error", error.code.rawValue), ("error_description", error.description), ("state", state), ("iss", issuer),
        ])
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
