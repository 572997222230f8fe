import Crypto
import Foundation
import SwiftASN1
import X509

/// A tiny attestation PKI for the tests: a root, optionally an intermediate, and attestation
/// certificates shaped (or misshaped) the way section 8.2.1 describes.
struct TestAttestationCA {
    let key = P256.Signing.PrivateKey()
    let name: DistinguishedName
    let certificate: Certificate

    static let aaguidOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 45724, 1, 1, 4]
    static let now = Date()

    init(name: String = "Test Attestation Root", issuer: TestAttestationCA? = nil) throws {
        self.name = try DistinguishedName { CommonName(name) }
        certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Self.now - 3600, notValidAfter: Self.now + 86400, issuer: issuer?.name ?? self.name, subject: self.name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions([
                try Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil)).makeCertificateExtension(),
                try Critical(KeyUsage(keyCertSign: true)).makeCertificateExtension(),
            ]),
            issuerPrivateKey: .init(issuer?.key ?? key))
    }

    /// An attestation certificate for `key`, by default one that meets every requirement.
    func issue(
        key: P256.Signing.PublicKey, aaguid: [UInt8]?, version: Certificate.Version = .v3,
        organizationalUnit: String = "Authenticator Attestation", isCA: Bool = false, aaguidCritical: Bool = false
    ) throws -> Certificate {
        var extensions = [try Critical(isCA ? BasicConstraints.isCertificateAuthority(maxPathLength: nil) : .notCertificateAuthority)
            .makeCertificateExtension()]
        if let aaguid {
            extensions.append(Certificate.Extension(oid: Self.aaguidOID, critical: aaguidCritical, value: [0x04, 0x10] + aaguid[...]))
        }
        return try Certificate(
            version: version, serialNumber: .init(), publicKey: .init(key),
            notValidBefore: Self.now - 3600, notValidAfter: Self.now + 86400, issuer: name,
            subject: try DistinguishedName {
                CountryName("US")
                OrganizationName("Test Vendor")
                OrganizationalUnitName(organizationalUnit)
                CommonName("Test Authenticator")
            },
            signatureAlgorithm: .ecdsaWithSHA256, extensions: try Certificate.Extensions(version == .v3 ? extensions : []),
            issuerPrivateKey: .init(self.key))
    }

    static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }
}
