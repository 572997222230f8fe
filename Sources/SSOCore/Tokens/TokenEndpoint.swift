/// The token endpoint's fixed pipeline (RFC 6749 section 3.2): authenticate the client, find
/// the grant for `grant_type`, check the client may use it, let the grant decide, issue.
/// Invalid grants count against the caller's address, as failed client authentications do: the
/// authenticator settles the grant's outcome with its own (see `ClientAuthenticator`), before
/// any token is issued, and refuses a locked address or client before anything else.
public struct TokenEndpoint: Sendable {
    let authenticator: ClientAuthenticator
    let registry: GrantRegistry
    let issuer: any TokenIssuer

    /// The parameter that selects the grant (RFC 6749 section 4).
    public static let grantTypeParameter = "grant_type"

    public init(authenticator: ClientAuthenticator, registry: GrantRegistry, issuer: any TokenIssuer) {
        self.authenticator = authenticator
        self.registry = registry
        self.issuer = issuer
    }

    public func handle(_ parameters: RequestParameters, basic: BasicCredentials?, address: String? = nil)
        async throws -> TokenResponse
    {
        let grantType = GrantType(rawValue: try parameters.required(Self.grantTypeParameter))
        let (request, grant, outcome) = try await authenticator.authenticate(
            parameters, basic: basic, address: address, counting: [.invalidGrant]
        ) { client in
            let grant = try self.grant(grantType, for: client)
            let request = TokenRequest(client: client, parameters: parameters)
            return (request, grant, try await grant.authorize(request))
        }
        return try await answer(outcome, of: grant, to: request)
    }

    /// A token request that carries no client identification, for the broker's old refresh
    /// endpoint: the grant for `grantType` names the client its credential was issued to, and
    /// the request is then served as `handle(_:basic:address:)` serves one. Only a public client
    /// is served so (a confidential client proves itself with its secret here), and only one
    /// registered for `grantType`; any other credential is the grant's invalid credential.
    /// Failures count against the caller's address as invalid grants do; `parameters` is read
    /// after the address's lock is checked.
    public func handle(
        namingClientBy grantType: GrantType, address: String?, parameters: () throws -> RequestParameters
    ) async throws -> TokenResponse {
        let (request, grant, outcome) = try await authenticator.guardingAddress(address, counting: [.invalidGrant]) {
            let parameters = try parameters()
            guard let grant = registry.grant(for: grantType) as? any ClientNamingGrant else {
                throw Self.unsupported(grantType)
            }
            guard let clientID = try await grant.clientID(presentedIn: parameters),
                let client = try await authenticator.clients.client(id: clientID), client.isPublic,
                client.allowsGrant(grantType)
            else { throw grant.invalidCredential }
            let request = TokenRequest(client: client, parameters: parameters)
            return (request, grant as any Grant, try await grant.authorize(request))
        }
        return try await answer(outcome, of: grant, to: request)
    }

    public var grantTypes: [String] { registry.grantTypes.map(\.rawValue) }

    private func grant(_ grantType: GrantType, for client: Client) throws -> any Grant {
        guard let grant = registry.grant(for: grantType) else { throw Self.unsupported(grantType) }
        guard client.allowsGrant(grantType) else {
            throw OAuthError.unauthorizedClient("This client may not use the '\(grantType)' grant.")
        }
        return grant
    }

    private static func unsupported(_ grantType: GrantType) -> OAuthError {
        OAuthError(.unsupportedGrantType, "The grant type '\(grantType)' is not supported.")
    }

    /// The grant's outcome as the answer: the tokens minted for it, or the answer it repeats.
    /// When the refresh token an answer replaces was rotated by a concurrent request first, the
    /// grant decides once more, now seeing the token rotated (its repeat or its reuse rule).
    private func answer(_ outcome: GrantOutcome, of grant: any Grant, to request: TokenRequest, again: Bool = false)
        async throws -> TokenResponse
    {
        switch outcome {
        case .replay(let response):
            return response
        case .issue(let authorized):
            do {
                return try await issuer.issue(authorized, for: request.client)
            } catch is RefreshTokenRotationLost {
                // A rotated token never becomes live again: a second loss is not expected.
                guard !again else { throw OAuthError.invalidGrant("The refresh token has already been used.") }
                return try await answer(try await grant.authorize(request), of: grant, to: request, again: true)
            }
        }
    }
}
