import Foundation

/// Parses `Authorization: Basic` client credentials (RFC 6749 section 2.3.1): base64 of
/// `client_id:client_secret`, each of them form-urlencoded before joining.
public enum BasicAuthorization {
    public enum Result: Sendable, Equatable {
        case absent
        case credentials(BasicCredentials)
        case malformed
    }

    public static func parse(_ header: String?) -> Result {
        guard let header else { return .absent }
        guard let authorization = AuthorizationHeader(header), authorization.isScheme("basic") else { return .absent }
        guard let data = Data(base64Encoded: String(authorization.credentials)),
            let text = String(data: data, encoding: .utf8),
            let colon = text.firstIndex(of: ":")
        else { return .malformed }
        let id = FormDecoding.decode(text[..<colon])
        let secret = FormDecoding.decode(text[text.index(after: colon)...])
        guard !id.isEmpty else { return .malformed }
        return .credentials(BasicCredentials(clientID: id, secret: secret))
    }
}
