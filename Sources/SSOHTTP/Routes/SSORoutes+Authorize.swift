import Foundation
import Hummingbird
import SSOCore

extension SSORoutes {
    func registerAuthorize(on router: Router<some RequestContext>) {
        for path in ["/authorize", "/connect/authorize"] {
            router.get(RouterPath(path)) { request, _ in await authorize(request, parameters: request.queryParameters) }
            router.post(RouterPath(path)) { request, _ in
                var request = request
                guard let form = await request.formParameters() else { return badFormPage(request) }
                return await authorize(request, parameters: form)
            }
        }
    }

    /// `/authorize`: validate, then let the flow decide (login page, consent page, or back to the client).
    func authorize(_ request: Request, parameters: RequestParameters) async -> Response {
        do {
            let (authorization, client) = try await services.validator.validate(parameters)
            let (csrf, isNew) = csrfToken(request)
            let session = try await services.login.activeSession(secret: request.cookies[sessionCookie]?.value)
            let step = try await services.flow.start(
                authorization, client: client, session: session, browserBinding: SecretDigest.sha256(csrf))
            var response = respond(step)
            if isNew { response.setCookie(cookie(csrfCookie, csrf, maxAge: nil)) }
            return response
        } catch AuthorizationRequestError.untrustedRedirect(let message) {
            return pages.errorPage(message, request: request)
        } catch AuthorizationRequestError.redirect(let error, let redirectURI, let state) {
            return Responses.redirect(
                RedirectURL.errorRedirect(redirectURI, error: error, state: state, issuer: configuration.issuer))
        } catch {
            return internalErrorPage(error, request: request)
        }
    }

    /// The browser's anti-CSRF token (double-submit cookie), made when the browser has none.
    func csrfToken(_ request: Request) -> (String, isNew: Bool) {
        if let existing = request.cookies[csrfCookie]?.value, existing.utf8.count >= 32 {
            return (existing, false)
        }
        return (services.random.token(), true)
    }

    func respond(_ step: AuthorizationStep) -> Response { Responses.redirect(step.location) }

    /// The interaction named by a login or consent page, if it is live and belongs to this browser.
    func boundInteraction(_ id: String?, request: Request, submittedCSRF: String? = nil) async throws -> Interaction? {
        guard let id, let csrf = request.cookies[csrfCookie]?.value,
            let interaction = try await services.interactions.interaction(id: id),
            services.clock.now() < interaction.expiresAt,
            SecretDigest.constantTimeEquals(interaction.browserBinding, SecretDigest.sha256(csrf))
        else { return nil }
        if let submittedCSRF, !SecretDigest.constantTimeEquals(submittedCSRF, csrf) { return nil }
        return interaction
    }
}
