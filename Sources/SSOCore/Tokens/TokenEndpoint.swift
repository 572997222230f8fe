/// The token endpoint's fixed pipeline (RFC 6749 section 3.2): authenticate the client, find
/// the grant for `grant_type`, check the client may use it, let the grant decide, issue.
/// Invalid grants count against the caller's address, as failed client authentications do: the
/// authenticator settles the grant's outcome with its own (see `ClientAuthenticator`), before
/// any token is issued, and refuses a locked address or client before anything else.
public struct TokenEndpoint: Sendable {
    let authenticator: ClientAuthenticator
    let registry: GrantRegistry
    let issuer: any TokenIssuer

    public init(authenticator: ClientAuthenticator, registry: GrantRegistry, issuer: any TokenIssuer) {
        self.authenticator = authenticator
        self.registry = registry
        self.issuer = issuer
    }

    public func handle(_ parameters: RequestParameters, basic: BasicCredentials?, address: String? = nil)
        async throws -> TokenResponse
    {
        let grantType = try parameters.required("grant_type")
        let (client, authorized) = try await authenticator.authenticate(
            parameters, basic: basic, address: address, counting: [.invalidGrant]
        ) { client in
            guard let grant = registry.grant(for: grantType) else {
                throw OAuthError(.unsupportedGrantType, "The grant type '\(grantType)' is not supported.")
            }
            guard client.allowsGrant(grantType) else {
                throw OAuthError.unauthorizedClient("This client may not use the '\(grantType)' grant.")
            }
            return (client, try await grant.authorize(TokenRequest(client: client, parameters: parameters)))
        }
        return try await issuer.issue(authorized, for: client)
    }

    public var grantTypes: [String] { registry.grantTypes }
}
