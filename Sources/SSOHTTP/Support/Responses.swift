import Foundation
import HTTPTypes
import Hummingbird
import SSOCore

/// Builders for the kinds of answer the server gives.
enum Responses {
    static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// A JSON answer. Protocol answers carrying tokens or errors are never cached (RFC 6749 5.1).
    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, noStore: Bool = true) throws -> Response {
        json(bytes: try jsonEncoder.encode(value), status: status, noStore: noStore)
    }

    /// A JSON answer from bytes already written (`JSONObjectWriter`).
    static func json<Bytes: Sequence>(bytes: Bytes, status: HTTPResponse.Status = .ok, noStore: Bool = true) -> Response
    where Bytes.Element == UInt8 {
        var headers: HTTPFields = [.contentType: "application/json;charset=UTF-8"]
        if noStore {
            headers[.cacheControl] = "no-store"
            headers[HTTPField.Name("Pragma")!] = "no-cache"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// An RFC 6749 section 5.2 error body with its status.
    static func oauthError(_ error: OAuthError, status: HTTPResponse.Status? = nil) -> Response {
        let body = ["error": error.code.rawValue, "error_description": error.description]
        // Encoding a [String: String] cannot fail.
        var response = (try? json(body, status: status ?? .init(code: error.httpStatus)))
            ?? Response(status: .internalServerError)
        if let seconds = error.retryAfter { response.headers[.retryAfter] = String(seconds) }
        return response
    }

    /// Bearer-token errors for resource endpoints (RFC 6750 section 3); `scope`: the scope the
    /// resource needs, for `insufficient_scope`.
    static func bearerError(_ error: OAuthError, scope: String? = nil) -> Response {
        var response = oauthError(error)
        let escaped = error.description.replacingOccurrences(of: "\"", with: "'")
        response.headers[.wwwAuthenticate] = "Bearer error=\"\(error.code.rawValue)\", error_description=\"\(escaped)\""
            + (scope.map { ", scope=\"\($0)\"" } ?? "")
        return response
    }

    /// A redirect that is never cached and, since it may carry a code, whose target learns
    /// nothing of where the browser came from (the policy of a redirect applies to its target).
    static func redirect(_ location: String) -> Response {
        Response(status: .found, headers: [.location: location, .cacheControl: "no-store",
                                           HTTPField.Name("Referrer-Policy")!: "no-referrer"])
    }

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
    /// The body as text, refusing anything over `limit` bytes.
    mutating func bodyText(limit: Int = 64 * 1024) async throws -> String {
        let buffer = try await self.collectBody(upTo: limit)
        return String(buffer: buffer)
    }

    /// The body's parameters when it is a form within the size limit; `nil` otherwise.
    mutating func formParameters() async -> RequestParameters? {
        guard mediaType == "application/x-www-form-urlencoded", let text = try? await bodyText() else { return nil }
        return FormDecoding.parse(text)
    }

    /// Query-string parameters through the one form decoder.
    var queryParameters: RequestParameters { FormDecoding.parse(uri.query ?? "") }

    /// The media type of the body, lower-cased and without parameters.
    var mediaType: String? {
        headers.value(.contentType).map(MediaType.of)
    }
}
