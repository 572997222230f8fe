import Foundation
import SSOCore
import Synchronization

/// A request as a module sees it.
public struct EndpointRequest: Sendable {
    public var query: RequestParameters
    /// Values of the `{name}` segments of the route's path.
    public var pathParameters: [String: String] = [:]
    public var headers: EndpointHeaders
    public var body: Data
    /// The client's IP address (looked through trusted proxies), for per-address limits.
    /// Worked out on first use: formatting the peer's address is a measurable part of a cheap
    /// request (userinfo, discovery) that never needs it.
    public var clientAddress: String? { address.value }
    private let address: LazyAddress
    /// The value of the SSO session cookie, if the browser sent one.
    public var sessionSecret: String?
    /// The browser's binding (CSRF) cookie, which binds pending interactions to it. The HTTP
    /// layer makes one when the browser has none and sets it with any page or redirect.
    public var browserSecret: String?

    public init(
        query: RequestParameters = RequestParameters([]), headers: EndpointHeaders = EndpointHeaders(),
        body: Data = Data(), clientAddress: String? = nil, sessionSecret: String? = nil, browserSecret: String? = nil
    ) {
        self.init(query: query, headers: headers, body: body, clientAddress: { clientAddress }, sessionSecret: sessionSecret,
                  browserSecret: browserSecret)
    }

    /// A request whose client address is worked out by `clientAddress` when a route first asks.
    public init(
        query: RequestParameters, headers: EndpointHeaders, body: Data, clientAddress: @escaping @Sendable () -> String?,
        sessionSecret: String?, browserSecret: String?
    ) {
        self.query = query
        self.headers = headers
        self.body = body
        self.address = LazyAddress(clientAddress)
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

    /// Where a sign-in by this request comes from, kept with the session it opens.
    public var sessionOrigin: SessionOrigin {
        SessionOrigin(address: clientAddress, userAgent: headers["user-agent"])
    }

    /// The browser's preferred languages (`Accept-Language`), for text a module writes itself.
    public var acceptLanguage: String? { headers["accept-language"] }

    /// Whether `form` was sent from this browser's own page: its `csrf` field is the browser's
    /// binding cookie (double submit), compared in constant time. Throws on a repeated field.
    public func isFromThisBrowser(_ form: RequestParameters) throws -> Bool {
        guard let sent = try form.value("csrf"), let browser = browserSecret else { return false }
        return SecretDigest.constantTimeEquals(sent, browser)
    }
}

/// Request headers in the order received, names lower-cased.
public struct EndpointHeaders: Sendable {
    public private(set) var fields: [(name: String, value: String)]

    public init(_ fields: [(name: String, value: String)] = []) {
        self.fields = fields.map { ($0.name.lowercased(), $0.value) }
    }

    /// Fields whose names are already lower-case (the HTTP layer's canonical names).
    public init(lowercased fields: [(name: String, value: String)]) {
        self.fields = fields
    }

    /// The value of the header `name` (lower-case). Several fields of the name are joined with
    /// ", " (RFC 9110 5.3), as HTTP libraries do, so a repeated `Authorization` reads as malformed.
    public subscript(_ name: String) -> String? {
        var found: String?
        for field in fields where field.name == name {
            if found != nil { return values(name).joined(separator: ", ") }
            found = field.value
        }
        return found
    }

    /// Every value of the header `name` (lower-case), in order.
    public func values(_ name: String) -> [String] {
        fields.filter { $0.name == name }.map(\.value)
    }

    /// The cookies of the `Cookie` headers by name.
    public var cookies: [String: String] {
        var cookies: [String: String] = [:]
        for header in values("cookie") {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                // Pairs are separated by "; " (RFC 6265 4.2.1): the name loses the blanks around it.
                if parts.count == 2 { cookies[Self.trimmingBlanks(parts[0])] = String(parts[1]) }
            }
        }
        return cookies
    }

    private static func trimmingBlanks(_ text: Substring) -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(text[first...last])
    }

}

/// A value computed once, on first use, by whichever task asks first.
final class LazyAddress: Sendable {
    private let compute: @Sendable () -> String?
    private let state = Mutex<String??>(nil)

    init(_ compute: @escaping @Sendable () -> String?) {
        self.compute = compute
    }

    var value: String? {
        state.withLock { cached in
            if let cached { return cached }
            let computed = compute()
            cached = .some(computed)
            return computed
        }
    }
}
