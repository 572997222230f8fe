import Crypto
import Foundation
import SSOCore

/// ES256 compact JWS signed and verified with swift-crypto directly. jwt-kit's key collection is
/// an actor: every signature and verification of every request queued on it, one at a time,
/// with two thread hops each. ES256 is the token path's algorithm (every access token, and the
/// ID tokens of clients that registered it), so it skips the actor; the other algorithms, rarer,
/// stay with jwt-kit. The bytes are the same JWS either way, and each side verifies the other's.
enum ES256Compact {
    /// The protected header, as a JSON object with keys in a fixed order.
    struct Header: Codable {
        var alg: String
        var kid: String?
        var typ: String?
    }

    static func sign<Claims: Encodable>(_ claims: Claims, key: P256.Signing.PrivateKey, kid: String, typ: String)
        throws -> String
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let header = Base64URL.encode(try encoder.encode(Header(alg: "ES256", kid: kid, typ: typ)))
        let payload = Base64URL.encode(try encoder.encode(claims))
        let input = header + "." + payload
        let signature = try key.signature(for: Data(input.utf8))
        return input + "." + Base64URL.encode(signature.rawRepresentation)
    }

    /// The header of a compact JWS with three parts, if it decodes.
    static func header(of token: String) -> Header? {
        guard let end = token.firstIndex(of: "."), let data = Base64URL.decode(String(token[..<end])) else { return nil }
        return try? JSONDecoder().decode(Header.self, from: data)
    }

    /// The claims of `token` if `key` signed it.
    static func verify<Claims: Decodable>(_ token: String, as type: Claims.Type, key: P256.Signing.PublicKey) -> Claims? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let signatureBytes = Base64URL.decode(String(parts[2])),
            let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes),
            let payload = Base64URL.decode(String(parts[1]))
        else { return nil }
        let input = token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count)
        guard key.isValidSignature(signature, for: Data(input)) else { return nil }
        return try? JSONDecoder().decode(type, from: payload)
    }
}
