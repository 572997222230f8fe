import Crypto
import CryptoExtras
import Foundation
import JWTKit
import SSOCore
import Synchronization

/// Signs access tokens with ES256 (fast, small) and ID tokens with the algorithm each client
/// registered (RS256 by default, as OpenID Connect requires every client to accept it). ES256
/// is signed by swift-crypto (`ES256Compact`), RS256 by the system's libcrypto
/// (`RS256Compact`, 2.4 times as fast as swift-crypto's RSA here), EdDSA by jwt-kit.
///
/// Keys are created on first start, stored sealed, and published in the JWKS. Every
/// `checkInterval` seconds (when a request needs the keys) the signer reads a short version of
/// the stored keys and loads them again when it changed, so a key added by `sso keys rotate` or
/// withdrawn by `sso keys revoke` (from another process, or on another instance) shows within
/// seconds, without a restart; `SigningKeySchedule` decides which key signs and which are
/// published. A signature is checked only against a published key: a retired or withdrawn key
/// verifies nothing, not even a token it verified before.
public final class JWTTokenSigner: TokenSigner {
    /// Every key loaded so far, for signing and verifying: keys are only ever added.
    private let collection = JWTKeyCollection()
    private let ring: Mutex<Ring>
    /// Access tokens whose signature, type and issuer were checked, by their exact text, with
    /// the key that signed them.
    private let verified = Mutex<[String: (claims: AccessTokenClaims, kid: String)]>([:])
    private let store: any SigningKeyStore
    private let sealer: any SecretSealer
    private let issuer: String
    private let clock: any SSOClock
    private let retention: @Sendable () async -> TimeInterval
    private let checkInterval: TimeInterval

    /// What has been loaded: the schedule over the usable keys and their public halves.
    private struct Ring: Sendable {
        var schedule = SigningKeySchedule(keys: [], retention: 0)
        var publicKeys: [String: JWKSet.Key] = [:]
        /// The ES256 keys again as swift-crypto values, for `ES256Compact` (no actor hop).
        var es256: [String: P256.Signing.PrivateKey] = [:]
        /// The RS256 keys again in libcrypto, with their headers encoded (`RS256Compact`): they
        /// sign every RS256 token; jwt-kit's collection only verifies them.
        var rs256: [String: RS256Compact] = [:]
        /// Keys that could not be unsealed after start (sealed with another key-encryption key):
        /// never published, never used.
        var unusable: Set<String> = []
        /// The published keys: the only ones signatures are checked against.
        var verifiable: Set<String> = []
        /// The store's `signingKeysVersion` when the keys were last loaded.
        var version = ""
        var checkedAt = Date.distantPast
    }

    private init(
        store: any SigningKeyStore, sealer: any SecretSealer, issuer: String, clock: any SSOClock,
        retention: @escaping @Sendable () async -> TimeInterval, checkInterval: TimeInterval
    ) {
        self.store = store
        self.sealer = sealer
        self.issuer = issuer
        self.clock = clock
        self.retention = retention
        self.checkInterval = checkInterval
        self.ring = Mutex(Ring())
    }

    /// Loads the keys from `store`, creating one key of each algorithm on first start.
    /// Throws when a stored key cannot be unsealed: the server must not start with keys it
    /// cannot use, nor silently replace them.
    ///
    /// - Parameter retention: the longest lifetime of a token signed now, in seconds: how long
    ///   a replaced key stays published.
    /// - Parameter checkInterval: how often, at most, the store is asked whether keys changed.
    public static func load(
        store: any SigningKeyStore, sealer: any SecretSealer, issuer: String, clock: any SSOClock,
        random: any SecureRandom, retention: @escaping @Sendable () async -> TimeInterval = { 3600 },
        checkInterval: TimeInterval = 2
    ) async throws -> JWTTokenSigner {
        let records = try await store.signingKeys()
        for algorithm in SigningAlgorithm.allCases where !records.contains(where: { $0.algorithm == algorithm }) {
            try await store.insert(try generate(algorithm, sealer: sealer, kid: Self.newKeyID(random), now: clock.now()))
        }
        let signer = JWTTokenSigner(store: store, sealer: sealer, issuer: issuer, clock: clock, retention: retention,
                                    checkInterval: checkInterval)
        try await signer.reload(strict: true)
        return signer
    }

