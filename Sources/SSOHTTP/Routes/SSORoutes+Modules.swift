import Foundation
import HTTPTypes
import Hummingbird
import SSOCore
import SSOEndpointModel

/// The adapter between Hummingbird and the endpoint model: every endpoint module's routes are
/// served here, the request translated into an ``EndpointRequest`` and the answer (or the error
/// a route throws, through ``EndpointFailure``) into a Hummingbird response, with the pages
/// rendered and the cookies set.
extension SSORoutes {
    /// Serves the routes of every endpoint module: the server's own and those the composition
    /// root registered, paths in the order the modules come. Routes sharing a method and path
    /// are tried in order, those that say which requests they accept first, the first that
    /// accepts the request answering.
    func registerModules(on router: Router<some PeerAddressRequestContext>) {
        var groups: [(key: String, routes: [EndpointRoute])] = []
        for route in services.modules.flatMap(\.routes) {
            let key = "\(route.method.rawValue) \(route.path)"
            if let index = groups.firstIndex(where: { $0.key == key }) {
                groups[index].routes.append(route)
            } else {
                groups.append((key, [route]))
            }
        }
        for (_, sharing) in groups {
            // Stable: routes with an `accepts` predicate are more specific than those without.
            let routes = sharing.filter { $0.accepts != nil } + sharing.filter { $0.accepts == nil }
            let method: HTTPRequest.Method = routes[0].method == .get ? .get : .post
            // The path's `{name}` segments, found once here rather than on every request.
            let parameters = routes[0].path.split(separator: "/")
                .filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
            router.on(RouterPath(routes[0].path), method: method) { request, context in
                await serve(routes, pathParameters: parameters, request: request, context: context)
            }
        }
    }

    /// The first of `routes` (one, mostly) that accepts the request answers it.
    func serve(
        _ routes: [EndpointRoute], pathParameters: [String], request: Request, context: some PeerAddressRequestContext
    ) async -> Response {
        switch await endpointRequest(request, context: context, route: routes[0], pathParameters: pathParameters) {
        case .refused(let response): return response
        case .read(let endpointRequest, let isNewBinding):
            let route = routes.count == 1 ? routes[0] : routes.first { $0.accepts?(endpointRequest) ?? true } ?? routes[routes.count - 1]
            return await answer(route, endpointRequest, isNewBinding: isNewBinding, request: request)
        }
    }

    /// A request read for the endpoint model, or the answer that refuses it unread. (An enum of
    /// its own: a `Result` of a tuple looks up the tuple's type metadata at run time, per request.)
    private enum ReadRequest {
        case read(EndpointRequest, isNewBinding: Bool)
        case refused(Response)
    }

    private func answer(_ route: EndpointRoute, _ endpointRequest: EndpointRequest, isNewBinding: Bool, request: Request) async -> Response {
        var endpointAnswer: EndpointResponse
        do {
            endpointAnswer = try await route.handler(endpointRequest)
        } catch {
            if EndpointFailure.isUnexpected(error) { logFailure(error, request: request) }
            endpointAnswer = EndpointFailure.response(for: error, audience: route.audience, realm: configuration.issuer)
        }
        for header in route.headers { endpointAnswer.headers.append(header) }
        var response = await response(from: endpointAnswer, acceptLanguage: endpointRequest.acceptLanguage, request: request)
        // The browser's binding cookie goes with what a browser navigates to; JSON answers to
        // clients and scripts set no cookie.
        if isNewBinding, let binding = endpointRequest.browserSecret, endpointAnswer.isForBrowser {
            response.setCookie(cookie(csrfCookie, binding, maxAge: nil))
        }
        return response
    }

