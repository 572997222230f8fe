import Foundation
import Hummingbird
import SSOCore

extension SSORoutes {
    /// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at the `end_session_endpoint`.
    func registerLogout(on router: Router<some RequestContext>) {
        for path in ["/logout", "/connect/endsession"] {
            router.get(RouterPath(path)) { request, _ in await logout(request, parameters: request.queryParameters) }
            router.post(RouterPath(path)) { request, _ in
                var request = request
                guard let form = await request.formParameters() else { return badFormPage(request) }
                if (try? form.value("confirm")) == "yes" { return await confirmedLogout(request, form: form) }
                return await logout(request, parameters: form)
            }
        }
    }

    /// Where to send the browser afterwards, checked: the hint's client (or `client_id`) must have
    /// registered `post_logout_redirect_uri` exactly. `.failure` carries the error page.
    private func logoutTarget(
        _ parameters: RequestParameters, hint: IDTokenClaims?, request: Request
    ) async throws -> Result<String?, LogoutRefusal> {
        let clientID = try parameters.value("client_id")
        if let hint, let clientID, clientID != hint.aud {
            return .failure(LogoutRefusal(pages.message("logout_error_mismatch", request: request)))
        }
        guard let uri = try parameters.value("post_logout_redirect_uri") else { return .success(nil) }
        guard let id = clientID ?? hint?.aud, let client = try await services.clients.client(id: id),
            client.postLogoutRedirectURIs.contains(uri)
        else { return .failure(LogoutRefusal(pages.message("logout_error_redirect", request: request))) }
        return .success(uri)
    }

    func logout(_ request: Request, parameters: RequestParameters) async -> Response {
        do {
            var hint: IDTokenClaims?
            if let text = try parameters.value("id_token_hint") {
                guard let claims = await services.signer.verifyIDToken(text) else {
                    return pages.errorPage(pages.message("logout_error_hint", request: request), request: request)
                }
                hint = claims
            }
            let target: String?
            switch try await logoutTarget(parameters, hint: hint, request: request) {
            case .failure(let refusal): return pages.errorPage(refusal.message, request: request)
            case .success(let checked): target = checked
            }
            let state = try parameters.value("state")
            let session = try await services.login.activeSession(secret: request.cookies[sessionCookie]?.value)
            // A hint naming this browser's user is the RP asking for its own user: no question.
            if let hint, session == nil || session?.userID == hint.sub {
                return try await endSession(session, target: target, state: state, request: request)
            }
            guard session != nil else { return try await endSession(nil, target: target, state: state, request: request) }
            let (csrf, isNew) = csrfToken(request)
            var response = pages.render("logout", [
                "csrf": csrf, "post_logout_redirect_uri": target ?? "", "state": state ?? "",
                "client_id": (try parameters.value("client_id")) ?? hint?.aud ?? "",
            ], request: request, formTarget: target)
            if isNew { response.setCookie(cookie(csrfCookie, csrf, maxAge: nil)) }
            return response
        } catch {
            return internalErrorPage(error, request: request)
        }
    }

    /// The confirmation page's "Sign out" button.
    private func confirmedLogout(_ request: Request, form: RequestParameters) async -> Response {
        do {
            guard let csrf = request.cookies[csrfCookie]?.value, let sent = try form.value("csrf"),
                SecretDigest.constantTimeEquals(csrf, sent)
            else { return expiredPage(request) }
            let target: String?
            switch try await logoutTarget(form, hint: nil, request: request) {
            case .failure(let refusal): return pages.errorPage(refusal.message, request: request)
            case .success(let checked): target = checked
            }
            let session = try await services.login.activeSession(secret: request.cookies[sessionCookie]?.value)
            return try await endSession(session, target: target, state: try form.value("state"), request: request)
        } catch {
            return internalErrorPage(error, request: request)
        }
    }

    /// Ends the SSO session (and the grants issued under it), clears the cookie, and goes to the
    /// registered target with `state`, or shows the signed-out page.
    private func endSession(_ session: SSOSession?, target: String?, state: String?, request: Request) async throws -> Response {
        if let session {
            let now = services.clock.now()
            try await services.sessions.revoke(sessionID: session.id, at: now)
            await services.events.record(SecurityEvent(kind: .logout, at: now, userID: session.userID, detail: session.id))
        }
        var response = target.map { Responses.redirect(RedirectURL.build($0, parameters: [("state", state)])) }
            ?? pages.render("logged_out", [:], request: request)
        response.setCookie(cookie(sessionCookie, "deleted", maxAge: 0))
        return response
    }
}

struct LogoutRefusal: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
