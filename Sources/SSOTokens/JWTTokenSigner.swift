import CryptoExtras
import Foundation
import JWTKit
import SSOCore

/// Signs access tokens with ES256 (fast, small) and ID tokens with the algorithm each client
/// registered (RS256 by default, as OpenID Connect requires every client to accept it).
///
/// Keys are created on first start, stored sealed, and published in the JWKS.
public final class JWTTokenSigner: TokenSigner {
    private let keys: JWTKeyCollection
    private let signingKids: [SigningAlgorithm: String]
    private let publicKeys: JWKSet
    private let issuer: String
    private let clock: any SSOClock

    init(keys: JWTKeyCollection, signingKids: [SigningAlgorithm: String], publicKeys: JWKSet, issuer: String,
         clock: any SSOClock) {
        self.keys = keys
        self.signingKids = signingKids
        self.publicKeys = publicKeys
        self.issuer = issuer
        self.clock = clock
    }

    /// Loads the keys from `store`, creating one ES256 and one RS256 key on first start.
    /// Throws when a stored key cannot be unsealed: the server must not start with keys it
    /// cannot use, nor silently replace them.
    public static func load(
        store: any SigningKeyStore, sealer: KeySealer, issuer: String, clock: any SSOClock, random: any SecureRandom
    ) async throws -> JWTTokenSigner {
        var records = try await store.signingKeys()
        for algorithm in SigningAlgorithm.allCases where !records.contains(where: { $0.algorithm == algorithm }) {
            let record = try generate(algorithm, sealer: sealer, kid: random.token(byteCount: 12), now: clock.now())
            try await store.insert(record)
            records.append(record)
        }
        let keys = JWTKeyCollection()
        var kids: [SigningAlgorithm: String] = [:]
        var jwks: [JWKSet.Key] = []
        for record in records {
            let pem = String(decoding: try sealer.unseal(record.sealedPrivateKey), as: UTF8.self)
            let kid = JWKIdentifier(string: record.kid)
            switch record.algorithm {
            case .es256:
                let key = try ES256PrivateKey(pem: pem)
                await keys.add(ecdsa: key, kid: kid)
                let parameters = key.publicKey.parameters
                jwks.append(.init(kty: "EC", alg: "ES256", kid: record.kid, crv: "P-256", x: parameters?.x, y: parameters?.y))
            case .edDSA:
                let key = try EdDSA.PrivateKey(pem: pem)
                await keys.add(eddsa: key, kid: kid)
                jwks.append(.init(kty: "OKP", alg: "EdDSA", kid: record.kid, crv: "Ed25519",
                                  x: Base64URL.encode(key.publicKey.rawRepresentation)))
            case .rs256:
                let key = try Insecure.RSA.PrivateKey(pem: pem)
                await keys.add(rsa: key, digestAlgorithm: .sha256, kid: kid)
                let primitives = try key.publicKey.getKeyPrimitives()
                jwks.append(.init(kty: "RSA", alg: "RS256", kid: record.kid,
                                  n: Base64URL.encode(primitives.modulus), e: Base64URL.encode(primitives.publicExponent)))
            }
            kids[record.algorithm] = record.kid  // newest of each algorithm signs
        }
        return JWTTokenSigner(keys: keys, signingKids: kids, publicKeys: JWKSet(keys: jwks), issuer: issuer, clock: clock)
    }

    static func generate(_ algorithm: SigningAlgorithm, sealer: KeySealer, kid: String, now: Date) throws -> SigningKeyRecord {
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
        var header = JWTHeader()
        header.typ = "at+jwt"
        header.alg = "ES256"
        return try await keys.sign(AccessTokenPayload(claims), kid: kid(.es256), header: header)
    }

    public func signIDToken(_ claims: IDTokenClaims, algorithm: SigningAlgorithm) async throws -> String {
        var header = JWTHeader()
        header.typ = "JWT"
        header.alg = algorithm.rawValue
        return try await keys.sign(IDTokenPayload(claims), kid: kid(algorithm), header: header)
    }

    public func verifyAccessToken(_ token: String) async -> AccessTokenClaims? {
        // RFC 9068 section 4: the type must be at+jwt, so an ID token can never pass as an access token.
        guard let header = Self.header(of: token), header["typ"] as? String == "at+jwt",
            header["alg"] as? String == "ES256",
            let payload = try? await keys.verify(token, as: AccessTokenPayload.self)
        else { return nil }
        let claims = payload.claims
        guard claims.iss == issuer, Int(clock.now().timeIntervalSince1970) < claims.exp else { return nil }
        return claims
    }

    public func verifyIDToken(_ token: String) async -> IDTokenClaims? {
        guard let header = Self.header(of: token), header["typ"] as? String != "at+jwt",
            let payload = try? await keys.verify(token, as: IDTokenPayload.self), payload.claims.iss == issuer
        else { return nil }
        return payload.claims
    }

    public func jwks() async -> JWKSet { publicKeys }

    private func kid(_ algorithm: SigningAlgorithm) throws -> JWKIdentifier {
        guard let kid = signingKids[algorithm] else {
            throw JWTError.generic(identifier: "signing", reason: "No \(algorithm.rawValue) signing key")
        }
        return JWKIdentifier(string: kid)
    }

    private static func header(of token: String) -> [String: Any]? {
        guard let first = token.split(separator: ".", omittingEmptySubsequences: false).first,
            let data = Base64URL.decode(String(first)),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object
    }
}
