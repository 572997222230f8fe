/// A credential a verified registration created: what the server stores for the user, and
/// passes back as ``StoredCredential`` at each assertion.
public struct RegisteredCredential: Sendable {
    public let credentialID: [UInt8]
    /// The COSE_Key as the authenticator encoded it.
    public let publicKey: [UInt8]
    public let algorithm: COSEAlgorithm
    public let signCount: UInt32
    /// The authenticator model (16 bytes; zero under `none` attestation, unverified under self
    /// attestation).
    public let aaguid: [UInt8]
    public let userVerified: Bool
    /// BE: fixed for the credential's life; assertions are checked against it.
    public let backupEligible: Bool
    /// BS at registration: whether the credential is backed up (a synced passkey).
    public let backupState: Bool
    /// The statement's `fmt` as received.
    public let attestationFormat: String
    public let attestationType: AttestationType
    /// The attestation certificates (leaf first) of a `packed` statement with `x5c`, DER.
    public let attestationCertificates: [[UInt8]]
    /// The transports the browser reported (`getTransports()`), passed through as given.
    public let transports: [String]
}
