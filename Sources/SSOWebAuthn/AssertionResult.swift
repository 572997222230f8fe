/// A verified assertion: what the server updates on the stored credential and records.
public struct AssertionResult: Sendable, Equatable {
    public let credentialID: [UInt8]
    /// The authenticator's counter now: store it.
    public let signCount: UInt32
    public let flags: AuthenticatorFlags
    public let userVerified: Bool
    /// BS now (a credential may become backed up later): store it.
    public let backupState: Bool
    /// The counter did not increase although one of the two is non-zero; only ever true under
    /// ``SignCountPolicy/report``. Record it as a security event.
    public let signCountRegressed: Bool
}

/// What an assertion whose signature counter did not increase leads to.
public enum SignCountPolicy: Sendable {
    /// Fail with ``WebAuthnError/signCountRegression(stored:received:)`` (the default).
    case reject
    /// Succeed with ``AssertionResult/signCountRegressed`` set, for a server that records the
    /// event and lets the sign-in proceed (WebAuthn leaves the choice to the relying party).
    case report
}