    /// Reads the keys again now: new keys are unsealed and added, the schedule is rebuilt.
    /// With `strict`, a key that cannot be unsealed is an error; otherwise it is left out.
    public func reload(strict: Bool = false) async throws {
        let version = try await store.signingKeysVersion()
        let records = try await store.signingKeys()
        let (known, unusable) = ring.withLock { (Set($0.publicKeys.keys), $0.unusable) }
        var added: [String: JWKSet.Key] = [:]
        var failed: Set<String> = []
        for record in records where !known.contains(record.kid) && !unusable.contains(record.kid) {
            do {
                added[record.kid] = try await add(record)
            } catch {
                if strict { throw error }
                failed.insert(record.kid)
            }
        }
        let retention = await retention()
        let now = clock.now()
        ring.withLock { ring in
            ring.publicKeys.merge(added) { old, _ in old }
            ring.unusable.formUnion(failed)
            let usable = records.filter { ring.publicKeys[$0.kid] != nil }
            ring.schedule = SigningKeySchedule(keys: usable, retention: retention)
            ring.verifiable = Set(ring.schedule.published(at: now).map(\.kid))
            ring.version = version
            ring.checkedAt = now
        }
        if records.contains(where: { $0.revokedAt != nil }) {
            let verifiable = ring.withLock { $0.verifiable }
            verified.withLock { cache in cache = cache.filter { verifiable.contains($0.value.kid) } }
        }
    }

    /// At most once per check interval: reloads when the stored keys changed, and otherwise
    /// brings the published set up to date with the clock (a replaced key retires). One caller
    /// checks, the others go on with what is loaded; a failing store leaves the keys in use.
    private func refreshIfDue() async {
        let now = clock.now()
        let due = ring.withLock { ring in
            guard now.timeIntervalSince(ring.checkedAt) >= checkInterval || now < ring.checkedAt else { return false }
            ring.checkedAt = now
            return true
        }
        guard due, let version = try? await store.signingKeysVersion() else { return }
        if ring.withLock({ $0.version }) != version {
            try? await reload()
        } else {
            ring.withLock { ring in ring.verifiable = Set(ring.schedule.published(at: now).map(\.kid)) }
        }
    }

    /// Unseals a stored key into the collection; returns its public JWK.
    private func add(_ record: SigningKeyRecord) async throws -> JWKSet.Key {
        let pem = String(decoding: try sealer.unseal(record.sealedPrivateKey), as: UTF8.self)
        let kid = JWKIdentifier(string: record.kid)
        switch record.algorithm {
        case .es256:
            let key = try ES256PrivateKey(pem: pem)
            await collection.add(ecdsa: key, kid: kid)
            let direct = try P256.Signing.PrivateKey(pemRepresentation: pem)
            ring.withLock { $0.es256[record.kid] = direct }
            let parameters = key.publicKey.parameters
            return .init(kty: "EC", alg: "ES256", kid: record.kid, crv: "P-256", x: parameters?.x, y: parameters?.y)
        case .edDSA:
            let key = try EdDSA.PrivateKey(pem: pem)
            await collection.add(eddsa: key, kid: kid)
            return .init(kty: "OKP", alg: "EdDSA", kid: record.kid, crv: "Ed25519",
                         x: Base64URL.encode(key.publicKey.rawRepresentation))
        case .rs256:
            let key = try Insecure.RSA.PrivateKey(pem: pem)
            let direct = try RS256Compact(pem: pem, kid: record.kid)
            await collection.add(rsa: key, digestAlgorithm: .sha256, kid: kid)
            ring.withLock { $0.rs256[record.kid] = direct }
            let primitives = try key.publicKey.getKeyPrimitives()
            return .init(kty: "RSA", alg: "RS256", kid: record.kid,
                         n: Base64URL.encode(primitives.modulus), e: Base64URL.encode(primitives.publicExponent))
        }
    }

