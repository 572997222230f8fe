import Foundation
import SSOCore
import SSOEndpointModel

extension LegacyAlorModule {
    /// `POST /devapi/v1/oauth/code` with a JSON array of scopes: the signed-in user grants them
    /// to the pending `/authorize` request named by the `interaction` query parameter (the
    /// same value as in the login page's URL) or the `X-Interaction-Id` header. Answers the
    /// redirect to the client's registered URI with `code` and `state`.
    @Sendable func developerCode(_ request: EndpointRequest) async throws -> EndpointResponse {
        let scopes = try decode([String].self, from: request)
        guard let id = try request.query.value("interaction") ?? request.headers["x-interaction-id"] else {
            throw OAuthError.invalidRequest(
                "Name the pending authorization request: ?interaction=ID or the X-Interaction-Id header.")
        }
        guard let session = try await login.activeSession(secret: request.sessionSecret) else {
            throw OAuthError(.loginRequired, "Sign in first (POST /auth/actions/login).")
        }
        guard let interaction = try await binding.interaction(id, browserSecret: request.browserSecret),
            interaction.returnTo == nil
        else { throw OAuthError.invalidRequest("The authorization request is unknown, expired, or from another browser.") }
        guard let client = try await clients.client(id: interaction.request.clientID) else {
            throw OAuthError.invalidRequest("The authorization request's client no longer exists.")
        }
        guard let requested = ScopeSet(parsing: scopes.joined(separator: " ")), requested.values.count == scopes.count
        else { throw OAuthError.invalidScope("The scopes must be distinct, well-formed scope names.") }
        let step = try await flow.grantScopes(requested, to: interaction, client: client, session: session)
        guard case .redirect(let location) = step,
            let query = URLComponents(string: location)?.queryItems,
            let code = query.first(where: { $0.name == "code" })?.value
        else { throw OAuthError(.serverError, "No code was issued.") }
        return try .json(DevCodeAnswer(redirectUrl: location, code: code,
                                   state: query.first(where: { $0.name == "state" })?.value))
    }
}
