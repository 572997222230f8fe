/// One grant type of the token endpoint (RFC 6749 section 4), as a plug-in.
///
/// A grant answers one question: given a token request from a client that the endpoint has
/// already authenticated and allowed this grant type, what is the answer? It validates the
/// request and returns a `GrantOutcome`, or throws to refuse. It never authenticates clients and
/// never mints tokens; the token endpoint and the `TokenIssuer` do those the same way for every
/// grant. Rules particular to a grant (a code's one-time use, a refresh token's rotation and
/// reuse detection) are the grant's own code.
public protocol Grant: Sendable {
    /// The `grant_type` value this grant answers.
    var grantType: GrantType { get }
    func authorize(_ request: TokenRequest) async throws -> GrantOutcome
}

/// What a grant decided: tokens to mint, or an answer already given. A refusal is thrown.
public enum GrantOutcome: Sendable, Equatable {
    /// The issuer mints tokens for this.
    case issue(AuthorizedGrant)
    /// The answer a request with the same credential was given, repeated as it was: a rotated
    /// refresh token presented again within the reuse grace window (two tabs refreshing at once).
    case replay(TokenResponse)
}

/// A grant type as a module of this server: its `grant_type` is known before it is built (the
/// command line checks clients' grant types against the modules), and it is built from the
/// composition root's `GrantContext`, keeping only the parts it uses.
public protocol GrantModule: Grant {
    /// The `grant_type` value this module answers, declared by the module as a `GrantType` constant.
    static var grantType: GrantType { get }
    /// A grant that needs endpoints besides the token endpoint (the device grant's
    /// `/device_authorization` and verification page) also conforms to the endpoint model's
    /// `GrantEndpoints`; most grants have none.
    init(_ context: GrantContext)
}

extension GrantModule {
    public var grantType: GrantType { Self.grantType }
}

/// A grant whose credential was issued to one client and so names it: a refresh token. It lets
/// the token endpoint serve a request that carries no client identification (the broker's old
/// refresh endpoint) through its one pipeline; see `TokenEndpoint.handle(namingClientBy:address:parameters:)`.
public protocol ClientNamingGrant: Grant {
    /// The client the request's credential was issued to; `nil` when the credential is unknown.
    func clientID(presentedIn parameters: RequestParameters) async throws -> String?
    /// The refusal of a credential that names no client served this way: `invalid_grant`.
    var invalidCredential: OAuthError { get }
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
