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

/// A TOTP secret shown to a user who is enrolling: the secret (for typing), its `otpauth://` URI
/// (for the QR code) and the sealed offer the confirmation sends back.
public struct TOTPProposal: Sendable, Equatable {
    public var secret: String
    public var uri: String
    public var sealed: String
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
        let secret = newSecret()
        var updated = user
        updated.totpSecretSealed = try sealer.seal(Data(secret.utf8))
        try await users.update(updated)
        return (secret, algorithm.provisioningURI(secret: secret, account: user.login, issuer: issuer))
    }

    /// A TOTP secret offered to `user` on the account page, not yet turned on: the user scans it
    /// and proves it works with a code before ``confirm(_:proposal:pin:)`` saves it. `sealed`
    /// travels in the page's form, sealed under the key-encryption key with the user's id and an
    /// expiry, so the server keeps nothing until the code is right.
    public func propose(_ user: User, issuer: String, lifetime: TimeInterval = 600) throws -> TOTPProposal {
        let secret = newSecret()
        let offer = SealedOffer(user: user.id, secret: secret, expires: clock.now().addingTimeInterval(lifetime).timeIntervalSince1970)
        let sealed = try sealer.seal(try JSONEncoder().encode(offer))
        return TOTPProposal(secret: secret, uri: algorithm.provisioningURI(secret: secret, account: user.login, issuer: issuer),
                            sealed: Base64URL.encode(sealed))
    }

    /// The proposal `sealed` again (the page drawn anew after a wrong code), while it is this
    /// user's and unexpired.
    public func reopen(_ user: User, proposal sealed: String, issuer: String) -> TOTPProposal? {
        guard let offer = offer(sealed, for: user) else { return nil }
        return TOTPProposal(secret: offer.secret,
                            uri: algorithm.provisioningURI(secret: offer.secret, account: user.login, issuer: issuer),
                            sealed: sealed)
    }

    private func offer(_ sealed: String, for user: User) -> SealedOffer? {
        guard let data = Base64URL.decode(sealed), let plain = try? sealer.unseal(data),
            let offer = try? JSONDecoder().decode(SealedOffer.self, from: plain),
            offer.user == user.id, clock.now().timeIntervalSince1970 < offer.expires
        else { return nil }
        return offer
    }

    /// Turns TOTP on with the proposed secret when `pin` is its current code: `false` (and nothing
    /// saved) for a wrong code, an expired or foreign proposal, or an account that has TOTP already.
    public func confirm(_ user: User, proposal sealed: String, pin: String) async throws -> Bool {
        guard user.totpSecretSealed == nil, let offer = offer(sealed, for: user) else { return false }
        var candidate = user
        candidate.totpSecretSealed = try sealer.seal(Data(offer.secret.utf8))
        guard try await verify(candidate, pin: pin) else { return false }
        // The stored user may have changed since the page was drawn: write onto the latest.
        guard var latest = try await users.user(id: user.id), latest.totpSecretSealed == nil else { return false }
        latest.totpSecretSealed = candidate.totpSecretSealed
        try await users.update(latest)
        return true
    }

    private struct SealedOffer: Codable {
        var user: String
        var secret: String
        var expires: Double
    }

    private func newSecret() -> String {
        var secret = ""
        while secret.count < 32 {
            for byte in random.bytes(32) where byte < 248 && secret.count < 32 {
                secret.append(Self.secretAlphabet[Int(byte) % Self.secretAlphabet.count])
            }
        }
        return secret
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
