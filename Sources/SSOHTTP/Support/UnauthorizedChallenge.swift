import HTTPTypes
import Hummingbird

/// Every 401 names a scheme to authenticate with (RFC 9110 15.5.2). The client endpoints answer
/// `Basic` and the resource endpoints `Bearer` with the error themselves; any other 401 (the
/// legacy login endpoints' wrong password, say) gets `Bearer` with the realm, the scheme of the
/// tokens those endpoints issue, which no browser answers with a password dialog.
struct UnauthorizedChallenge<Context: RequestContext>: RouterMiddleware {
    let realm: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if response.status == .unauthorized, response.headers[.wwwAuthenticate] == nil {
            response.headers[.wwwAuthenticate] = "Bearer realm=\"\(realm)\""
        }
        return response
    }
}
