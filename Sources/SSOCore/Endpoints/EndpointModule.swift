import Foundation

/// A module that serves HTTP endpoints of its own (the legacy adapters, later others) without
/// depending on an HTTP framework: it sees plain request values and returns plain responses,
/// and the HTTP layer adapts them. The composition root registers modules like grants.
public protocol EndpointModule: Sendable {
    var routes: [EndpointRoute] { get }
    /// Entries this module adds to the discovery document (RFC 8414), such as
    /// `device_authorization_endpoint`: absolute URLs under the issuer.
    var metadata: [String: String] { get }
}

extension EndpointModule {
    public var metadata: [String: String] { [:] }
}

/// One method and path a module answers.
public struct EndpointRoute: Sendable {
    public enum Method: String, Sendable { case get = "GET", post = "POST" }

    public var method: Method
    public var path: String
    public var handler: @Sendable (EndpointRequest) async -> EndpointResponse

    public init(_ method: Method, _ path: String, handler: @escaping @Sendable (EndpointRequest) async -> EndpointResponse) {
        self.method = method
        self.path = path
        self.handler = handler
    }
}

/// A request as a module sees it.
public struct EndpointRequest: Sendable {
    public var query: RequestParameters
    /// Values of the `{name}` segments of the route's path.
    public var pathParameters: [String: String] = [:]
    /// Header values by lower-cased name.
    public var headers: [String: String]
    public var cookies: [String: String]
    public var body: Data
    /// The peer's IP address, for per-address limits.
    public var clientAddress: String?
    /// The value of the SSO session cookie, if the browser sent one.
    public var sessionSecret: String?
    /// The browser's CSRF cookie, which binds pending authorization requests to it.
    public var browserSecret: String?

    public init(
        query: RequestParameters = RequestParameters([]), headers: [String: String] = [:], cookies: [String: String] = [:],
        body: Data = Data(), clientAddress: String? = nil, sessionSecret: String? = nil, browserSecret: String? = nil
    ) {
        self.query = query
        self.headers = headers
        self.cookies = cookies
        self.body = body
        self.clientAddress = clientAddress
        self.sessionSecret = sessionSecret
        self.browserSecret = browserSecret
    }

    /// The media type of the body, lower-cased, without parameters.
    public var mediaType: String? {
        headers["content-type"].map(MediaType.of)
    }

    /// The body's parameters when it is a form; `nil` otherwise.
    public var form: RequestParameters? {
        guard mediaType == "application/x-www-form-urlencoded" else { return nil }
        return FormDecoding.parse(String(decoding: body, as: UTF8.self))
    }

    /// Whether `form` was sent from this browser's own page: its `csrf` field is the browser's
    /// binding cookie (double submit), compared in constant time. Throws on a repeated field.
    public func isFromThisBrowser(_ form: RequestParameters) throws -> Bool {
        guard let sent = try form.value("csrf"), let browser = browserSecret else { return false }
        return SecretDigest.constantTimeEquals(sent, browser)
    }
}

/// A response from a module. The HTTP layer renders error pages with its templates and turns a
/// session change into the same cookie the login page sets.
public struct EndpointResponse: Sendable {
    public enum Body: Sendable {
        case data(Data, contentType: String)
        /// The HTML error page, with this message.
        case errorPage(String)
        /// An HTML page of the module's own, rendered with the server's templates and messages.
        case page(Page)
        case empty
    }

    public var status: Int
    public var headers: [(String, String)]
    public var body: Body
    /// The secret of a session to set as the browser's SSO session cookie.
    public var newSessionSecret: String?

    public init(status: Int, headers: [(String, String)] = [], body: Body = .empty, newSessionSecret: String? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.newSessionSecret = newSessionSecret
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// A JSON answer, never cached.
    public static func json<T: Encodable>(_ value: T, status: Int = 200) -> EndpointResponse {
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return EndpointResponse(
            status: status, headers: [("Cache-Control", "no-store"), ("Pragma", "no-cache")],
            body: .data(data, contentType: "application/json;charset=UTF-8"))
    }

    /// An error as `{"error", "error_description"}` with its status.
    public static func error(_ error: OAuthError, status: Int? = nil) -> EndpointResponse {
        let response = json(["error": error.code.rawValue, "error_description": error.description],
                            status: status ?? error.httpStatus)
        return error.retryAfter.map { response.adding(header: "Retry-After", String($0)) } ?? response
    }

    public static func redirect(_ location: String) -> EndpointResponse {
        EndpointResponse(status: 302, headers: [("Location", location), ("Cache-Control", "no-store"),
                                                ("Referrer-Policy", "no-referrer")])
    }

    public func adding(header name: String, _ value: String) -> EndpointResponse {
        var copy = self
        copy.headers.append((name, value))
        return copy
    }
}

/// An HTML page a module asks the HTTP layer to render: a template of `Resources/templates`,
/// in the browser's language (`{{t.key}}` in the template reads the message catalog).
public struct Page: Sendable {
    public var template: String
    /// Plain values, escaped by the template engine.
    public var values: [String: String]
    /// Values given as keys of the message catalog, rendered in the browser's language.
    public var messages: [String: String]
    /// Scopes to list as `scopes` (each with `name` and `description`), described in the
    /// browser's language as on the consent page.
    public var scopes: ScopeSet?
    /// Where the page's form may end up besides this server: the relying party's redirect URI
    /// when the form's answer is the redirect back to it (the page's policy allows it).
    public var formTarget: String?

    public init(
        _ template: String, values: [String: String] = [:], messages: [String: String] = [:], scopes: ScopeSet? = nil,
        formTarget: String? = nil
    ) {
        self.template = template
        self.values = values
        self.messages = messages
        self.scopes = scopes
        self.formTarget = formTarget
    }
}
