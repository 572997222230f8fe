/// The attestation object of a registration (WebAuthn Level 3 section 6.5.4): the attestation
/// statement's format and contents, and the authenticator data.
public struct AttestationObject: Sendable {
    public let format: String
    /// The statement, a CBOR map whose members depend on ``format``.
    public let statement: CBORValue
    public let authenticatorData: AuthenticatorData

    public init(bytes: [UInt8]) throws(WebAuthnError) {
        let value: CBORValue
        do { value = try CBORDecoder().decode(bytes) } catch { throw .malformedCBOR(error) }
        guard value.mapValue != nil else { throw .malformedAttestationObject("not a CBOR map") }
        guard let format = value[text: "fmt"]?.textValue else { throw .malformedAttestationObject("no text fmt") }
        guard let statement = value[text: "attStmt"], statement.mapValue != nil else {
            throw .malformedAttestationObject("no attStmt map")
        }
        guard let authData = value[text: "authData"]?.bytesValue else { throw .malformedAttestationObject("no authData bytes") }
        self.format = format
        self.statement = statement
        self.authenticatorData = try AuthenticatorData(bytes: authData)
    }
}
