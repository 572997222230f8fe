import X509

/// How registration treats attestation statements.
public struct AttestationOptions: Sendable {
    /// Trust roots for `packed` full attestation. Empty: the chain is not checked and the
    /// result is ``AttestationType/basicUntrusted``. Given: the `x5c` chain must lead to one
    /// of them (RFC 5280 path validation at the current time) or registration fails.
    public var trustRoots: [Certificate]
    /// Whether a format other than `none` and `packed` is registered as if it were `none`
    /// (its statement unchecked, ``AttestationType/none``), rather than refused with
    /// ``WebAuthnError/unsupportedAttestationFormat(_:)``. Off by default.
    public var treatUnsupportedFormatsAsNone: Bool

    public init(trustRoots: [Certificate] = [], treatUnsupportedFormatsAsNone: Bool = false) {
        self.trustRoots = trustRoots
        self.treatUnsupportedFormatsAsNone = treatUnsupportedFormatsAsNone
    }
}
