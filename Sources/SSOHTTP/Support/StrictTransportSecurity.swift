import HTTPTypes
import Hummingbird

/// `Strict-Transport-Security` on every answer when the issuer is https: once a browser has
/// seen it, it never talks to us over plain HTTP again (RFC 6797).
struct StrictTransportSecurity<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[HTTPField.Name("Strict-Transport-Security")!] = "max-age=31536000; includeSubDomains"
        return response
    }
}
