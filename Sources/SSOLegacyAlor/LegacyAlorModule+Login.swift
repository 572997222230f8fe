import Foundation
import SSOCore
import SSOEndpointModel

extension LegacyAlorModule {
    /// `GET /auth/actions/2factor/?login=L`: whether the account wants a TOTP code. An unknown
    /// login answers as a known one without TOTP, and each address may ask 30 times a minute
    /// (each request counted before it is answered, so requests sent at once cannot pass it).
    @Sendable func twoFactorProbe(_ request: EndpointRequest) async throws -> EndpointResponse {
        _ = try await throttle.reserve([.counting(request.clientAddress.map { "probe:" + $0 }, throttle.limits.probe)])
        guard let login = try request.query.value("login") else {
            throw OAuthError.invalidRequest("The 'login' parameter is missing.")
        }
        let required = try await users.user(login: login)?.hasTOTP ?? false
        return try .json(TwoFactorAnswer(twoFactorRequired: required))
    }

    /// `POST /auth/actions/login`: the developer site's login. Opens the SSO session and answers
    /// the session's tokens, issued to the legacy client.
    @Sendable func developerLogin(_ request: EndpointRequest) async throws -> EndpointResponse {
        let body = try decode(LegacyLoginBody.self, from: request)
        let client = try await legacyClient(id: configuration.clientID)
        return try await signIn(body.credentials, client: client, request: request, redirectURL: nil)
    }

    /// `POST /sso-auth/client`: the personal cabinet's login. The client must be the configured
    /// legacy client (this endpoint carries no client authentication, so it must not turn a
    /// password into another client's tokens, past that client's consent and grant types) and
    /// `redirect_url` one of its URLs; checked before the password, so a refused request
    /// changes nothing.
    @Sendable func cabinetLogin(_ request: EndpointRequest) async throws -> EndpointResponse {
        let body = try decode(CabinetLoginBody.self, from: request)
        guard body.client_id == configuration.clientID else {
            throw OAuthError(.invalidClient,
                             "This endpoint serves only the client '\(configuration.clientID)'; other clients use /authorize.")
        }
        let client = try await legacyClient(id: body.client_id)
        guard let url = Self.registeredURL(body.redirect_url, of: client) else {
            throw OAuthError(.invalidRedirectURL, "redirect_url is not registered for client '\(client.id)'.")
        }
        return try await signIn(body.credentials, client: client, request: request, redirectURL: url)
    }

    /// A registered public client that may use the refresh grant: the only kind the legacy
    /// endpoints, which carry no client authentication, may issue tokens to.
    func legacyClient(id: String) async throws -> Client {
        guard let client = try await clients.client(id: id) else {
            throw OAuthError(.invalidClient, "The client '\(id)' is not registered; see the migration guide.")
        }
        guard client.isPublic else {
            throw OAuthError(.invalidClient, "The client '\(id)' is confidential; it must use /token with its secret.")
        }
        return client
    }

    private func signIn(
        _ credentials: LegacyCredentials, client: Client, request: EndpointRequest, redirectURL: String?
    ) async throws -> EndpointResponse {
        let outcome = try await login.authenticate(
            login: credentials.login, password: credentials.password, pin: credentials.twoFactorPin,
            address: request.clientAddress, clientID: client.id)
        switch outcome {
        case .success(let user, let methods, let upgrade):
            let (session, secret) = try await login.signIn(
                user, methods: methods, clientID: client.id, upgrade: upgrade, existingSecret: request.sessionSecret,
                origin: request.sessionOrigin)
            var tokens = try await issueForSession(session, client: client)
            tokens.redirectUrl = redirectURL
            var response = try EndpointResponse.json(tokens)
            response.newSessionSecret = secret
            return response
        case .invalidCredentials:
            return .error(OAuthError(.invalidCredentials, "The login or password is wrong."), status: 401)
        case .secondFactorRequired:
            return .error(OAuthError(.twoFactorRequired, "This account needs twoFactorPin, the code from its authenticator."),
                          status: 401)
        case .invalidSecondFactor:
            return .error(OAuthError(.invalidTwoFactorPin, "The twoFactorPin is wrong or was used already."), status: 401)
        case .locked(let seconds):
            return Self.tooMany(seconds)
        }
    }

    /// Tokens for a fresh session: a new grant (token family) for the client, then the one issuer.
    private func issueForSession(_ session: SSOSession, client: Client) async throws -> LegacyTokens {
        let grant = GrantRecord(
            id: random.token(byteCount: 16), clientID: client.id, userID: session.userID, sessionID: session.id,
            scopes: client.allowedScopes, authTime: session.authTime, methods: session.methods, createdAt: clock.now())
        try await grants.insertGrant(grant)
        let response = try await issuer.issue(
            AuthorizedGrant(grantID: grant.id, clientID: client.id, userID: session.userID, scopes: grant.scopes,
                            authTime: session.authTime, methods: session.methods,
                            identityProvider: session.identityProvider, sessionID: session.id,
                            issueRefreshToken: true),
            for: client)
        return LegacyTokens(jwt: response.accessToken, refreshToken: response.refreshToken, expiresIn: response.expiresIn,
                            idToken: response.idToken)
    }

    static func tooMany(_ seconds: Int) -> EndpointResponse { .error(.tooManyAttempts(retryAfter: seconds)) }
}

extension OAuthError.Code {
    /// The legacy endpoints' own error codes (documented in the migration guide).
    static let invalidCredentials: Self = "invalid_credentials"
    static let twoFactorRequired: Self = "two_factor_required"
    static let invalidTwoFactorPin: Self = "invalid_two_factor_pin"
    static let invalidRedirectURL: Self = "invalid_redirect_url"
}
