import Hummingbird
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
            table[Self.normalized(path), default: []].insert(route.method.rawValue)
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
