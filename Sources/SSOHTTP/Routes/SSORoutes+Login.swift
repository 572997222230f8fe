import Foundation
import Hummingbird
import SSOCore

extension SSORoutes {
    func registerLogin(on router: Router<some RequestContext>) {
        router.get("/login") { request, context in
            do {
                guard let id = (try? request.queryParameters.value("interaction")) ?? nil else {
                    // The personal cabinet's `/login?url=...` entry belongs to the legacy module, when present.
                    if let legacy = moduleRoute(.get, "/login") { return await serve(legacy, request: request, context: context) }
                    return expiredPage(request)
                }
                guard let interaction = try await boundInteraction(id, request: request) else { return expiredPage(request) }
                if interaction.pendingUserID != nil { return interactionPage("totp", formContext(interaction, request), interaction, request: request) }
                return try await loginPage(interaction, request: request, login: interaction.request.loginHint, error: nil)
            } catch {
                return internalErrorPage(error, request: request)
            }
        }
        router.post("/login") { request, context in
            var request = request
            guard let form = await request.formParameters() else { return badFormPage(request) }
            do {
                guard let interaction = try await boundInteraction(
                    (try? form.value("interaction")) ?? nil, request: request, submittedCSRF: (try? form.value("csrf")) ?? "")
                else { return expiredPage(request) }
                guard let client = try await services.clients.client(id: interaction.request.clientID) else {
                    return expiredPage(request)
                }
                if let userID = interaction.pendingUserID {
                    return try await submitSecondFactor(form, userID: userID, interaction: interaction, client: client,
                                                        request: request, address: clientAddress(request, context: context))
                }
                return try await submitPassword(form, interaction: interaction, client: client, request: request,
                                                address: clientAddress(request, context: context))
            } catch {
                return internalErrorPage(error, request: request)
            }
        }
    }

    private func submitPassword(
        _ form: RequestParameters, interaction: Interaction, client: Client, request: Request, address: String?
    ) async throws -> Response {
        let login = ((try? form.value("login")) ?? nil)?.trimmingCharacters(in: .whitespaces) ?? ""
        let password = ((try? form.value("password")) ?? nil) ?? ""
        guard !login.isEmpty, !password.isEmpty, login.utf8.count <= 256, password.utf8.count <= 1024 else {
            return try await loginPage(interaction, request: request, login: login, error: "login_error_missing")
        }
        switch try await services.login.authenticate(
            login: login, password: password, pin: nil, address: address, clientID: client.id) {
        case .success(let user, let methods):
            return try await signedIn(user, methods: methods, interaction: interaction, client: client, request: request)
        case .secondFactorRequired(let user):
            var pending = interaction
            pending.pendingUserID = user.id
            try await services.interactions.update(pending)
            return interactionPage("totp", formContext(pending, request), pending, request: request)
        case .locked(let seconds):
            return lockedPage(interaction, client: client, request: request, login: login, seconds: seconds)
        case .invalidCredentials, .invalidSecondFactor:
            return try await loginPage(interaction, request: request, login: login, error: "login_error_invalid")
        }
    }

    private func submitSecondFactor(
        _ form: RequestParameters, userID: String, interaction: Interaction, client: Client, request: Request,
        address: String?
    ) async throws -> Response {
        guard let user = try await services.users.user(id: userID) else { return expiredPage(request) }
        let pin = ((try? form.value("totp")) ?? nil) ?? ""
        switch try await services.login.checkSecondFactor(user, pin: pin, address: address, clientID: client.id) {
        case .success(let user, let methods):
            return try await signedIn(user, methods: methods, interaction: interaction, client: client, request: request)
        case .locked(let seconds):
            var context = formContext(interaction, request)
            context["error"] = lockedMessage(seconds, request: request)
            var response = interactionPage("totp", context, interaction, request: request, status: .tooManyRequests)
            response.headers[.retryAfter] = String(seconds)
            return response
        default:
            var context = formContext(interaction, request)
            context["error"] = pages.message("totp_error_invalid", request: request)
            return interactionPage("totp", context, interaction, request: request)
        }
    }

    /// Signs the browser in (keeping its session when the same user signs in again) and
    /// continues the authorization.
    private func signedIn(
        _ user: User, methods: [String], interaction: Interaction, client: Client, request: Request
    ) async throws -> Response {
        let (session, secret) = try await services.login.signIn(
            user, methods: methods, clientID: client.id, existingSecret: request.cookies[sessionCookie]?.value)
        let step = try await services.flow.loginSucceeded(interaction, client: client, session: session)
        var response = respond(step)
        response.setCookie(cookie(sessionCookie, secret, maxAge: configuration.sessionCookieMaxAge))
        return response
    }

    /// A page of `interaction`: its form's answer may be the redirect to the relying party's
    /// registered URI, which the page's policy therefore allows.
    func interactionPage(
        _ template: String, _ context: [String: Any], _ interaction: Interaction, request: Request,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        pages.render(template, context, request: request, status: status,
                     formTarget: interaction.returnTo ?? interaction.request.redirectURI)
    }

    func formContext(_ interaction: Interaction, _ request: Request) -> [String: Any] {
        ["interaction": interaction.id, "csrf": request.cookies[csrfCookie]?.value ?? ""]
    }

    func loginPage(_ interaction: Interaction, request: Request, login: String?, error: String?) async throws -> Response {
        let client = try await services.clients.client(id: interaction.request.clientID)
        var context = formContext(interaction, request)
        context["login"] = login ?? ""
        context["client"] = client?.name ?? interaction.request.clientID
        if let error { context["error"] = pages.message(error, request: request) }
        let providers = try await services.providers?.providers() ?? []
        if !providers.isEmpty {
            context["hasProviders"] = true
            context["providers"] = providers.map { provider in
                ["label": provider.displayName,
                 "url": "/federation/\(RedirectURL.percentEncode(provider.name))/start?interaction="
                    + RedirectURL.percentEncode(interaction.id)]
            }
        }
        return interactionPage("login", context, interaction, request: request)
    }

    private func lockedPage(
        _ interaction: Interaction, client: Client, request: Request, login: String, seconds: Int
    ) -> Response {
        var context = formContext(interaction, request)
        context["login"] = login
        context["client"] = client.name
        context["error"] = lockedMessage(seconds, request: request)
        var response = interactionPage("login", context, interaction, request: request, status: .tooManyRequests)
        response.headers[.retryAfter] = String(seconds)
        return response
    }

    private func lockedMessage(_ seconds: Int, request: Request) -> String {
        pages.message("login_error_locked", request: request).replacingOccurrences(of: "%d", with: String(seconds))
    }

    func expiredPage(_ request: Request) -> Response {
        pages.errorPage(pages.message("error_expired", request: request), request: request)
    }

    func badFormPage(_ request: Request) -> Response {
        pages.errorPage(pages.message("error_bad_form", request: request), request: request)
    }
}
