import Crypto
import Foundation
import HTTPTypes
import SSOCore
import SSOPasskeys
import SSOServerTesting
import SSOWebAuthn

/// A software passkey for the end-to-end tests: a P-256 credential that answers the server's
/// creation and request options the way a platform authenticator and its browser would
/// (`none` attestation, client data of the given origin, a counter it advances).
final class SoftwarePasskey: @unchecked Sendable {
    let key = P256.Signing.PrivateKey()
    let credentialID: [UInt8] = (0..<16).map { _ in UInt8.random(in: 0...255) }
    /// Synced (backup eligible and backed up) or bound to the device.
    let synced: Bool
    let origin: String
    var signCount: UInt32 = 0
    var userHandle: [UInt8] = []

    init(synced: Bool = false, origin: String = Harness.issuer) {
        self.synced = synced
        self.origin = origin
    }

    var id: String { Base64URL.encode(credentialID) }

    private var coseKey: CBORValue {
        let point = Array(key.publicKey.x963Representation)
        return .map([
            CBORMapEntry(.int(1), .int(2)), CBORMapEntry(.int(3), .int(-7)), CBORMapEntry(.int(-1), .int(1)),
            CBORMapEntry(.int(-2), .bytes(Array(point[1..<33]))), CBORMapEntry(.int(-3), .bytes(Array(point[33..<65]))),
        ])
    }

    private func authenticatorData(rpID: String, attested: Bool) -> [UInt8] {
        var flags: AuthenticatorFlags = [.userPresent, .userVerified]
        if synced { flags.formUnion([.backupEligible, .backupState]) }
        if attested { flags.insert(.attestedCredentialData) }
        var bytes = Array(SHA256.hash(data: Array(rpID.utf8)))
        bytes.append(flags.rawValue)
        bytes += withUnsafeBytes(of: signCount.bigEndian, Array.init)
        if attested {
            bytes += [UInt8](repeating: 0, count: 16)
            bytes += [UInt8(credentialID.count >> 8), UInt8(credentialID.count & 0xFF)]
            bytes += credentialID
            bytes += coseKey.encoded
        }
        return bytes
    }

    private func clientData(_ type: String, challenge: String) -> [UInt8] {
        Array(#"{"type":"\#(type)","challenge":"\#(challenge)","origin":"\#(origin)","crossOrigin":false}"#.utf8)
    }

    /// `navigator.credentials.create()` for the server's creation options (JSON).
    func create(_ options: [String: Any]) throws -> CredentialJSON {
        guard let challenge = options["challenge"] as? String, let rp = options["rp"] as? [String: Any],
            let rpID = rp["id"] as? String, let user = options["user"] as? [String: Any], let handle = user["id"] as? String
        else { throw FlowError("not creation options: \(options)") }
        userHandle = Array(Base64URL.decode(handle) ?? Data())
        let authData = authenticatorData(rpID: rpID, attested: true)
        let attestation = CBORValue.map([
            CBORMapEntry(.text("fmt"), .text("none")), CBORMapEntry(.text("attStmt"), .map([])),
            CBORMapEntry(.text("authData"), .bytes(authData)),
        ]).encoded
        return CredentialJSON(id: id, response: .init(
            clientDataJSON: Base64URL.encode(clientData("webauthn.create", challenge: challenge)),
            attestationObject: Base64URL.encode(attestation), transports: ["internal"]))
    }

    /// `navigator.credentials.get()` for the server's request options (JSON); the counter
    /// advances first unless `advance` is false (a cloned authenticator).
    func get(_ options: [String: Any], advance: Bool = true) throws -> CredentialJSON {
        guard let challenge = options["challenge"] as? String, let rpID = options["rpId"] as? String else {
            throw FlowError("not request options: \(options)")
        }
        if advance { signCount += 1 }
        let authData = authenticatorData(rpID: rpID, attested: false)
        let clientDataJSON = clientData("webauthn.get", challenge: challenge)
        let signature = try key.signature(for: authData + SHA256.hash(data: clientDataJSON)).derRepresentation
        return CredentialJSON(id: id, response: .init(
            clientDataJSON: Base64URL.encode(clientDataJSON), authenticatorData: Base64URL.encode(authData),
            signature: Base64URL.encode(signature), userHandle: Base64URL.encode(userHandle)))
    }
}

extension Browser {
    /// A JSON call from the server's own page, with its CSRF token.
    func call(_ uri: String, _ body: [String: Any]) async throws -> Page {
        try await call(uri, json: String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self))
    }

    func call(_ uri: String, json: String) async throws -> Page {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return try await send(uri, method: .post, headers: headers, body: json)
    }

    /// The browser's binding cookie, which the pages carry as their CSRF token.
    var csrf: String { cookies["sso_csrf"] ?? "" }
}

/// A credential as a JSON object for a call's body.
func jsonObject(_ credential: CredentialJSON) throws -> Any {
    try JSONSerialization.jsonObject(with: try JSONEncoder().encode(credential))
}
