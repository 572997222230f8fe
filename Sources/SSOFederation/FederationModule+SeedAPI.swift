import Foundation
import SSOCore

extension FederationModule {
    /// `POST /api/v1/oauth/authorize-url/` with `provider` and `client_redirect_url` (seed 002):
    /// `{"state", "authorize_url"}`. The URL must be, exactly, a redirect URI of one of our clients.
    @Sendable func authorizeURL(_ request: EndpointRequest) async -> EndpointResponse {
        do {
            guard let parameters = Self.parameters(request) else {
                return Self.jsonError(.invalidRequest, "Send provider and client_redirect_url as form data.", status: 400)
            }
            let name = try parameters.required("provider")
            let site = try parameters.required("client_redirect_url")
            guard let provider = try await providers.provider(name: name) else {
                return Self.jsonError("unknown_provider", "The provider '\(name)' is not configured.", status: 400)
            }
            guard let client = try await clients.clients().first(where: { $0.redirectURIs.contains(site) }) else {
                return Self.jsonError("invalid_redirect_url", "client_redirect_url is not a registered redirect URI.",
                                      status: 400)
            }
            let state = service.newState(provider, clientRedirectURL: site, clientID: client.id)
            try await states.insert(state)
            return .json(["state": state.id, "authorize_url": service.authorizationURL(provider, state: state)])
        } catch let error as OAuthError {
            return .error(error)
        } catch {
            return .error(.failure(error))
        }
    }

    /// `POST /api/v1/oauth/authorize/` with form data `provider`, `state`, `code` (seed 002):
    /// exchanges the code upstream, finds or creates the user, answers our tokens. The state is
    /// single use and must be one this API issued for this provider.
    @Sendable func authorize(_ request: EndpointRequest) async -> EndpointResponse {
        do {
            guard let parameters = Self.parameters(request) else {
                return Self.jsonError(.invalidRequest, "Send provider, state and code as form data.", status: 400)
            }
            let name = try parameters.required("provider")
            let stateID = try parameters.required("state")
            let code = try parameters.required("code")
            guard let state = try await states.consumeFederationState(id: stateID), state.clientRedirectURL != nil,
                state.provider == name, clock.now() < state.expiresAt
            else { return Self.jsonError(.invalidGrant, "The state is unknown, used, expired or not for this provider.", status: 400) }
            guard let provider = try await providers.provider(name: name),
                let clientID = state.clientID, let client = try await clients.client(id: clientID)
            else { return Self.jsonError("unknown_provider", "The provider or client is no longer configured.", status: 400) }
            let profile = try await service.profile(
                provider, code: code, state: state, deviceID: try parameters.value("device_id"))
            let user = try await service.localUser(for: profile, provider: provider)
            let now = clock.now()
            let grant = GrantRecord(id: random.token(byteCount: 16), clientID: client.id, userID: user.id, sessionID: nil,
                                    scopes: client.allowedScopes, authTime: now, methods: ["fed"],
                                    identityProvider: provider.name, createdAt: now)
            try await grants.insertGrant(grant)
            await events.record(SecurityEvent(kind: .federatedLogin, at: now, userID: user.id, clientID: client.id,
                                              detail: provider.name))
            let tokens = try await issuer.issue(
                AuthorizedGrant(grantID: grant.id, clientID: client.id, userID: user.id, scopes: grant.scopes,
                                authTime: now, methods: ["fed"], identityProvider: provider.name, issueRefreshToken: true),
                for: client)
            return .json(SeedTokens(access_token: tokens.accessToken, refresh_token: tokens.refreshToken,
                                    token_type: tokens.tokenType, expires_in: tokens.expiresIn))
        } catch let error as UpstreamError {
            return Self.upstreamFailure(error)
        } catch let error as OAuthError {
            return .error(error)
        } catch {
            return .error(.failure(error))
        }
    }
}

/// Seed 002's answer, plus the two standard fields a client needs to use it.
struct SeedTokens: Encodable {
    var access_token: String
    var refresh_token: String?
    var token_type: String
    var expires_in: Int
}
