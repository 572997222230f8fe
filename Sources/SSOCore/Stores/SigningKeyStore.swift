/// Signing keys, private halves sealed.
public protocol SigningKeyStore: Sendable {
    func signingKeys() async throws -> [SigningKeyRecord]
    func insert(_ key: SigningKeyRecord) async throws
}
