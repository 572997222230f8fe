import Crypto
import Foundation
import SSOCore

/// ES256 compact JWS signed and verified with swift-crypto directly. jwt-kit's key collection is
/// an actor: every signature and verification of every request queued on it, one at a time,
/// with two thread hops each. ES256 is the token path's algorithm (every access token, and the
/// ID tokens of clients that registered it), so it skips the actor; RS256 skips it too
/// (`RS256Compact`), and EdDSA, rarer, stays with jwt-kit. The bytes are the same JWS either way, and each side verifies the other's.
///
/// Replaces: jwt-kit's `JWTKeyCollection` for ES256 signing and verification.
/// Measured: every token request queued on the collection's actor, one signature at a time with
/// two thread hops each, on the path of every access token.
/// Can go: when jwt-kit signs and verifies off an actor (a `Sendable` key collection or signer
/// usable concurrently); the tests that check each side verifies the other's stay.
enum ES256Compact {
    /// The protected header, as a JSON object with keys in a fixed order.
    struct Header: Codable {
        var alg: String
        var kid: String?
        var typ: String?
    }

    /// Signs `payload`, a JSON object's bytes (`JSONObjectWriter`), under the header
    /// `{"alg":"ES256","kid":…,"typ":…}`.
    static func sign(payload: [UInt8], key: P256.Signing.PrivateKey, kid: String, typ: String) throws -> String {
        var header = JSONObjectWriter(capacity: 96)
        header.add("alg", "ES256")
        header.add("kid", kid)
        header.add("typ", typ)
        let input = Base64URL.encode(header.finish()) + "." + Base64URL.encode(payload)
        let signature = try key.signature(for: Data(input.utf8))
        return input + "." + Base64URL.encode(signature.rawRepresentation)
    }

    /// The protected header of a compact JWS of any algorithm, if it decodes.
    static func header(of token: String) -> Header? {
        guard let end = token.firstIndex(of: "."), let data = Base64URL.decode(String(token[..<end])) else { return nil }
        return try? JSONDecoder().decode(Header.self, from: data)
    }

    /// The claims of `token` if `key` signed it. Works on the token's bytes once: the signing
    /// input is hashed in place, without copies.
    static func verify<Claims: Decodable>(_ token: String, as type: Claims.Type, key: P256.Signing.PublicKey) -> Claims? {
        let bytes = Array(token.utf8)
        guard let first = bytes.firstIndex(of: UInt8(ascii: ".")),
            let second = bytes[(first + 1)...].firstIndex(of: UInt8(ascii: ".")),
            !bytes[(second + 1)...].contains(UInt8(ascii: ".")),
            let signatureBytes = Base64URL.decode(String(decoding: bytes[(second + 1)...], as: UTF8.self)),
            let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes),
            key.isValidSignature(signature, for: bytes[..<second]),
            let payload = Base64URL.decode(String(decoding: bytes[(first + 1)..<second], as: UTF8.self))
        else { return nil }
        return try? JSONDecoder().decode(type, from: payload)
    }
}
