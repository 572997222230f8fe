/// One grant type of the token endpoint (RFC 6749 section 4), as a plug-in.
///
/// A grant answers one question: given a token request from a client that the endpoint has
/// already authenticated and allowed this grant type, what may be issued? It validates the
/// request and returns an `AuthorizedGrant`. It never authenticates clients and never mints
/// tokens; the token endpoint and the `TokenIssuer` do those the same way for every grant.
public protocol Grant: Sendable {
    /// The `grant_type` value this grant answers, e.g. `authorization_code`.
    var grantType: String { get }
    func authorize(_ request: TokenRequest) async throws -> AuthorizedGrant
}

/// A grant type as a module of this server: its `grant_type` is known before it is built (the
/// command line checks clients' grant types against the modules), and it is built from the
/// composition root's `GrantContext`, keeping only the parts it uses.
public protocol GrantModule: Grant {
    /// The `grant_type` value this module answers.
    static var grantType: String { get }
    /// A grant that needs endpoints besides the token endpoint (the device grant's
    /// `/device_authorization` and verification page) also conforms to the endpoint model's
    /// `GrantEndpoints`; most grants have none.
    init(_ context: GrantContext)
}

extension GrantModule {
    public var grantType: String { Self.grantType }
}

/// A token request as a grant sees it: an authenticated client and the request's parameters.
public struct TokenRequest: Sendable {
    public var client: Client
    public var parameters: RequestParameters

    public init(client: Client, parameters: RequestParameters) {
        self.client = client
        self.parameters = parameters
    }
}
