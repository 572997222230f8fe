import HummingbirdBcrypt
import SSOCore

/// The server's passwords: new hashes are Argon2id (RFC 9106) at the configured parameters;
/// Argon2 (any variant) and bcrypt hashes verify, and so do the formats an import brought over
/// (``importedVerifier``). ``needsRehash(_:)`` is true for anything that is not Argon2id at the
/// current parameters, so the next successful sign-in replaces it.
///
/// Every hash and check runs on the ``PasswordHashingPool``, which refuses with
/// ``PasswordChecksBusy`` rather than queue beyond its limit.
public struct PasswordHashing: PasswordHasher {
    public let parameters: Argon2Parameters
    public let pool: PasswordHashingPool
    public let decoyHash: String
    let random: any SecureRandom
    /// Verifies a stored hash of a format this type does not know itself: `nil` when it does not
    /// know it either (then the check fails).
    let importedVerifier: @Sendable (_ password: String, _ stored: String) -> Bool?

    /// Times one hash with `parameters` (for the pool's first estimates) and makes the decoy.
    /// - Precondition: `parameters.isUsable`.
    public init(
        parameters: Argon2Parameters = .baseline, limits: PasswordHashingPool.Limits = .init(),
        random: any SecureRandom = SystemSecureRandom(),
        importedVerifier: @escaping @Sendable (String, String) -> Bool? = { _, _ in nil }
    ) {
        precondition(parameters.isUsable, "Argon2 parameters out of range: \(parameters)")
        let started = ContinuousClock.now
        // The decoy checked for an unknown login: the same algorithm and cost as a real account's.
        decoyHash = Argon2.hashID(random.token(), parameters: parameters, random: random)
        let elapsed = started.duration(to: .now)
        self.parameters = parameters
        self.random = random
        self.importedVerifier = importedVerifier
        pool = PasswordHashingPool(
            limits: limits, expectedDuration: Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
    }

    public func hash(_ password: String) async throws -> String {
        let (parameters, random) = (self.parameters, self.random)
        return try await pool.run { Argon2.hashID(password, parameters: parameters, random: random) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await pool.run { [self] in check(password, hash: hash) }
    }

    public func refusal() -> PasswordChecksBusy? { pool.refusal() }

    public func needsRehash(_ hash: String) -> Bool {
        guard let encoded = Argon2Encoded(hash) else { return true }
        return encoded.variant != .argon2id || encoded.version != 0x13 || encoded.parameters.isBelow(parameters)
    }

    func check(_ password: String, hash: String) -> Bool {
        if hash.hasPrefix("$argon2") { return Argon2.verify(password, encoded: hash) }
        if BcryptPasswordHasher.isBcrypt(hash) { return Bcrypt.verify(password, hash: hash) }
        if importedVerifier(password, hash) == true { return true }
        // An imported hash may be far cheaper than Argon2id (a salted SHA-2, a PBKDF2 of a few
        // thousand rounds): a wrong password at such an account costs the decoy's time too, so
        // that the answer is no quicker than for an unknown login. (A right one is rehashed.)
        _ = Argon2.verify(password, encoded: decoyHash)
        return false
    }
}
