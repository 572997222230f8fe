import Crypto

/// Verification of WebAuthn Level 3 ceremonies for one relying party: registration
/// (section 7.1) and authentication assertions (section 7.2). Pure values in, a verified value
/// or a ``WebAuthnError`` out; no HTTP, no storage.
///
/// What is verified: clientDataJSON's type, challenge (constant time), origin against an exact
/// set, and cross-origin framing (refused unless ``RelyingParty/topOrigins`` allows it); the
/// authenticator data's RP ID hash, user presence (waivable only for a conditional-mediation
/// creation), user verification when required, and its whole structure; the credential key
/// (ES256, EdDSA on Ed25519, RS256) and, for assertions, the signature, the backup eligibility
/// flag against the registered one and the signature counter; attestation `none` and `packed`
/// (self, and full with `x5c` checked against section 8.2.1 and, when roots are given, chained
/// to them).
///
/// What the caller must do:
/// - Issue a fresh ``WebAuthnChallenge`` per ceremony, keep it server-side bound to the
///   session, and discard it after one verification attempt, successful or not.
/// - At registration, refuse a credential id already registered (step 26) and store the
///   ``RegisteredCredential``; at assertion, look the credential up by the id the browser sent
///   and, when the user was identified beforehand, check that it belongs to that user
///   (allowCredentials, step 5).
/// - After a verified assertion, store the new sign count and backup state.
/// - Record ``WebAuthnError/signCountRegression(stored:received:)`` (or
///   ``AssertionResult/signCountRegressed`` under ``SignCountPolicy/report``) as a security
///   event: the authenticator may have been cloned.
public struct WebAuthnVerifier: Sendable {
    public var relyingParty: RelyingParty
    public var attestation: AttestationOptions

    public init(relyingParty: RelyingParty, attestation: AttestationOptions = AttestationOptions()) {
        self.relyingParty = relyingParty
        self.attestation = attestation
    }

    /// Verifies a registration (`navigator.credentials.create()`'s response) and returns the
    /// credential to store. Asynchronous only because certificate path validation
    /// (swift-certificates' `Verifier`) is; nothing here waits on I/O.
    /// - Parameters:
    ///   - requireUserPresence: false only for a creation with conditional mediation (an
    ///     automatic passkey upgrade after a password sign-in), where step 14 waives UP.
    ///   - allowedAlgorithms: the algorithms the creation options' `pubKeyCredParams` offered.
    ///   - transports: the response's `getTransports()`, stored as given.
    public func verifyRegistration(
        challenge: WebAuthnChallenge, clientDataJSON: [UInt8], attestationObject: [UInt8],
        requireUserVerification: Bool, requireUserPresence: Bool = true,
        allowedAlgorithms: Set<COSEAlgorithm> = Set(COSEAlgorithm.allCases), transports: [String] = []
    ) async throws(WebAuthnError) -> RegisteredCredential {
        let clientData = try CollectedClientData(json: clientDataJSON)
        try clientData.verify(type: CollectedClientData.registrationType, challenge: challenge.bytes, relyingParty: relyingParty)
        let clientDataHash = Array(SHA256.hash(data: clientDataJSON))
        let object = try AttestationObject(bytes: attestationObject)
        let authData = object.authenticatorData
        try checkCommonFlags(authData, requireUserPresence: requireUserPresence, requireUserVerification: requireUserVerification)
        guard let credential = authData.attestedCredentialData else { throw .attestedCredentialDataMissing }
        guard allowedAlgorithms.contains(credential.publicKey.algorithm) else {
            throw .algorithmNotAllowed(credential.publicKey.algorithm)
        }
        let type: AttestationType
        var certificates: [[UInt8]] = []
        switch object.format {
        case "none":
            guard object.statement.mapValue?.isEmpty == true else {
                throw .malformedAttestationStatement("none: the statement is not empty")
            }
            type = .none
        case "packed":
            let packed = try PackedAttestation(statement: object.statement)
            type = try await packed.verify(authenticatorData: authData, credential: credential, clientDataHash: clientDataHash,
                                           options: attestation)
            certificates = packed.certificates
        default:
            guard attestation.treatUnsupportedFormatsAsNone else { throw .unsupportedAttestationFormat(object.format) }
            type = .none
        }
        return RegisteredCredential(
            credentialID: credential.credentialID, publicKey: credential.publicKey.bytes, algorithm: credential.publicKey.algorithm,
            signCount: authData.signCount, aaguid: credential.aaguid, userVerified: authData.flags.contains(.userVerified),
            backupEligible: authData.flags.contains(.backupEligible), backupState: authData.flags.contains(.backupState),
            attestationFormat: object.format, attestationType: type, attestationCertificates: certificates, transports: transports)
    }

    /// The RP ID hash, UP and (when required) UV checks both ceremonies share.
    func checkCommonFlags(_ authData: AuthenticatorData, requireUserPresence: Bool = true,
                          requireUserVerification: Bool) throws(WebAuthnError) {
        guard ConstantTime.equal(authData.rpIDHash, relyingParty.idHash) else { throw .rpIDHashMismatch }
        if requireUserPresence && !authData.flags.contains(.userPresent) { throw .userNotPresent }
        if requireUserVerification && !authData.flags.contains(.userVerified) { throw .userNotVerified }
    }
}
