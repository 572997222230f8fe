import Foundation
import SSOCore
import SSOEndpointModel

/// The federation JSON API, for client sites that drive the upstream sign-in themselves:
/// `authorize-url` hands out a provider URL and a state, the provider's code comes back to the
/// site through our callback, and `authorize` exchanges it for our tokens.
///
/// Both calls authenticate the client as the token endpoint does (`client_secret_basic` or
/// `client_secret_post`; a public client sends its `client_id` and binds a PKCE S256
/// `code_challenge` in the first call, whose `code_verifier` the second call must present), the
/// client must have the API switched on (`federation_api`), the second call must come from the
/// client the state was issued to, and only scopes the user has consented to for that client
/// (all it asks, for a `skipConsent` first-party client) are issued. A sign-in this API cannot
/// complete without the user (an unlinked upstream account whose e-mail is a local account's,
/// an account with a second factor, missing consent) is refused and creates nothing.
extension FederationModule {
    /// `POST /api/v1/oauth/authorize-url/` with `provider`, `client_redirect_url` (exactly a
    /// redirect URI of the authenticated client) and optionally `scope`, `code_challenge` and
    /// `code_challenge_method` (S256): `{"state", "authorize_url"}`.
    @Sendable func authorizeURL(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let parameters = Self.parameters(request) else {
            return Self.jsonError(.invalidRequest, "Send provider and client_redirect_url as form data.", status: 400)
        }
        let client = try await authenticateAPIClient(parameters, request: request)
        let name = try parameters.required("provider")
        let site = try parameters.required("client_redirect_url")
        let scopes = try await requestedScopes(parameters, client: client)
        let challenge = try parameters.value("code_challenge")
        if let method = try parameters.value("code_challenge_method"), method != PKCE.s256 {
            throw OAuthError.invalidRequest("code_challenge_method must be S256.")
        }
        if let challenge, !PKCE.isWellFormed(challenge) {
            throw OAuthError.invalidRequest("code_challenge is not an S256 challenge.")
        }
        if client.isPublic, challenge == nil {
            throw OAuthError.invalidRequest("A public client must send a PKCE code_challenge (S256).")
        }
        guard let provider = try await providers.provider(name: name) else {
            return Self.jsonError("unknown_provider", "The provider '\(name)' is not configured.", status: 400)
        }
        guard client.redirectURIs.contains(site) else {
            return Self.jsonError("invalid_redirect_url", "client_redirect_url is not a registered redirect URI of this client.",
                                  status: 400)
        }
        var state = service.newState(provider, clientRedirectURL: site, clientID: client.id)
        state.codeChallenge = challenge
        state.scopes = scopes
        try await states.insert(state)
        return try .json(["state": state.id, "authorize_url": service.authorizationURL(provider, state: state)])
    }

