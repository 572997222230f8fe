/// The credential an authenticator created, as registration's authenticator data carries it
/// (WebAuthn Level 3 section 6.5.1).
public struct AttestedCredentialData: Sendable {
    /// The authenticator model's AAGUID (16 bytes; all zero under `none` attestation).
    public let aaguid: [UInt8]
    /// The credential id, at most 1023 bytes.
    public let credentialID: [UInt8]
    /// The credential public key; its ``COSEKey/bytes`` are the encoding received.
    public let publicKey: COSEKey

    /// The longest credential id WebAuthn allows.
    public static let maximumCredentialIDLength = 1023
}
