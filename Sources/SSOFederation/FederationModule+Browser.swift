import Foundation
import SSOCore

extension FederationModule {
    /// `GET /federation/{provider}/start?interaction=ID`: the login page's button.
    @Sendable func start(_ request: EndpointRequest) async -> EndpointResponse {
        do {
            guard let name = request.pathParameters["provider"], let provider = try await providers.provider(name: name) else {
                return EndpointResponse(status: 404, body: .errorPage("This sign-in provider is not configured."))
            }
            guard let id = try request.query.value("interaction"), let browser = request.browserSecret,
                let interaction = try await interactions.interaction(id: id), clock.now() < interaction.expiresAt,
                SecretDigest.constantTimeEquals(interaction.browserBinding, SecretDigest.sha256(browser))
            else { return Self.expired }
            let state = service.newState(provider, interactionID: interaction.id,
                                         browserBinding: SecretDigest.sha256(browser))
            try await states.insert(state)
            return .redirect(service.authorizationURL(provider, state: state))
        } catch {
            return EndpointResponse(status: 400, body: .errorPage("The sign-in request is malformed."))
        }
    }

    static let expired = EndpointResponse(
        status: 400, body: .errorPage("This sign-in has expired or was started in another browser. Go back to the application and start again."))

    /// `GET /federation/{provider}/callback?code=...&state=...`: where providers send the browser back.
    @Sendable func callback(_ request: EndpointRequest) async -> EndpointResponse {
        do {
            guard let stateID = try request.query.value("state"),
                let state = try await states.federationState(id: stateID), clock.now() < state.expiresAt,
                state.provider == request.pathParameters["provider"]
            else { return Self.expired }
            if let site = state.clientRedirectURL {
                // Seed 002: the site receives the provider's code and our state, and calls /api/v1/oauth/authorize.
                let error = try request.query.value("error")
                let code = try request.query.value("code")
                return .redirect(RedirectURL.build(site, parameters: [
                    ("code", code), ("error", error), ("error_description", try request.query.value("error_description")),
                    ("device_id", try request.query.value("device_id")), ("state", stateID),
                ]))
            }
            return try await finishBrowserSignIn(state, request: request)
        } catch let error as UpstreamError {
            return EndpointResponse(status: error.isTimeout ? 504 : 502,
                                    body: .errorPage("Sign-in through the provider failed. \(error.description)"))
        } catch {
            return EndpointResponse(status: 500, body: .errorPage("The server could not complete the sign-in."))
        }
    }

    private func finishBrowserSignIn(_ state: FederationState, request: EndpointRequest) async throws -> EndpointResponse {
        guard let browser = request.browserSecret, let binding = state.browserBinding,
            SecretDigest.constantTimeEquals(binding, SecretDigest.sha256(browser)),
            try await states.consumeFederationState(id: state.id) != nil
        else { return Self.expired }
        if let error = try request.query.value("error") {
            return EndpointResponse(status: 400, body: .errorPage("The provider did not sign you in (\(error))."))
        }
        guard let code = try request.query.value("code"), let provider = try await providers.provider(name: state.provider),
            let interactionID = state.interactionID, let interaction = try await interactions.interaction(id: interactionID),
            clock.now() < interaction.expiresAt, let client = try await clients.client(id: interaction.request.clientID)
        else { return Self.expired }
        let profile = try await service.profile(
            provider, code: code, state: state, deviceID: try request.query.value("device_id"))
        let user = try await service.localUser(for: profile, provider: provider)
        let (session, secret) = try await login.signIn(
            user, methods: ["fed"], identityProvider: provider.name, clientID: client.id,
            existingSecret: request.sessionSecret)
        await events.record(SecurityEvent(kind: .federatedLogin, at: clock.now(), userID: user.id, clientID: client.id,
                                          detail: provider.name))
        var response = EndpointResponse.redirect(
            try await flow.loginSucceeded(interaction, client: client, session: session).location)
        response.newSessionSecret = secret
        return response
    }
}

extension UpstreamError {
    var isTimeout: Bool { if case .timeout = self { true } else { false } }
}
