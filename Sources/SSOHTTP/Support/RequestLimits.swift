import HTTPTypes
import Hummingbird
import SSOCore

/// Refuses oversized requests before any handler sees them: a request line longer than
/// `maximumURILength` (414), more than `maximumHeaderCount` header fields or more than
/// `maximumHeaderBytes` of them (431), a declared body over `maximumBodyBytes` (413). Bodies
/// without a declared length are cut at the same size where they are read; parameter counts
/// are capped by `FormDecoding`.
/// Browsers (an `Accept` naming `text/html`) get the HTML error page, clients the JSON error.
struct RequestLimits<Context: RequestContext>: RouterMiddleware {
    let refuse: @Sendable (HTTPResponse.Status, String, Request) -> Response

    static var maximumURILength: Int { 8 * 1024 }
    static var maximumHeaderCount: Int { 100 }
    static var maximumHeaderBytes: Int { 16 * 1024 }
    static var maximumBodyBytes: Int { 64 * 1024 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if request.uri.description.utf8.count > Self.maximumURILength {
            return refuse(.uriTooLong, "The request URI is longer than \(Self.maximumURILength) bytes.", request)
        }
        let headerBytes = request.headers.reduce(0) { $0 + $1.name.rawName.utf8.count + $1.value.utf8.count + 4 }
        if request.headers.count > Self.maximumHeaderCount || headerBytes > Self.maximumHeaderBytes {
            return refuse(.requestHeaderFieldsTooLarge, "The request headers are too many or too large.", request)
        }
        if let declared = request.headers.value(.contentLength).flatMap({ Int($0) }), declared > Self.maximumBodyBytes {
            return refuse(.contentTooLarge, "The request body is larger than \(Self.maximumBodyBytes) bytes.", request)
        }
        return try await next(request, context)
    }


}
