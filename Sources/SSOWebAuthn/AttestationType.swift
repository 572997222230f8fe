/// What an attestation statement proved about the authenticator (WebAuthn Level 3 section
/// 6.5.3), as far as this verifier could establish it.
public enum AttestationType: Sendable, Hashable {
    /// No attestation (`none`, or an unsupported format the options treat as `none`).
    case none
    /// Self attestation: signed by the credential key itself; proves nothing of the model.
    case selfAttestation
    /// Basic attestation whose certificate meets WebAuthn's requirements and whose signature
    /// verifies, but with no trust roots given, so its chain was not checked.
    case basicUntrusted
    /// Basic attestation whose chain leads to one of the given trust roots.
    case basicTrusted
}
