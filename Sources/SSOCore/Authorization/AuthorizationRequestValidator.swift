/// Checks the parameters of `/authorize` in the order that decides where errors may be sent:
/// first the client and redirect URI (errors shown to the user), then the rest (errors
/// redirected to the client).
public struct AuthorizationRequestValidator: Sendable {
    /// Longest `state`, `nonce` or `login_hint` accepted: generous for any real client, small
    /// enough that nobody stores megabytes through us.
    public static let maxParameterLength = 2048
    static let knownPrompts: Set<String> = ["none", "login", "consent", "select_account"]

    let clients: any ClientStore
    let scopes: (any ScopeStore)?

    /// With `scopes`, a request for a scope that is neither built in nor registered is refused
    /// even if the client's list names it (it may have been unregistered since).
    public init(clients: any ClientStore, scopes: (any ScopeStore)? = nil) {
        self.clients = clients
        self.scopes = scopes
    }

    public func validate(_ parameters: RequestParameters) async throws -> (AuthorizationRequest, Client) {
        let client: Client
        let redirectURI: String
        do {
            guard let clientID = try parameters.value("client_id") else {
                throw AuthorizationRequestError.untrustedRedirect("The request has no client_id.")
            }
            guard let found = try await clients.client(id: clientID) else {
                throw AuthorizationRequestError.untrustedRedirect("The application '\(clientID)' is not registered.")
            }
            client = found
            if let sent = try parameters.value("redirect_uri") {
                guard client.redirectURIs.contains(sent) else {
                    throw AuthorizationRequestError.untrustedRedirect("The redirect_uri is not registered for this application.")
                }
                redirectURI = sent
            } else {
                // RFC 6749 3.1.2.3 lets a client with one registered URI omit it; OpenID Connect does not.
                let scopeText = (try? parameters.value("scope")) ?? nil
                let wantsOpenID = scopeText.map { $0.split(separator: " ").contains("openid") } ?? false
                guard client.redirectURIs.count == 1, !wantsOpenID, let only = client.redirectURIs.first else {
                    throw AuthorizationRequestError.untrustedRedirect("The request has no redirect_uri.")
                }
                redirectURI = only
            }
        } catch let error as OAuthError {
            throw AuthorizationRequestError.untrustedRedirect(error.description)
        }

        let state: String?
        do {
            state = try parameters.value("state")
        } catch {
            throw AuthorizationRequestError.redirect(error, redirectURI: redirectURI, state: nil)
        }
        do {
            let request = try checkRest(parameters, client: client, redirectURI: redirectURI, state: state)
            if let unknown = try await scopes?.unknownScopes(in: request.scopes), !unknown.isEmpty {
                throw OAuthError.invalidScope("Unknown scope: \(unknown.joined(separator: " ")).")
            }
            return (request, client)
        } catch let error as OAuthError {
            throw AuthorizationRequestError.redirect(error, redirectURI: redirectURI, state: state)
        }
    }

    private func checkRest(
        _ parameters: RequestParameters, client: Client, redirectURI: String, state: String?
    ) throws(OAuthError) -> AuthorizationRequest {
        if parameters.contains("request") {
            throw OAuthError(.requestNotSupported, "Request objects are not supported.")
        }
        if parameters.contains("request_uri") {
            throw OAuthError(.requestURINotSupported, "request_uri is not supported.")
        }
        guard let responseType = try parameters.value("response_type") else {
            throw .invalidRequest("The 'response_type' parameter is missing.")
        }
        guard responseType == "code" else {
            throw OAuthError(.unsupportedResponseType, "Only response_type=code is supported.")
        }
        if let mode = try parameters.value("response_mode"), mode != "query" {
            throw .invalidRequest("Only response_mode=query is supported.")
        }
        let scopes = try checkScopes(parameters, client: client)
        let challenge = try checkPKCE(parameters, client: client)
        let prompt = try checkPrompt(parameters)
        var maxAge: Int?
        if let text = try parameters.value("max_age") {
            guard let value = Int(text), value >= 0 else { throw .invalidRequest("max_age must be a non-negative integer.") }
            maxAge = value
        }
        let nonce = try parameters.value("nonce")
        let loginHint = try parameters.value("login_hint")
        let acrText = try parameters.value("acr_values")
        for (name, value) in [("state", state), ("nonce", nonce), ("login_hint", loginHint), ("acr_values", acrText)] {
            if let value, value.utf8.count > Self.maxParameterLength {
                throw .invalidRequest("The '\(name)' parameter is too long.")
            }
        }
        return AuthorizationRequest(
            clientID: client.id, redirectURI: redirectURI, redirectURIWasSent: parameters.contains("redirect_uri"),
            scopes: scopes, state: state, nonce: nonce, codeChallenge: challenge, prompt: prompt, maxAge: maxAge,
            loginHint: loginHint,
            acrValues: acrText.map { $0.split(separator: " ").map(String.init) }.flatMap { $0.isEmpty ? nil : $0 }
        )
    }

    private func checkScopes(_ parameters: RequestParameters, client: Client) throws(OAuthError) -> ScopeSet {
        try client.requestedScopes(try parameters.value("scope"))
    }

    private func checkPKCE(_ parameters: RequestParameters, client: Client) throws(OAuthError) -> String? {
        let method = try parameters.value("code_challenge_method")
        guard let challenge = try parameters.value("code_challenge") else {
            if method != nil { throw .invalidRequest("code_challenge_method was sent without code_challenge.") }
            if client.pkceRequired { throw .invalidRequest("PKCE is required: send code_challenge with code_challenge_method=S256.") }
            return nil
        }
        // RFC 7636 makes a missing method mean "plain", which we refuse like an explicit one.
        guard method == PKCE.s256 else {
            throw .invalidRequest("code_challenge_method must be S256; 'plain' is not accepted.")
        }
        guard PKCE.isWellFormed(challenge) else { throw .invalidRequest("The code_challenge is malformed.") }
        return challenge
    }

    private func checkPrompt(_ parameters: RequestParameters) throws(OAuthError) -> Set<String> {
        guard let text = try parameters.value("prompt") else { return [] }
        let values = Set(text.split(separator: " ").map(String.init))
        let unknown = values.subtracting(Self.knownPrompts)
        guard unknown.isEmpty else { throw .invalidRequest("Unknown prompt value: \(unknown.sorted().joined(separator: " ")).") }
        if values.contains("none"), values.count > 1 {
            throw .invalidRequest("prompt=none cannot be combined with other values.")
        }
        return values
    }
}
