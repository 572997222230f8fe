import Foundation
import Hummingbird
import Logging
import SSOCore
import SSOEndpointModel

/// The routes of the authorization server, over the services the composition root built.
/// Each group lives in its own `SSORoutes+Group.swift` file.
public struct SSORoutes: Sendable {
    /// Cookie names. Under an https issuer they take the `__Host-` prefix, which browsers only
    /// accept with `Secure`, `Path=/` and no `Domain`: no subdomain can plant or shadow them.
    var sessionCookie: String { configuration.secureCookies ? "__Host-sso_session" : "sso_session" }
    var csrfCookie: String { configuration.secureCookies ? "__Host-sso_csrf" : "sso_csrf" }

    let services: SSOServices
    let configuration: HTTPConfiguration
    let pages: PageRenderer
    let staticFiles: [String: (body: String, contentType: String)]
    /// `Resources/openapi.json` with this server's issuer as its server URL.
    let openAPI: [UInt8]
    let knownRoutes = KnownRoutes()
    let logger: Logger

    public init(services: SSOServices, configuration: HTTPConfiguration, logger: Logger) async throws {
        self.services = services
        self.configuration = configuration
        self.logger = logger
        pages = try await PageRenderer(resourcesDirectory: configuration.resourcesDirectory)
        var files: [String: (String, String)] = [:]
        let staticDirectory = configuration.resourcesDirectory + "/static"
        for name in try FileManager.default.contentsOfDirectory(atPath: staticDirectory) {
            let type = name.hasSuffix(".css") ? "text/css; charset=utf-8"
                : name.hasSuffix(".js") ? "text/javascript; charset=utf-8" : "application/octet-stream"
            files[name] = (try String(contentsOfFile: staticDirectory + "/" + name, encoding: .utf8), type)
        }
        staticFiles = files
        openAPI = try Self.openAPIDocument(resourcesDirectory: configuration.resourcesDirectory, issuer: configuration.issuer)
    }

    /// The file with a `servers` member naming this issuer spliced in after its opening brace.
    /// The file is parsed only to check it; writing it back through `JSONSerialization` would
    /// sort its keys with ICU's collator, which maps a megabyte of locale data for the life of
    /// the process.
    static func openAPIDocument(resourcesDirectory: String, issuer: String) throws -> [UInt8] {
        let data = try Data(contentsOf: URL(fileURLWithPath: resourcesDirectory + "/openapi.json"))
        guard let document = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              document["servers"] == nil, let brace = data.firstIndex(of: UInt8(ascii: "{")) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        var server = JSONObjectWriter(capacity: 64)
        server.add("url", issuer)
        let rest = document.isEmpty ? Array("}".utf8) : Array(",".utf8) + data[data.index(after: brace)...]
        return Array("{\"servers\":[".utf8) + server.finish() + Array("]".utf8) + rest
    }

    /// Adds every route to `router`.
    public func register<Context: PeerAddressRequestContext>(on router: Router<Context>) {
        router.add(middleware: RequestLog<Context>(
            trustedProxies: configuration.trustedProxies, logger: logger, metrics: services.metrics,
            clientAddress: { [self] request, context in clientAddress(request, context: context) }))
        router.add(middleware: MethodNotAllowed<Context>(knownRoutes: knownRoutes))
        router.add(middleware: RequestLimits<Context>(refuse: refuseOversized))
        if configuration.secureCookies { router.add(middleware: StrictTransportSecurity<Context>()) }
        router.add(middleware: UnauthorizedChallenge<Context>(realm: configuration.issuer))
        // The router tries a path's components against the routes in the order they were added:
        // the endpoints first, the server's own (token, userinfo, introspection, discovery) at the head.
        registerModules(on: router)
        registerHealth(on: router)
        registerPages(on: router)
        knownRoutes.fill(from: router)
    }

    /// The answer to a request over the size limits: the error page for a browser, JSON otherwise.
    @Sendable func refuseOversized(_ status: HTTPResponse.Status, _ description: String, request: Request) -> Response {
        request.headers[.accept]?.contains("text/html") == true
            ? pages.errorPage(description, request: request, status: status)
            : Responses.plain(.error(.invalidRequest(description), status: status.code))
    }

    /// A database that cannot be reached or is busy is a warning (it passes); any other failure an error.
    func logFailure(_ error: any Error, request: Request) {
        let text = (error as? OAuthError)?.logDescription ?? String(describing: error)
        let metadata: Logger.Metadata = ["path": "\(request.uri.path)", "error": "\(text)"]
        let cause = (error as? OAuthError)?.cause ?? error
        if StoreUnavailable.covers(cause) {
            logger.warning("database unavailable", metadata: metadata)
        } else {
            logger.error("request failed", metadata: metadata)
        }
    }

    func cookie(_ name: String, _ value: String, maxAge: Int?) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: configuration.secureCookies,
               httpOnly: true, sameSite: .lax)
    }
}
