import Foundation
import Hummingbird
import HTTPTypes
import SSOCore

extension SSORoutes {
    /// Built-in routes that hand requests they do not handle to a module route of the same
    /// method and path (the login page passes `/login?url=` to the legacy module).
    static let sharedRoutes: Set<String> = ["GET /login"]

    /// Serves the routes of the endpoint modules the composition root registered.
    func registerModules(on router: Router<some RequestContext>) {
        for module in services.modules {
            for route in module.routes where !Self.sharedRoutes.contains("\(route.method.rawValue) \(route.path)") {
                let method: HTTPRequest.Method = route.method == .get ? .get : .post
                router.on(RouterPath(route.path), method: method) { request, context in
                    await serve(route, request: request, context: context)
                }
            }
        }
    }

    /// A module route for `method` and `path`, for built-in routes that share a path with a module.
    func moduleRoute(_ method: EndpointRoute.Method, _ path: String) -> EndpointRoute? {
        services.modules.lazy.flatMap(\.routes).first { $0.method == method && $0.path == path }
    }

    func serve(_ route: EndpointRoute, request: Request, context: some RequestContext) async -> Response {
        var request = request
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        var cookies: [String: String] = [:]
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { cookies[parts[0].trimmingCharacters(in: .whitespaces)] = String(parts[1]) }
            }
        }
        let body: Data
        if request.method == .post {
            guard let buffer = try? await request.collectBody(upTo: 64 * 1024) else {
                return Responses.oauthError(.invalidRequest("The request body is too large or unreadable."))
            }
            body = Data(buffer.readableBytesView)
        } else {
            body = Data()
        }
        let (browserSecret, isNew) = csrfToken(request)
        var pathParameters: [String: String] = [:]
        for segment in route.path.split(separator: "/") where segment.hasPrefix("{") && segment.hasSuffix("}") {
            let name = String(segment.dropFirst().dropLast())
            pathParameters[name] = context.parameters.get(name)
        }
        var endpointRequest = EndpointRequest(
            query: request.queryParameters, headers: headers, cookies: cookies, body: body,
            clientAddress: clientAddress(request, context: context), sessionSecret: cookies[sessionCookie],
            browserSecret: browserSecret)
        endpointRequest.pathParameters = pathParameters
        let endpointAnswer = await route.handler(endpointRequest)
        var answer = await response(from: endpointAnswer, request: request)
        // The browser's binding cookie goes with what a browser navigates to; JSON answers to
        // clients and scripts set no cookie.
        if isNew, Self.isForBrowser(endpointAnswer) { answer.setCookie(cookie(csrfCookie, browserSecret, maxAge: nil)) }
        return answer
    }

    /// A page or a redirect, as opposed to an answer to a client's or a script's request.
    static func isForBrowser(_ answer: EndpointResponse) -> Bool {
        switch answer.body {
        case .page, .errorPage: true
        case .data(_, let contentType): MediaType.of(contentType) == "text/html"
        case .empty: (300..<400).contains(answer.status)
        }
    }

    func response(from answer: EndpointResponse, request: Request) async -> Response {
        var response: Response
        switch answer.body {
        case .data(let data, let contentType) where MediaType.of(contentType) == "text/html":
            // A module's own HTML gets the pages' headers (policy, framing, caching, referrer).
            response = Responses.html(String(decoding: data, as: UTF8.self), status: .init(code: answer.status))
        case .data(let data, let contentType):
            response = Response(status: .init(code: answer.status), headers: [.contentType: contentType],
                                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        case .errorPage(let message):
            response = pages.errorPage(message, request: request, status: .init(code: answer.status))
        case .page(let page):
            response = await render(page, request: request, status: .init(code: answer.status))
        case .empty:
            response = Response(status: .init(code: answer.status))
        }
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { response.headers.append(HTTPField(name: field, value: value)) }
        }
        if let secret = answer.newSessionSecret {
            response.setCookie(cookie(sessionCookie, secret, maxAge: configuration.sessionCookieMaxAge))
        }
        return response
    }

    /// A module's page: its values, its message keys in the browser's language, its scopes
    /// described as on the consent page.
    func render(_ page: Page, request: Request, status: HTTPResponse.Status) async -> Response {
        var context: [String: Any] = page.values
        for (name, key) in page.messages { context[name] = pages.message(key, request: request) }
        if let scopes = page.scopes {
            do {
                context["scopes"] = try await describe(scopes, request: request)
            } catch {
                return internalErrorPage(error, request: request)
            }
        }
        return pages.render(page.template, context, request: request, status: status, formTarget: page.formTarget)
    }
}
