import Foundation
import HTTPTypes
import Hummingbird
import SSOCore
import SSOEndpointModel

/// The HTTP side of answers: the endpoint model's values as Hummingbird responses, and the
/// headers every HTML page carries. JSON, redirects and errors are built by the endpoint model
/// (`EndpointResponse`, `EndpointFailure`) alone.
enum Responses {
    /// An answer without a page (JSON, bytes, a redirect, an empty body) as a response.
    /// Pages and error pages need the renderer: see `SSORoutes.response(from:acceptLanguage:request:)`.
    static func plain(_ answer: EndpointResponse) -> Response {
        let status = HTTPResponse.Status(code: answer.status)
        var response: Response
        switch answer.body {
        case .data(let data, let contentType) where isHTML(contentType):
            // A module's own HTML gets the pages' headers (policy, framing, caching, referrer).
            response = html(String(decoding: data, as: UTF8.self), status: status)
        case .data(let data, let contentType):
            response = Response(status: status, headers: [.contentType: contentType],
                                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        case .bytes(let bytes, let contentType):
            response = Response(status: status, headers: [.contentType: contentType],
                                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .errorPage, .page, .empty:
            response = Response(status: status)
        }
        for (name, value) in answer.headers {
            if let field = fieldName(name) { response.headers.append(HTTPField(name: field, value: value)) }
        }
        return response
    }

    /// Whether `contentType` is HTML: JSON and the rest are told by their first letter, without
    /// parsing the media type on every answer.
    static func isHTML(_ contentType: String) -> Bool {
        guard let first = contentType.utf8.first, first | 0x20 == UInt8(ascii: "t") else { return false }
        return MediaType.of(contentType) == "text/html"
    }

    /// An OAuth error as JSON (RFC 6749 section 5.2), for the HTTP layer's own refusals.
    static func oauthError(_ error: OAuthError, status: HTTPResponse.Status? = nil) -> Response {
        plain(EndpointResponse.error(error, status: status?.code))
    }

    /// The field name for a module's header; the usual ones without parsing the name again.
    static func fieldName(_ name: String) -> HTTPField.Name? {
        switch name {
        case "Cache-Control": .cacheControl
        case "Pragma": pragma
        case "Location": .location
        case "Retry-After": .retryAfter
        case "WWW-Authenticate": .wwwAuthenticate
        case "Access-Control-Allow-Origin": .accessControlAllowOrigin
        case "Referrer-Policy": referrerPolicy
        default: HTTPField.Name(name)
        }
    }

    static let pragma = HTTPField.Name("Pragma")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    /// An HTML page, with headers that keep it out of caches and out of other sites' frames.
    /// `formTargets`: the registered URIs its forms' answers may redirect to.
    static func html(_ body: String, status: HTTPResponse.Status = .ok, formTargets: [String] = []) -> Response {
        let headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .cacheControl: "no-store",
            .contentSecurityPolicy: ContentSecurityPolicy.header(formTargets: formTargets),
            HTTPField.Name("X-Frame-Options")!: "DENY",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
        ]
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func text(_ body: String, contentType: String, cacheSeconds: Int = 3600) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: contentType, .cacheControl: "public, max-age=\(cacheSeconds)",
                      HTTPField.Name("X-Content-Type-Options")!: "nosniff"],
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
    }
}

extension Request {
    /// Query-string parameters through the one form decoder.
    var queryParameters: RequestParameters { FormDecoding.parse(uri.query ?? "") }
}
