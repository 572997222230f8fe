/// The token endpoint's fixed pipeline (RFC 6749 section 3.2): authenticate the client, find
/// the grant for `grant_type`, check the client may use it, let the grant decide, issue.
/// Invalid grants count against the caller's address, as failed client authentications do (the
/// authenticator counts those, and refuses a locked address or client before anything else).
public struct TokenEndpoint: Sendable {
    let authenticator: ClientAuthenticator
    let registry: GrantRegistry
    let issuer: any TokenIssuer
    let throttle: Throttle?

    public init(authenticator: ClientAuthenticator, registry: GrantRegistry, issuer: any TokenIssuer,
                throttle: Throttle? = nil) {
        self.authenticator = authenticator
        self.registry = registry
        self.issuer = issuer
        self.throttle = throttle
    }

    public func handle(_ parameters: RequestParameters, basic: BasicCredentials?, address: String? = nil)
        async throws -> TokenResponse
    {
        let grantType = try parameters.required("grant_type")
        let client = try await authenticator.authenticate(parameters, basic: basic, address: address)
        guard let grant = registry.grant(for: grantType) else {
            throw OAuthError(.unsupportedGrantType, "The grant type '\(grantType)' is not supported.")
        }
        guard client.allowsGrant(grantType) else {
            throw OAuthError.unauthorizedClient("This client may not use the '\(grantType)' grant.")
        }
        do {
            let authorized = try await grant.authorize(TokenRequest(client: client, parameters: parameters))
            return try await issuer.issue(authorized, for: client)
        } catch let error as OAuthError where error.code == .invalidGrant {
            if let throttle { await throttle.fail(Throttle.tokenAddressKey(address), policy: throttle.limits.tokenAddress) }
            throw error
        }
    }

    public var grantTypes: [String] { registry.grantTypes }
}