    /// Adds a new key of each of `algorithms`, published at once and signing `activateAfter`
    /// seconds from now. Refuses when `sealer` cannot open the stored keys: a key sealed with
    /// the wrong key-encryption key would be one the server cannot use.
    @discardableResult
    public static func rotate(
        store: any SigningKeyStore, sealer: any SecretSealer, algorithms: [SigningAlgorithm], activateAfter: TimeInterval,
        clock: any SSOClock, random: any SecureRandom
    ) async throws -> [SigningKeyRecord] {
        for record in try await store.signingKeys() { _ = try sealer.unseal(record.sealedPrivateKey) }
        let now = clock.now()
        var added: [SigningKeyRecord] = []
        for algorithm in algorithms {
            var record = try generate(algorithm, sealer: sealer, kid: Self.newKeyID(random), now: now)
            record.activatesAt = now.addingTimeInterval(activateAfter)
            try await store.insert(record)
            added.append(record)
        }
        return added
    }

    static func generate(_ algorithm: SigningAlgorithm, sealer: any SecretSealer, kid: String, now: Date) throws -> SigningKeyRecord {
        let (privatePEM, publicPEM): (String, String)
        switch algorithm {
        case .es256:
            let key = ES256PrivateKey()
            (privatePEM, publicPEM) = (key.pemRepresentation, key.publicKey.pemRepresentation)
        case .edDSA:
            let key = try EdDSA.PrivateKey()
            (privatePEM, publicPEM) = (key.pemRepresentation, key.publicKey.pemRepresentation)
        case .rs256:
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            (privatePEM, publicPEM) = (key.pemRepresentation, key.publicKey.pemRepresentation)
        }
        return SigningKeyRecord(
            kid: kid, algorithm: algorithm, sealedPrivateKey: try sealer.seal(Data(privatePEM.utf8)),
            publicKeyPEM: publicPEM, createdAt: now
        )
    }

    public func signAccessToken(_ claims: AccessTokenClaims) async throws -> String {
        try await signES256(claims.jsonObject, typ: "at+jwt")
    }

    public func signIDToken(_ claims: IDTokenClaims, algorithm: SigningAlgorithm) async throws -> String {
        switch algorithm {
        case .es256: return try await signES256(claims.jsonObject, typ: "JWT")
        case .rs256: return try await rs256Key().sign(payload: claims.jsonObject, typ: "JWT")
        case .edDSA: break
        }
        var header = JWTHeader()
        header.typ = "JWT"
        header.alg = algorithm.rawValue
        return try await collection.sign(IDTokenPayload(claims), kid: await kid(algorithm), header: header)
    }

    public func signLogoutToken(_ claims: LogoutTokenClaims, algorithm: SigningAlgorithm) async throws -> String {
        if algorithm == .rs256 { return try await rs256Key().sign(payload: claims.jsonObject, typ: "logout+jwt") }
        var header = JWTHeader()
        header.typ = "logout+jwt"
        header.alg = algorithm.rawValue
        return try await collection.sign(LogoutTokenPayload(claims), kid: await kid(algorithm), header: header)
    }

    private func signES256(_ payload: [UInt8], typ: String) async throws -> String {
        let kid = try await kid(.es256).string
        guard let key = ring.withLock({ $0.es256[kid] }) else {
            throw JWTError.generic(identifier: "signing", reason: "No ES256 signing key")
        }
        return try ES256Compact.sign(payload: payload, key: key, kid: kid, typ: typ)
    }

