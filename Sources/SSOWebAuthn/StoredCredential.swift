/// What the server stored of a credential, handed back to
/// `WebAuthnVerifier.verifyAssertion` at each sign-in.
public struct StoredCredential: Sendable {
    public var credentialID: [UInt8]
    /// The COSE_Key bytes from ``RegisteredCredential/publicKey``.
    public var publicKey: [UInt8]
    /// The last sign count stored (registration's, then each assertion's).
    public var signCount: UInt32
    /// BE as registered.
    public var backupEligible: Bool
    /// The WebAuthn user handle (user.id) of the credential's owner.
    public var userHandle: [UInt8]

    public init(credentialID: [UInt8], publicKey: [UInt8], signCount: UInt32, backupEligible: Bool, userHandle: [UInt8]) {
        self.credentialID = credentialID
        self.publicKey = publicKey
        self.signCount = signCount
        self.backupEligible = backupEligible
        self.userHandle = userHandle
    }
}
