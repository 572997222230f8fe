import Crypto

extension WebAuthnVerifier {
    /// Verifies an authentication assertion (`navigator.credentials.get()`'s response) for a
    /// credential the server has stored (WebAuthn Level 3 section 7.2).
    ///
    /// The signature is checked before the counter, so only a genuine signature can report a
    /// regression. The counter regressed when either counter is non-zero and the new one is
    /// not greater than the stored one.
    /// - Parameters:
    ///   - userHandle: the response's `userHandle`; when present it must be the credential's.
    ///   - requireUserHandle: true for a discoverable-credential sign-in where the user was not
    ///     identified before the ceremony (step 6), so the user handle must be present.
    public func verifyAssertion(
        credential: StoredCredential, challenge: WebAuthnChallenge, authenticatorData: [UInt8], clientDataJSON: [UInt8],
        signature: [UInt8], userHandle: [UInt8]?, requireUserVerification: Bool, requireUserHandle: Bool = false,
        signCountPolicy: SignCountPolicy = .reject
    ) throws(WebAuthnError) -> AssertionResult {
        if let userHandle {
            guard userHandle == credential.userHandle else { throw .userHandleMismatch }
        } else if requireUserHandle {
            throw .userHandleMissing
        }
        let key = try COSEKey(bytes: credential.publicKey)
        let clientData = try CollectedClientData(json: clientDataJSON)
        try clientData.verify(type: CollectedClientData.assertionType, challenge: challenge.bytes, relyingParty: relyingParty)
        let authData = try AuthenticatorData(bytes: authenticatorData)
        try checkCommonFlags(authData, requireUserVerification: requireUserVerification)
        let backupEligible = authData.flags.contains(.backupEligible)
        guard backupEligible == credential.backupEligible else {
            throw .backupEligibilityChanged(registered: credential.backupEligible, received: backupEligible)
        }
        let clientDataHash = Array(SHA256.hash(data: clientDataJSON))
        guard key.isValidSignature(signature, for: authenticatorData + clientDataHash) else { throw .invalidSignature }
        let regressed = (credential.signCount > 0 || authData.signCount > 0) && authData.signCount <= credential.signCount
        if regressed && signCountPolicy == .reject {
            throw .signCountRegression(stored: credential.signCount, received: authData.signCount)
        }
        return AssertionResult(
            credentialID: credential.credentialID, signCount: authData.signCount, flags: authData.flags,
            userVerified: authData.flags.contains(.userVerified), backupState: authData.flags.contains(.backupState),
            signCountRegressed: regressed)
    }
}
