/// Authenticator data (WebAuthn Level 3 section 6.1): the RP ID hash, flags, signature counter,
/// and, when their flags say so, attested credential data and an extensions map.
///
/// Parsing is total: the data must be exactly 37 bytes plus what its AT and ED flags announce,
/// the credential id at most 1023 bytes, the credential key a COSE key ``COSEKey`` accepts,
/// the extensions a CBOR map (its contents are skipped, not interpreted), and BS may only be
/// set together with BE. Anything else is ``WebAuthnError``.
public struct AuthenticatorData: Sendable {
    /// SHA-256 of the RP ID the authenticator scoped the credential to.
    public let rpIDHash: [UInt8]
    public let flags: AuthenticatorFlags
    public let signCount: UInt32
    public let attestedCredentialData: AttestedCredentialData?
    /// The extension outputs, when ED is set.
    public let extensions: CBORValue?
    /// The data as received: signatures cover these bytes.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(WebAuthnError) {
        guard bytes.count >= 37 else { throw .malformedAuthenticatorData("\(bytes.count) bytes, at least 37 needed") }
        self.bytes = bytes
        rpIDHash = Array(bytes[0..<32])
        flags = AuthenticatorFlags(rawValue: bytes[32])
        signCount = bytes[33..<37].reduce(0) { $0 << 8 | UInt32($1) }
        if flags.contains(.backupState) && !flags.contains(.backupEligible) {
            throw .malformedAuthenticatorData("backup state set on a credential that is not backup eligible")
        }
        var position = 37
        if flags.contains(.attestedCredentialData) {
            attestedCredentialData = try Self.attestedCredentialData(bytes, &position)
        } else {
            attestedCredentialData = nil
        }
        if flags.contains(.extensionData) {
            let (value, length) = try Self.cbor(bytes[position...], "extensions")
            guard value.mapValue != nil else { throw .malformedAuthenticatorData("extensions are not a CBOR map") }
            extensions = value
            position += length
        } else {
            extensions = nil
        }
        guard position == bytes.count else {
            throw .malformedAuthenticatorData("\(bytes.count - position) bytes after the data its flags announce")
        }
    }

    private static func cbor(_ slice: ArraySlice<UInt8>, _ what: String) throws(WebAuthnError) -> (CBORValue, Int) {
        do {
            return try CBORDecoder().decodePrefix(slice)
        } catch {
            throw .malformedAuthenticatorData("\(what): \(error)")
        }
    }

    private static func attestedCredentialData(_ bytes: [UInt8], _ position: inout Int) throws(WebAuthnError) -> AttestedCredentialData {
        guard bytes.count - position >= 18 else { throw .malformedAuthenticatorData("attested credential data is truncated") }
        let aaguid = Array(bytes[position..<position + 16])
        let idLength = Int(bytes[position + 16]) << 8 | Int(bytes[position + 17])
        position += 18
        guard idLength <= AttestedCredentialData.maximumCredentialIDLength else {
            throw .malformedAuthenticatorData("credential id of \(idLength) bytes, at most 1023 allowed")
        }
        guard bytes.count - position >= idLength else { throw .malformedAuthenticatorData("credential id is truncated") }
        let credentialID = Array(bytes[position..<position + idLength])
        position += idLength
        let (value, length) = try cbor(bytes[position...], "credential public key")
        let publicKey = try COSEKey(value: value, bytes: Array(bytes[position..<position + length]))
        position += length
        return AttestedCredentialData(aaguid: aaguid, credentialID: credentialID, publicKey: publicKey)
    }
}
