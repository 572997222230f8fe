import SSOCore

/// A group of HTTP endpoints written without an HTTP framework: each route sees a plain
/// ``EndpointRequest`` and returns a plain ``EndpointResponse`` (or throws), and the HTTP layer
/// adapts both. The server's own endpoints (authorize, login, consent, token, userinfo,
/// introspection, revocation, logout, discovery, profile) are modules like the adapters and the
/// grants' endpoints; the composition root registers each.
public protocol EndpointModule: Sendable {
    var routes: [EndpointRoute] { get }
    /// Entries this module adds to the discovery document (RFC 8414), such as
    /// `device_authorization_endpoint`: absolute URLs under the issuer.
    var metadata: [String: String] { get }
}

extension EndpointModule {
    public var metadata: [String: String] { [:] }
}

/// A grant module that serves endpoints besides the token endpoint (the device grant's
/// `/device_authorization` and verification page). The composition root serves them when it
/// registers the grant.
public protocol GrantEndpoints: Sendable {
    /// `nil` where the grant was built without endpoint services (a grant's unit tests).
    var endpoints: (any EndpointModule)? { get }
}

/// One method and path a module answers.
public struct EndpointRoute: Sendable {
    public enum Method: String, Sendable { case get = "GET", post = "POST" }

    public var method: Method
    public var path: String
    /// How a thrown error is answered: see ``EndpointFailure``.
    public var audience: EndpointAudience
    /// Headers added to every answer of the route, errors included (`Deprecation`, say).
    public var headers: [(String, String)]
    /// Whether this route takes the request, where several routes share a method and path (the
    /// personal cabinet's `GET /login?url=` beside the login page's `GET /login?interaction=`).
    /// The first route that accepts it answers; `nil` accepts every request.
    public var accepts: (@Sendable (EndpointRequest) -> Bool)?
    public var handler: @Sendable (EndpointRequest) async throws -> EndpointResponse

    public init(
        _ method: Method, _ path: String, audience: EndpointAudience = .browser, headers: [(String, String)] = [],
        accepts: (@Sendable (EndpointRequest) -> Bool)? = nil,
        handler: @escaping @Sendable (EndpointRequest) async throws -> EndpointResponse
    ) {
        self.method = method
        self.path = path
        self.audience = audience
        self.headers = headers
        self.accepts = accepts
        self.handler = handler
    }
}

/// Who calls a route, which decides how its errors travel.
public enum EndpointAudience: Sendable, Equatable {
    /// A browser navigating: errors are the HTML error page in the browser's language.
    case browser
    /// A script or a client reading JSON: RFC 6749 section 5.2 bodies with `OAuthError.httpStatus`.
    case json
    /// A client at a back-channel endpoint (token, introspection, revocation): section 5.2
    /// bodies with the token endpoint's statuses, and a failed client authentication 401 with
    /// a Basic challenge however the client sent its credentials.
    case client
    /// A resource request with a Bearer token (RFC 6750 section 3): the error in
    /// `WWW-Authenticate`; `scope` is the scope the resource needs, for `insufficient_scope`.
    case bearer(scope: String)
}
