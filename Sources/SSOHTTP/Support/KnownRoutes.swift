import HTTPTypes
import Hummingbird
import SSOCore
import Synchronization

/// The methods each literal path answers, read from the router once every route is added: a
/// request for a known path with another method is answered 405 with `Allow` (RFC 9110 section
/// 15.5.6), where the router alone would say 404 as for a path that does not exist.
final class KnownRoutes: Sendable {
    private let methods = Mutex<[String: Set<String>]>([:])

    func fill<Context: RequestContext>(from router: Router<Context>) {
        var table: [String: Set<String>] = [:]
        for route in router.routes {
            let path = route.path.description
            // Paths with captures ({provider}, {file}) are left out: 404 is right for most of them.
            guard !path.contains("{"), !path.contains("*") else { continue }
            let key = Self.normalized(path)
            table[key, default: []].insert(route.method.rawValue)
            // The router answers HEAD wherever it answers GET (`autoGenerateHeadEndpoints`).
            if route.method == .get { table[key, default: []].insert("HEAD") }
        }
        methods.withLock { $0 = table }
    }

    /// The methods `path` answers, or `nil` when no route has it.
    func allowed(_ path: String) -> Set<String>? {
        let key = Self.normalized(path)
        return methods.withLock { $0[key] }
    }

    static func normalized(_ path: String) -> String {
        var path = path.hasPrefix("/") ? path : "/" + path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }
}

/// Answers 405 with `Allow` where the router would answer 404 for a known path asked with a
/// method it does not serve; everything else passes through.
struct MethodNotAllowed<Context: RequestContext>: RouterMiddleware {
    let knownRoutes: KnownRoutes

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            let response = try await next(request, context)
            return response.status == .notFound ? refusal(request) ?? response : response
        } catch let error as any HTTPResponseError where error.status == .notFound {
            guard let refusal = refusal(request) else { throw error }
            return refusal
        }
    }

    private func refusal(_ request: Request) -> Response? {
        guard let allowed = knownRoutes.allowed(request.uri.path), !allowed.contains(request.method.rawValue) else {
            return nil
        }
        let list = allowed.sorted().joined(separator: ", ")
        var response = Responses.oauthError(.invalidRequest("\(request.uri.path) accepts \(list)."), status: .methodNotAllowed)
        response.headers[.allow] = list
        return response
    }
}
