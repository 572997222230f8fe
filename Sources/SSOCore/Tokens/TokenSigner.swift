/// Signs and checks the JWTs the server issues. Implemented over jwt-kit in `SSOTokens`; the
/// core decides what goes into tokens, the signer only how they are sealed.
public protocol TokenSigner: Sendable {
    /// Signs an access token (ES256, header `typ: at+jwt` as RFC 9068 requires).
    func signAccessToken(_ claims: AccessTokenClaims) async throws -> String
    /// Signs an ID token with the client's registered algorithm.
    func signIDToken(_ claims: IDTokenClaims, algorithm: SigningAlgorithm) async throws -> String
    /// Signs a back-channel logout token (header `typ: logout+jwt`) with the client's ID-token algorithm.
    func signLogoutToken(_ claims: LogoutTokenClaims, algorithm: SigningAlgorithm) async throws -> String
    /// Checks an access token's signature, type and expiry; `nil` when it is not a valid token of ours.
    func verifyAccessToken(_ token: String) async -> AccessTokenClaims?
    /// Checks an ID token we issued (signature and issuer; an expired one still counts, as a
    /// logout hint may be old); `nil` when it is not ours.
    func verifyIDToken(_ token: String) async -> IDTokenClaims?
    /// The public keys as a JWK Set document.
    func jwks() async -> JWKSet
}

/// A JSON Web Key Set (RFC 7517 section 5), public keys only.
public struct JWKSet: Sendable, Codable, Equatable {
    public struct Key: Sendable, Codable, Equatable {
        public var kty: String
        public var use: String
        public var alg: String
        public var kid: String
        public var crv: String?
        public var x: String?
        public var y: String?
        public var n: String?
        public var e: String?

        public init(
            kty: String, use: String = "sig", alg: String, kid: String, crv: String? = nil, x: String? = nil,
            y: String? = nil, n: String? = nil, e: String? = nil
        ) {
            self.kty = kty
            self.use = use
            self.alg = alg
            self.kid = kid
            self.crv = crv
            self.x = x
            self.y = y
            self.n = n
            self.e = e
        }
    }

    public var keys: [Key]
    public init(keys: [Key]) { self.keys = keys }
}