    /// The RS256 key that signs now, in libcrypto.
    private func rs256Key() async throws -> RS256Compact {
        let kid = try await kid(.rs256).string
        guard let key = ring.withLock({ $0.rs256[kid] }) else {
            throw JWTError.generic(identifier: "signing", reason: "No RS256 signing key")
        }
        return key
    }

    /// What computes the signatures of `algorithm`'s tokens, by name ("OpenSSL 3.0.19 …" for
    /// RS256): for the tests, which check that the fast paths are the ones taken.
    func signingBackend(_ algorithm: SigningAlgorithm) async throws -> String {
        switch algorithm {
        case .es256: "swift-crypto"
        case .rs256: try await rs256Key().backend
        case .edDSA: "jwt-kit"
        }
    }

    public func verifyAccessToken(_ token: String) async -> AccessTokenClaims? {
        // A client presents the same access token for up to its lifetime: a token whose
        // signature was checked is remembered, whole, so its next use skips the ECDSA
        // verification (the largest cost of a userinfo call). Only the exact same string hits;
        // expiry is checked on every use, and revocation is the caller's grant check, every time.
        await refreshIfDue()
        if let hit = verified.withLock({ $0[token] }) {
            guard ring.withLock({ $0.verifiable.contains(hit.kid) }) else { return nil }
            return Int(clock.now().timeIntervalSince1970) < hit.claims.exp ? hit.claims : nil
        }
        guard let (claims, kid) = await verifySignature(token) else { return nil }
        verified.withLock { cache in
            if cache.count >= Self.verifiedLimit { cache.removeAll(keepingCapacity: true) }
            cache[token] = (claims, kid)
        }
        return claims
    }

    /// How many verified access tokens are remembered (a few MB at most).
    private static let verifiedLimit = 8192

    private func verifySignature(_ token: String) async -> (AccessTokenClaims, kid: String)? {
        // RFC 9068 section 4: the type must be at+jwt, so an ID token can never pass as an access token.
        guard let header = ES256Compact.header(of: token), header.typ == "at+jwt", header.alg == "ES256",
            let kid = header.kid
        else { return nil }
        // Only a published key verifies: not one retired from the JWKS, not one withdrawn.
        guard let key = ring.withLock({ $0.verifiable.contains(kid) ? $0.es256[kid]?.publicKey : nil }),
            let claims = ES256Compact.verify(token, as: AccessTokenClaims.self, key: key)
        else { return nil }
        guard claims.iss == issuer, Int(clock.now().timeIntervalSince1970) < claims.exp else { return nil }
        return (claims, kid)
    }

    public func verifyIDToken(_ token: String) async -> IDTokenClaims? {
        await refreshIfDue()
        guard let header = ES256Compact.header(of: token), header.typ != "at+jwt", let kid = header.kid,
            ring.withLock({ $0.verifiable.contains(kid) }),
            let payload = try? await collection.verify(token, as: IDTokenPayload.self), payload.claims.iss == issuer
        else { return nil }
        return payload.claims
    }

    public func jwks() async -> JWKSet {
        await refreshIfDue()
        let now = clock.now()
        return ring.withLock { ring in
            JWKSet(keys: ring.schedule.published(at: now).compactMap { ring.publicKeys[$0.kid] })
        }
    }

    private func kid(_ algorithm: SigningAlgorithm) async throws -> JWKIdentifier {
        await refreshIfDue()
        let now = clock.now()
        guard let record = ring.withLock({ $0.schedule.signingKey(algorithm, at: now) }) else {
            throw JWTError.generic(identifier: "signing", reason: "No \(algorithm.rawValue) signing key")
        }
        return JWKIdentifier(string: record.kid)
    }
}

extension JWTTokenSigner {
    /// A new key's id: 96 random bits in base64url that never begin with `-`, so that operators
    /// can pass it as `--kid ID` (a leading dash reads as an option to the command line).
    static func newKeyID(_ random: any SecureRandom) -> String {
        while true {
            let kid = random.token(byteCount: 12)
            if !kid.hasPrefix("-") { return kid }
        }
    }
}
