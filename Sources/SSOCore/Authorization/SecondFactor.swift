import Foundation

/// The time-based one-time-password algorithm (RFC 6238): the code of a key at an instant, and
/// the `otpauth://` URI authenticator apps read. Implemented in `SSOTOTP`.
///
/// The key is bytes: a seed another system drew at random (and an authenticator app holds as
/// base32) is any bytes. The server's own enrolment draws a secret of letters and digits, whose
/// key is their UTF-8 bytes (`secret:` below).
public protocol TOTPAlgorithm: Sendable {
    /// Seconds per step (30).
    var period: Int { get }
    /// The zero-padded code for `key` at `date`.
    func code(key: [UInt8], at date: Date) -> String
    func provisioningURI(key: [UInt8], account: String, issuer: String) -> String
}

extension TOTPAlgorithm {
    /// The code for the key that is `secret`'s UTF-8 bytes.
    public func code(secret: String, at date: Date) -> String { code(key: Array(secret.utf8), at: date) }

    public func provisioningURI(secret: String, account: String, issuer: String) -> String {
        provisioningURI(key: Array(secret.utf8), account: account, issuer: issuer)
    }
}

/// TOTP as a second factor: enrolment, and verification that accepts each code once and
/// tolerates one step of clock skew either way.
public struct SecondFactorService: Sendable {
    static let secretAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    let users: any UserStore
    let sealer: any SecretSealer
    let algorithm: any TOTPAlgorithm
    let clock: any SSOClock
    let random: any SecureRandom

    public init(users: any UserStore, sealer: any SecretSealer, algorithm: any TOTPAlgorithm, clock: any SSOClock,
                random: any SecureRandom) {
        self.users = users
        self.sealer = sealer
        self.algorithm = algorithm
        self.clock = clock
        self.random = random
    }

    /// Turns TOTP on for `user` with a new secret; returns the secret and its `otpauth://` URI.
    /// The secret is 32 characters from a 62-letter alphabet (190 bits), drawn without modulo bias.
    public func enroll(_ user: User, issuer: String) async throws -> (secret: String, uri: String) {
        var secret = ""
        while secret.count < 32 {
            for byte in random.bytes(32) where byte < 248 && secret.count < 32 {
                secret.append(Self.secretAlphabet[Int(byte) % Self.secretAlphabet.count])
            }
        }
        var updated = user
        updated.totpSecretSealed = try sealer.seal(Data(secret.utf8))
        try await users.update(updated)
        return (secret, algorithm.provisioningURI(secret: secret, account: user.login, issuer: issuer))
    }

    public func disable(_ user: User) async throws {
        var updated = user
        updated.totpSecretSealed = nil
        try await users.update(updated)
    }

    /// Whether `pin` is a current code of `user` that has not been used before.
    public func verify(_ user: User, pin: String) async throws -> Bool {
        guard let sealed = user.totpSecretSealed else { return false }
        let pin = pin.trimmingCharacters(in: .whitespaces)
        guard pin.count == 6, pin.allSatisfy(\.isASCII), pin.allSatisfy(\.isNumber) else { return false }
        let key = Array(try sealer.unseal(sealed))
        let now = clock.now()
        let current = Int64(now.timeIntervalSince1970) / Int64(algorithm.period)
        for step in [current - 1, current, current + 1] {
            let instant = Date(timeIntervalSince1970: TimeInterval(step * Int64(algorithm.period)))
            if SecretDigest.constantTimeEquals(algorithm.code(key: key, at: instant), pin) {
                return try await users.consumeTOTPStep(userID: user.id, step: step)
            }
        }
        return false
    }
}
