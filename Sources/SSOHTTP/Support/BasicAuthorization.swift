import Foundation
import SSOCore

/// Parses `Authorization: Basic` client credentials (RFC 6749 section 2.3.1): base64 of
/// `client_id:client_secret`, each of them form-urlencoded before joining.
enum BasicAuthorization {
    enum Result {
        case absent
        case credentials(BasicCredentials)
        case malformed
    }

    static func parse(_ header: String?) -> Result {
        guard let header else { return .absent }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic" else { return .absent }
        guard let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8),
            let colon = text.firstIndex(of: ":")
        else { return .malformed }
        let id = FormDecoding.decode(text[..<colon])
        let secret = FormDecoding.decode(text[text.index(after: colon)...])
        guard !id.isEmpty else { return .malformed }
        return .credentials(BasicCredentials(clientID: id, secret: secret))
    }
}