    /// The request as the endpoint model sees it, and whether its browser binding is new.
    private func endpointRequest(
        _ request: Request, context: some PeerAddressRequestContext, route: EndpointRoute, pathParameters: [String]
    ) async -> ReadRequest {
        var request = request
        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(request.headers.count)
        for field in request.headers { fields.append((field.name.canonicalName, field.value)) }
        let headers = EndpointHeaders(lowercased: fields)
        let body: Data
        if request.method == .post {
            guard let buffer = try? await request.collectBody(upTo: RequestLimits<SSORequestContext>.maximumBodyBytes) else {
                let answer = route.audience == .browser
                    ? EndpointResponse.errorPage(key: "error_bad_form")
                    : EndpointFailure.response(for: OAuthError.invalidRequest("The request body is too large or unreadable."),
                                               audience: .json, realm: configuration.issuer)
                return .refused(await response(from: answer, acceptLanguage: headers["accept-language"], request: request))
            }
            body = Data(buffer.readableBytesView)
        } else {
            body = Data()
        }
        let cookies = headers.cookies
        let existing = cookies[csrfCookie].flatMap { $0.utf8.count >= 32 ? $0 : nil }
        // A browser without a binding gets one with the page or redirect it navigates to;
        // clients' and scripts' requests are not worth a random token.
        var endpointRequest = EndpointRequest(
            query: request.queryParameters, headers: headers, body: body,
            clientAddress: { [self, request] in clientAddress(request, context: context) }, sessionSecret: cookies[sessionCookie],
            browserSecret: existing ?? (route.audience == .browser ? services.random.token() : nil))
        for name in pathParameters {
            endpointRequest.pathParameters[name] = context.parameters.get(name)
        }
        return .read(endpointRequest, isNewBinding: existing == nil)
    }

    func response(from answer: EndpointResponse, acceptLanguage: String?, request: Request) async -> Response {
        var response: Response
        switch answer.body {
        case .errorPage(let message):
            response = pages.errorPage(text(message, acceptLanguage: acceptLanguage), acceptLanguage: acceptLanguage,
                                       status: .init(code: answer.status))
            for (name, value) in answer.headers {
                if let field = Responses.fieldName(name) { response.headers.append(HTTPField(name: field, value: value)) }
            }
        case .page(let page):
            response = await render(page, acceptLanguage: acceptLanguage, status: .init(code: answer.status), request: request)
            for (name, value) in answer.headers {
                if let field = Responses.fieldName(name) { response.headers.append(HTTPField(name: field, value: value)) }
            }
        default:
            response = Responses.plain(answer)
        }
        switch answer.sessionCookie {
        case .set(let secret): response.setCookie(cookie(sessionCookie, secret, maxAge: configuration.sessionCookieMaxAge))
        case .clear: response.setCookie(cookie(sessionCookie, "deleted", maxAge: 0))
        case nil: break
        }
        return response
    }

    func text(_ message: PageMessage, acceptLanguage: String?) -> String {
        switch message {
        case .text(let text): text
        case .key(let key, let argument): pages.message(key, argument: argument, acceptLanguage: acceptLanguage)
        }
    }

    /// A module's page: its values and lists, its messages in the browser's language, its
    /// scopes described as on the consent page.
    func render(_ page: Page, acceptLanguage: String?, status: HTTPResponse.Status, request: Request) async -> Response {
        // An empty value is left out, so that it is false for a section as Page promises (the
        // template engine would open a section for any string, the empty one too).
        var context: [String: Any] = page.values.filter { !$0.value.isEmpty }
        for (name, list) in page.lists { context[name] = list.map { $0.filter { !$0.value.isEmpty } } }
        for (name, message) in page.messages { context[name] = text(message, acceptLanguage: acceptLanguage) }
        if let scopes = page.scopes {
            do {
                context["scopes"] = try await describe(scopes, acceptLanguage: acceptLanguage)
            } catch {
                logFailure(error, request: request)
                return await response(from: EndpointFailure.response(for: error, audience: .browser, realm: configuration.issuer),
                                      acceptLanguage: acceptLanguage, request: request)
            }
        }
        return pages.render(page.template, context, acceptLanguage: acceptLanguage, status: status,
                            formTarget: page.formTarget, otherFormTargets: page.otherFormTargets)
    }

    /// Each scope's name and description in the browser's language: the operator's registered
    /// description, else the catalog's, else the name itself.
    func describe(_ scopes: ScopeSet, acceptLanguage: String?) async throws -> [[String: String]] {
        let language = pages.localizer.language(for: acceptLanguage)
        let t = pages.localizer.messages(language)
        var registered: [String: [String: String]] = [:]
        for definition in try await services.scopes?.scopeDefinitions() ?? [] {
            registered[definition.name] = definition.descriptions
        }
        return scopes.values.map { scope in
            ["name": scope,
             "description": registered[scope].flatMap { $0[language] ?? $0["en"] } ?? t["scope_" + scope] ?? scope]
        }
    }
}