    /// `POST /api/v1/oauth/authorize/` with form data `provider`, `state`, `code` (and
    /// `code_verifier` when a challenge was bound), from the client the state was issued to:
    /// exchanges the code upstream, finds or creates the user, answers our tokens. The state
    /// is single use.
    @Sendable func authorize(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let parameters = Self.parameters(request) else {
            return Self.jsonError(.invalidRequest, "Send provider, state and code as form data.", status: 400)
        }
        let client = try await authenticateAPIClient(parameters, request: request)
        let name = try parameters.required("provider")
        let stateID = try parameters.required("state")
        let code = try parameters.required("code")
        let verifier = try parameters.value("code_verifier")
        // Looked at, not consumed, until the request is known to be the right client's.
        guard let state = try await states.federationState(id: stateID), state.clientRedirectURL != nil,
            state.provider == name, clock.now() < state.expiresAt, state.clientID == client.id
        else {
            throw OAuthError.invalidGrant("The state is unknown, used, expired, or not this client's or provider's.")
        }
        if let challenge = state.codeChallenge {
            guard let verifier, PKCE.verify(verifier: verifier, challenge: challenge) else {
                throw OAuthError.invalidGrant("The code_verifier does not match the code_challenge.")
            }
        } else if client.isPublic {
            throw OAuthError.invalidGrant("The state has no PKCE challenge.")
        }
        guard let provider = try await providers.provider(name: name) else {
            return Self.jsonError("unknown_provider", "The provider is no longer configured.", status: 400)
        }
        guard try await states.consumeFederationState(id: stateID) != nil else {
            throw OAuthError.invalidGrant("The state was used.")
        }
        let profile = try await service.profile(
            provider, code: code, state: state, deviceID: try parameters.value("device_id"))
        let requested = state.scopes ?? client.allowedScopes
        let user: User
        switch try await service.account(for: profile, provider: provider) {
        case .linked(let linked):
            guard !linked.hasTOTP else {
                throw OAuthError(.interactionRequired,
                                 "This account has a second factor: sign in through the login page.")
            }
            user = linked
        case .existingAccount:
            throw OAuthError(.interactionRequired, """
                An account with this e-mail exists: sign in to it through the login page to connect the provider.
                """)
        case .new:
            // A new user has consented to nothing: only a first-party client may go on.
            guard client.skipConsent else {
                throw OAuthError(.consentRequired, "The user has not consented to this application.")
            }
            user = try await service.createUser(for: profile, provider: provider)
            guard !user.hasTOTP else {
                // Another sign-in of the same upstream account made its user first, with a second factor since.
                throw OAuthError(.interactionRequired, "This account has a second factor: sign in through the login page.")
            }
        }
        let scopes = try await consentedScopes(requested, explicit: state.scopes != nil, user: user, client: client)
        let now = clock.now()
        let grant = GrantRecord(id: random.token(byteCount: 16), clientID: client.id, userID: user.id, sessionID: nil,
                                scopes: scopes, authTime: now, methods: ["fed"],
                                identityProvider: provider.name, createdAt: now)
        try await grants.insertGrant(grant)
        await events.record(SecurityEvent(kind: .federatedLogin, at: now, userID: user.id, clientID: client.id,
                                          detail: provider.name))
        let tokens = try await issuer.issue(
            AuthorizedGrant(grantID: grant.id, clientID: client.id, userID: user.id, scopes: grant.scopes,
                            authTime: now, methods: ["fed"], identityProvider: provider.name,
                            issueRefreshToken: client.allowsGrant("refresh_token")),
            for: client)
        return try .json(APITokens(access_token: tokens.accessToken, refresh_token: tokens.refreshToken,
                               token_type: tokens.tokenType, expires_in: tokens.expiresIn, scope: scopes.description))
    }

    /// The client of an API call, authenticated as at the token endpoint, and allowed the API.
    private func authenticateAPIClient(_ parameters: RequestParameters, request: EndpointRequest) async throws -> Client {
        let basic: BasicCredentials?
        switch BasicAuthorization.parse(request.headers["authorization"]) {
        case .absent: basic = nil
        case .credentials(let credentials): basic = credentials
        case .malformed: throw OAuthError.invalidClient("The Authorization header is malformed.")
        }
        let client = try await authenticator.authenticate(parameters, basic: basic, address: request.clientAddress)
        guard client.federationAPI else {
            throw OAuthError.unauthorizedClient("This client may not use the federation API.")
        }
        return client
    }

    /// The `scope` of the first call, as `/authorize` checks it; `nil` when none was sent.
    private func requestedScopes(_ parameters: RequestParameters, client: Client) async throws -> ScopeSet? {
        guard let text = try parameters.value("scope"), !text.isEmpty else { return nil }
        return try client.requestedScopes(text)
    }

    /// What may be issued: all that was asked for a `skipConsent` client; otherwise what the user
    /// consented to for this client: all of an explicit `scope`, or the part of the client's
    /// scopes they consented to when none was named.
    private func consentedScopes(_ requested: ScopeSet, explicit: Bool, user: User, client: Client) async throws -> ScopeSet {
        if client.skipConsent { return requested }
        let consented = try await consents.consentedScopes(userID: user.id, clientID: client.id)
        if explicit {
            let missing = requested.subtracting(consented)
            guard missing.isEmpty else {
                throw OAuthError(.consentRequired, "The user has not consented to: \(missing.joined(separator: " ")).")
            }
            return requested
        }
        let granted = ScopeSet(requested.values.filter(consented.contains))
        guard !granted.isEmpty else {
            throw OAuthError(.consentRequired, "The user has not consented to this application.")
        }
        return granted
    }
}

/// The API's answer: the tokens, their type, lifetime and scope.
struct APITokens: Encodable {
    var access_token: String
    var refresh_token: String?
    var token_type: String
    var expires_in: Int
    var scope: String
}
