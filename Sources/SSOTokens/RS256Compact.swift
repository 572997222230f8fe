import SSOCore

/// RS256 compact JWS for one signing key, signed by the system's libcrypto (`LibcryptoRSAKey`):
/// the ID tokens of clients registered with the defaults, and their logout tokens. Everything
/// that is the same for every token of the key is done once, when the key is loaded: the key is
/// parsed, and the protected header `{"alg":"RS256","kid":…,"typ":…}` of each token type is
/// encoded to base64url. A token then costs its payload's base64url and one signature. jwt-kit
/// still verifies these tokens (`verifyIDToken`), and the tests check that it accepts them.
struct RS256Compact: Sendable {
    let kid: String
    private let key: LibcryptoRSAKey
    /// The encoded header and its `.` by `typ`, for the types the server signs.
    private let headers: [String: [UInt8]]

    /// The header types signed with RS256: ID tokens and back-channel logout tokens.
    static let types = ["JWT", "logout+jwt"]

    init(pem: String, kid: String) throws(LibcryptoError) {
        self.kid = kid
        key = try LibcryptoRSAKey(pem: pem)
        headers = Dictionary(uniqueKeysWithValues: Self.types.map { ($0, Self.header(kid: kid, typ: $0)) })
    }

    /// The backend that signs: the library's name and version.
    var backend: String { LibcryptoRSAKey.version }

    /// Signs `payload`, a JSON object's bytes (`JSONObjectWriter`), under the header of `typ`.
    func sign(payload: [UInt8], typ: String) throws(LibcryptoError) -> String {
        var input = headers[typ] ?? Self.header(kid: kid, typ: typ)
        input.append(contentsOf: Base64URL.encode(payload).utf8)
        let signature = try key.sign(input)
        return String(decoding: input, as: UTF8.self) + "." + Base64URL.encode(signature)
    }

    /// The signature alone, over any signing input: for comparing with other RS256 signers.
    func signature(for input: [UInt8]) throws(LibcryptoError) -> [UInt8] { try key.sign(input) }

    /// `base64url(header) + "."`, members in the order of `ES256Compact`'s header.
    private static func header(kid: String, typ: String) -> [UInt8] {
        var header = JSONObjectWriter(capacity: 96)
        header.add("alg", "RS256")
        header.add("kid", kid)
        header.add("typ", typ)
        return Array((Base64URL.encode(header.finish()) + ".").utf8)
    }
}
