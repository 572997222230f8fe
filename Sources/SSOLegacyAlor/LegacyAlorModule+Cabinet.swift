import Foundation
import SSOCore
import SSOEndpointModel

extension LegacyAlorModule {
    /// `GET /login?url=URL&scope=ClientAccount`: the personal cabinet's entry. Shows the same
    /// login page and returns to `url` afterwards, when `url` is registered for the legacy
    /// client; with a live session it returns at once. Anything else gets an error page.
    @Sendable func cabinetEntry(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let url = try request.query.value("url") else {
            return .errorPage("The sign-in link is missing its 'url' parameter.")
        }
        guard let client = try await clients.client(id: configuration.clientID),
            let target = Self.registeredURL(url, of: client)
        else { return .errorPage("The address to return to is not registered.") }
        let session = try await login.activeSession(secret: request.sessionSecret)
        let binding = SecretDigest.sha256(request.browserSecret ?? random.token())
        let step = try await flow.signInThenReturn(to: target, client: client, session: session, browserBinding: binding)
        return .redirect(step.location)
    }
}
