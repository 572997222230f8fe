import Foundation
import SSOCore

/// A response from a module. The HTTP layer renders pages with its templates, sets the cookies
/// and adds the headers every answer of its kind carries (policies for HTML, `WWW-Authenticate`
/// on any 401).
public struct EndpointResponse: Sendable {
    public enum Body: Sendable {
        case data(Data, contentType: String)
        /// Bytes already written (`JSONObjectWriter`), without a copy into `Data`.
        case bytes([UInt8], contentType: String)
        /// The HTML error page, with this message.
        case errorPage(PageMessage)
        /// An HTML page, rendered with the server's templates and messages.
        case page(Page)
        case empty
    }

    /// What the answer does to the browser's SSO session cookie.
    public enum SessionCookie: Sendable, Equatable {
        /// Sets the cookie to the secret of a session just signed in.
        case set(String)
        /// Deletes the cookie (sign-out).
        case clear
    }

    public var status: Int
    public var headers: [(String, String)]
    public var body: Body
    public var sessionCookie: SessionCookie?

    public init(status: Int, headers: [(String, String)] = [], body: Body = .empty, sessionCookie: SessionCookie? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.sessionCookie = sessionCookie
    }

    /// The secret of a session to set as the browser's SSO session cookie.
    public var newSessionSecret: String? {
        get { if case .set(let secret) = sessionCookie { secret } else { nil } }
        set { sessionCookie = newValue.map(SessionCookie.set) }
    }

    /// The one JSON encoder of every answer: sorted keys, slashes as they are.
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public static let jsonContentType = "application/json;charset=UTF-8"

    /// A JSON answer. Protocol answers carrying tokens or errors are never cached (RFC 6749 5.1).
    public static func json<T: Encodable>(_ value: T, status: Int = 200, noStore: Bool = true) throws -> EndpointResponse {
        json(bytes: Array(try encoder.encode(value)), status: status, noStore: noStore)
    }

    /// A JSON answer from bytes already written.
    public static func json(bytes: [UInt8], status: Int = 200, noStore: Bool = true) -> EndpointResponse {
        EndpointResponse(status: status, headers: noStore ? noStoreHeaders : [],
                         body: .bytes(bytes, contentType: jsonContentType))
    }

    static let noStoreHeaders = [("Cache-Control", "no-store"), ("Pragma", "no-cache")]

    /// An error as `{"error", "error_description"}` (RFC 6749 section 5.2) with its status,
    /// and `Retry-After` when the error says when to try again.
    public static func error(_ error: OAuthError, status: Int? = nil) -> EndpointResponse {
        var writer = JSONObjectWriter(capacity: 96)
        writer.add("error", error.code.rawValue)
        writer.add("error_description", error.description)
        let response = json(bytes: writer.finish(), status: status ?? error.httpStatus)
        return error.retryAfter.map { response.adding(header: "Retry-After", String($0)) } ?? response
    }

    /// A redirect that is never cached and, since it may carry a code, whose target learns
    /// nothing of where the browser came from (the policy of a redirect applies to its target).
    public static func redirect(_ location: String) -> EndpointResponse {
        EndpointResponse(status: 302, headers: [("Location", location), ("Cache-Control", "no-store"),
                                                ("Referrer-Policy", "no-referrer")])
    }

    /// A page of the server's templates.
    public static func page(_ page: Page, status: Int = 200) -> EndpointResponse {
        EndpointResponse(status: status, body: .page(page))
    }

    /// The HTML error page with a message of the catalog, in the browser's language.
    public static func errorPage(key: String, status: Int = 400) -> EndpointResponse {
        EndpointResponse(status: status, body: .errorPage(.key(key)))
    }

    /// The HTML error page with this text.
    public static func errorPage(_ text: String, status: Int = 400) -> EndpointResponse {
        EndpointResponse(status: status, body: .errorPage(.text(text)))
    }

    public func adding(header name: String, _ value: String) -> EndpointResponse {
        var copy = self
        copy.headers.append((name, value))
        return copy
    }

    /// Whether the answer goes to a browser navigating (a page or a redirect), as opposed to a
    /// client's or a script's request: only those carry the browser's binding cookie.
    public var isForBrowser: Bool {
        switch body {
        case .page, .errorPage: true
        case .data(_, let contentType), .bytes(_, let contentType): MediaType.of(contentType) == "text/html"
        case .empty: (300..<400).contains(status)
        }
    }
}
