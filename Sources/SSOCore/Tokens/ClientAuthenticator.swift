import Foundation

/// Client credentials from an `Authorization: Basic` header (RFC 6749 section 2.3.1), already
/// decoded by the HTTP layer.
public struct BasicCredentials: Sendable, Equatable {
    public var clientID: String
    public var secret: String
    public init(clientID: String, secret: String) {
        self.clientID = clientID
        self.secret = secret
    }
}

/// Authenticates the client of a token request: `client_secret_basic`, `client_secret_post`,
/// or `none` for public clients. Exactly one method per request (RFC 6749 section 2.3).
/// Failed authentications count per client and per caller address, on every endpoint that
/// authenticates clients (token, introspection, revocation); past either limit the answer is 429.
public struct ClientAuthenticator: Sendable {
    let clients: any ClientStore
    let events: any SecurityEventRecorder
    let clock: any SSOClock
    let throttle: Throttle?

    public init(clients: any ClientStore, events: any SecurityEventRecorder, clock: any SSOClock, throttle: Throttle? = nil) {
        self.clients = clients
        self.events = events
        self.clock = clock
        self.throttle = throttle
    }

    public func authenticate(_ parameters: RequestParameters, basic: BasicCredentials?, address: String? = nil)
        async throws -> Client
    {
        let bodyID = try parameters.value("client_id")
        let bodySecret = try parameters.value("client_secret")
        let clientID: String
        let secret: String?
        if let basic {
            guard bodySecret == nil else {
                throw OAuthError.invalidRequest("Use one client authentication method, not both Basic and client_secret.")
            }
            if let bodyID, bodyID != basic.clientID {
                throw OAuthError.invalidClient("The client_id does not match the authenticated client.")
            }
            // `Basic client_id:` with an empty password is how some clients (oidc-agent) name a
            // public client: an identification, not a secret.
            (clientID, secret) = (basic.clientID, basic.secret.isEmpty ? nil : basic.secret)
        } else {
            guard let bodyID else { throw OAuthError.invalidClient("Client authentication is required.") }
            (clientID, secret) = (bodyID, bodySecret)
        }
        try await throttle?.check(Throttle.clientKey(clientID), Throttle.tokenAddressKey(address))
        guard let client = try await clients.client(id: clientID) else {
            await failed(clientID, address: address, "unknown client")
            throw OAuthError.invalidClient("Client authentication failed.")
        }
        if client.authMethodPinned, secret != nil {
            let used: ClientAuthMethod = basic != nil ? .clientSecretBasic : .clientSecretPost
            guard used == client.authMethod else {
                await failed(clientID, address: address, "\(used.rawValue) instead of \(client.authMethod.rawValue)")
                throw OAuthError.invalidClient("This client must authenticate with \(client.authMethod.rawValue).")
            }
        }
        switch (client.secretDigest, secret) {
        case (nil, nil):
            return client
        case (.some(let digest), .some(let secret)) where SecretDigest.matches(secret, digest: digest):
            return client
        case (nil, .some):
            await failed(clientID, address: address, "secret sent for a public client")
        case (.some, nil):
            await failed(clientID, address: address, "no secret")
        default:
            await failed(clientID, address: address, "wrong secret")
        }
        throw OAuthError.invalidClient("Client authentication failed.")
    }

    private func failed(_ clientID: String, address: String?, _ why: String) async {
        await events.record(SecurityEvent(kind: .clientAuthFailed, at: clock.now(), clientID: clientID, detail: why))
        guard let throttle else { return }
        await throttle.fail(Throttle.tokenAddressKey(address), policy: throttle.limits.tokenAddress)
        let state = await throttle.fail(Throttle.clientKey(clientID), policy: throttle.limits.clientAuthentication)
        if state?.lockedUntil != nil {
            await events.record(SecurityEvent(kind: .clientLocked, at: clock.now(), clientID: clientID))
        }
    }
}
