import Foundation
import Hummingbird
import SSOCore

extension SSORoutes {
    func registerLogin(on router: Router<some RequestContext>) {
        router.get("/login") { request, _ in
            do {
                let id = (try? request.queryParameters.value("interaction")) ?? nil
                guard let interaction = try await boundInteraction(id, request: request) else {
                    return expiredPage(request)
                }
                return try await loginPage(interaction, request: request, login: interaction.request.loginHint, error: nil)
            } catch {
                return internalErrorPage(error, request: request)
            }
        }
        router.post("/login") { request, _ in
            var request = request
            guard let form = await request.formParameters() else { return badFormPage(request) }
            do {
                guard let interaction = try await boundInteraction(
                    (try? form.value("interaction")) ?? nil, request: request, submittedCSRF: (try? form.value("csrf")) ?? "")
                else { return expiredPage(request) }
                return try await submitLogin(form, interaction: interaction, request: request)
            } catch {
                return internalErrorPage(error, request: request)
            }
        }
    }

    private func submitLogin(_ form: RequestParameters, interaction: Interaction, request: Request) async throws -> Response {
        let login = ((try? form.value("login")) ?? nil)?.trimmingCharacters(in: .whitespaces) ?? ""
        let password = ((try? form.value("password")) ?? nil) ?? ""
        guard let client = try await services.clients.client(id: interaction.request.clientID) else {
            return expiredPage(request)
        }
        guard !login.isEmpty, !password.isEmpty, login.utf8.count <= 256, password.utf8.count <= 1024 else {
            return try await loginPage(interaction, request: request, login: login, error: "login_error_missing")
        }
        guard let user = try await services.login.checkPassword(login: login, password: password, clientID: client.id)
        else {
            return try await loginPage(interaction, request: request, login: login, error: "login_error_invalid")
        }
        // A new sign-in replaces whatever session this browser had.
        if let old = try await services.login.activeSession(secret: request.cookies[Self.sessionCookie]?.value) {
            try await services.sessions.revoke(sessionID: old.id, at: services.clock.now())
        }
        let (session, secret) = try await services.login.openSession(for: user, methods: ["pwd"])
        let step = try await services.flow.loginSucceeded(interaction, client: client, session: session)
        var response = respond(step)
        response.setCookie(cookie(Self.sessionCookie, secret, maxAge: configuration.sessionCookieMaxAge))
        return response
    }

    func loginPage(_ interaction: Interaction, request: Request, login: String?, error: String?) async throws -> Response {
        let client = try await services.clients.client(id: interaction.request.clientID)
        var context: [String: Any] = [
            "interaction": interaction.id,
            "csrf": request.cookies[Self.csrfCookie]?.value ?? "",
            "login": login ?? "",
            "client": client?.name ?? interaction.request.clientID,
        ]
        if let error { context["error"] = pages.message(error, request: request) }
        return pages.render("login", context, request: request)
    }

    func expiredPage(_ request: Request) -> Response {
        pages.errorPage(pages.message("error_expired", request: request), request: request)
    }

    func badFormPage(_ request: Request) -> Response {
        pages.errorPage(pages.message("error_bad_form", request: request), request: request)
    }
}
