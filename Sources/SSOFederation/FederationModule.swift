import Foundation
import SSOCore
import SSOEndpointModel

/// Sign-in through upstream providers, as an endpoint module:
/// - the browser flow: a button on the login page → `/federation/{provider}/start` → the
///   provider → `/federation/{provider}/callback` → (when the local account owes something:
///   `/federation/continue`, its password to connect the provider, its second factor) → our
///   SSO session → the pending `/authorize`;
/// - the federation JSON API for client sites that drive the federation themselves:
///   `POST /api/v1/oauth/authorize-url/`, the callback passing the provider's code to the site,
///   and `POST /api/v1/oauth/authorize/` answering our tokens.
public struct FederationModule: EndpointModule {
    let service: FederationService
    let providers: any ProviderStore
    let states: any FederationStateStore
    let clients: any ClientStore
    let interactions: any InteractionStore
    let grants: any GrantStore
    let consents: any ConsentStore
    let authenticator: ClientAuthenticator
    let login: LoginService
    let flow: AuthorizationFlow
    let issuer: any TokenIssuer
    let throttle: Throttle
    let events: any SecurityEventRecorder
    let clock: any SSOClock
    let random: any SecureRandom

    public init(
        service: FederationService, providers: any ProviderStore, states: any FederationStateStore,
        clients: any ClientStore, interactions: any InteractionStore, grants: any GrantStore, consents: any ConsentStore,
        authenticator: ClientAuthenticator, login: LoginService,
        flow: AuthorizationFlow, issuer: any TokenIssuer, throttle: Throttle, events: any SecurityEventRecorder, clock: any SSOClock,
        random: any SecureRandom
    ) {
        self.service = service
        self.providers = providers
        self.states = states
        self.clients = clients
        self.interactions = interactions
        self.grants = grants
        self.consents = consents
        self.authenticator = authenticator
        self.login = login
        self.flow = flow
        self.issuer = issuer
        self.throttle = throttle
        self.events = events
        self.clock = clock
        self.random = random
    }

    public var routes: [EndpointRoute] {
        [
            EndpointRoute(.get, "/federation/{provider}/start", handler: start),
            EndpointRoute(.post, "/federation/{provider}/link", handler: startLink),
            EndpointRoute(.get, "/federation/{provider}/callback") { request in
                try await limitingFailures(request, audience: .browser) { try await callback(request) }
            },
            EndpointRoute(.get, "/federation/continue", handler: continuePage),
            EndpointRoute(.post, "/federation/continue", handler: continueSubmit),
            // Hummingbird also matches the API's documented trailing-slash spellings here.
            EndpointRoute(.post, "/api/v1/oauth/authorize-url", audience: .client, handler: authorizeURL),
            EndpointRoute(.post, "/api/v1/oauth/authorize", audience: .client) { request in
                try await limitingFailures(request, audience: .client) { try await authorize(request) }
            },
        ]
    }

    /// Runs a callback under the per-address failure limit: each callback is counted before it
    /// runs (429 while the address is locked, so callbacks sent at once cannot pass the limit)
    /// and given back unless its answer is 400 (a forged, replayed or expired state, a refused
    /// sign-in), whether returned or thrown. Upstream failures (502, 504) are not the caller's
    /// and do not count. A refusal, or a store that cannot count the attempt, is thrown: nothing
    /// is verified without it.
    func limitingFailures(
        _ request: EndpointRequest, audience: EndpointAudience, _ body: () async throws -> EndpointResponse
    ) async throws -> EndpointResponse {
        try await throttle.attempt(
            [.counting(Throttle.federationAddressKey(request.clientAddress), throttle.limits.federationAddress)],
            isFailure: { outcome in
                switch outcome {
                case .success(let response): response.status == 400
                case .failure(let error): EndpointFailure.response(for: error, audience: audience, realm: service.issuer).status == 400
                }
            }, body)
    }

    /// Form or JSON parameters of a POST.
    static func parameters(_ request: EndpointRequest) -> RequestParameters? {
        switch request.mediaType {
        case "application/x-www-form-urlencoded":
            return request.form
        case "application/json":
            guard let object = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any] else { return nil }
            return RequestParameters(object.compactMap { key, value in (value as? String).map { (name: key, value: $0) } })
        default:
            return nil
        }
    }

    static func jsonError(_ code: OAuthError.Code, _ description: String, status: Int) -> EndpointResponse {
        .error(OAuthError(code, description), status: status)
    }
}

/// A failure upstream answers itself: the error page for a browser (502, or 504 when the
/// provider did not answer in time), `upstream_error` / `upstream_timeout` JSON for the API.
extension UpstreamError: EndpointResponseError {
    public func response(audience: EndpointAudience, realm: String) -> EndpointResponse {
        let status = isTimeout ? 504 : 502
        guard audience != .browser else {
            return EndpointResponse(status: status, body: .errorPage(.text("Sign-in through the provider failed. \(description)")))
        }
        return FederationModule.jsonError(isTimeout ? "upstream_timeout" : "upstream_error", description, status: status)
    }
}
