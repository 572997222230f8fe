import Foundation
import SSOCore
import SSOEndpointModel

/// Linking an upstream account from the account page: only a browser signed in locally (a
/// password or a passkey, not an upstream sign-in) in the last ``SSOSession/recentSignIn``
/// seconds may start it, and the provider's answer is linked to that session's user only when
/// it comes back to the same session. An upstream account linked to someone else stays theirs.
extension FederationModule {
    /// The local methods that prove the account's own credentials.
    static let localMethods: Set<String> = ["pwd", "hwk", "swk"]

    /// `POST /federation/{provider}/link` (the account page's form, with its `csrf`).
    @Sendable func startLink(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let form = request.form, try request.isFromThisBrowser(form), let browser = request.browserSecret else {
            return EndpointResponse(status: 403, body: .errorPage(.key("error_expired")))
        }
        guard let name = request.pathParameters["provider"], let provider = try await providers.provider(name: name) else {
            return EndpointResponse(status: 404, body: .errorPage(.text("This sign-in provider is not configured.")))
        }
        guard let session = try await login.activeSession(secret: request.sessionSecret),
            session.signedInRecently(at: clock.now()), !Self.localMethods.isDisjoint(with: session.methods)
        else { return .redirect("/account/sign-in-again?return=%2Faccount") }
        var state = service.newState(provider, browserBinding: SecretDigest.sha256(browser))
        state.linkingSessionID = session.id
        try await states.insert(state)
        return .redirect(service.authorizationURL(provider, state: state))
    }

    static let linkTaken = EndpointResponse(status: 409, body: .errorPage(.key("account_link_taken")))

    /// The provider's answer to a link started on the account page (its state already consumed).
    func finishLink(_ state: FederationState, sessionID: String, request: EndpointRequest) async throws -> EndpointResponse {
        guard let session = try await login.activeSession(secret: request.sessionSecret), session.id == sessionID,
            let user = try await service.users.user(id: session.userID),
            let code = try request.query.value("code"), let provider = try await providers.provider(name: state.provider)
        else { return Self.expired }
        let profile = try await service.profile(provider, code: code, state: state, deviceID: try request.query.value("device_id"))
        switch try await service.link(provider: provider.name, subject: profile.subject, to: user) {
        case .alreadyLinked:
            break
        case .linkedToAnother:
            return Self.linkTaken
        case .linked:
            await events.record(SecurityEvent(kind: .federationLinked, at: clock.now(), userID: user.id,
                                              detail: "\(provider.name) \(profile.subject), from the account page"))
        }
        return .redirect("/account?done=linked#links")
    }
}
