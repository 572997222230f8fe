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
///
/// Failed authentications count per client and caller address and per address, on every
/// endpoint that authenticates clients (token, introspection, revocation). The secret is
/// checked first (a digest comparison), then the outcome is settled in the store's order
/// (see `Throttle`): a failure counts unless the address, or the client from that address, is
/// locked by then (429); a success is answered only if neither is locked. So guesses sent at
/// once beyond a limit are all answered 429, and a correct secret from an address that is not
/// locked always passes, however many wrong ones other addresses sent. Failures from every
/// address together are counted per client too: past that limit wrong secrets are answered 429
/// everywhere (and `client.locked` is recorded), the right one is never refused for it.
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

    /// The authenticated client, once settled against the limits.
    public func authenticate(_ parameters: RequestParameters, basic: BasicCredentials?, address: String? = nil)
        async throws -> Client
    {
        try await authenticate(parameters, basic: basic, address: address, counting: []) { $0 }
    }

    /// Authenticates the client and runs `body` for it; settles the whole outcome once, after
    /// `body`: an error `body` throws with one of `codes` counts as a failure of the address
    /// (an invalid grant), and whatever `body` answered is given only if the address and the
    /// client from that address are not locked by then (each answer tells that the secret was
    /// right, so none may escape the limit).
    public func authenticate<T: Sendable>(
        _ parameters: RequestParameters, basic: BasicCredentials?, address: String? = nil,
        counting codes: Set<OAuthError.Code>, then body: (Client) async throws -> T
    ) async throws -> T {
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
        let clientAddressKey = Throttle.clientAddressKey(clientID, address: address)
        let addressKey = Throttle.tokenAddressKey(address)
        // Known locks refuse at once, before anything is looked up.
        try await throttle?.check(clientAddressKey, addressKey)
        let client: Client
        switch try await verify(clientID, secret: secret, basic: basic != nil) {
        case .failure(let why):
            try await failed(clientID, address: address, why)
            throw OAuthError.invalidClient(why.description)
        case .success(let verified):
            client = verified
        }
        guard let throttle else { return try await body(client) }
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body(client)) } catch { outcome = .failure(error) }
        if case .failure(let error as OAuthError) = outcome, codes.contains(error.code) {
            try await throttle.countFailure([
                .checking(clientAddressKey), .counting(addressKey, throttle.limits.tokenAddress),
            ])
        } else {
            try await throttle.settleSuccess([clientAddressKey, addressKey])
        }
        return try outcome.get()
    }

    /// Runs `body` for a request that names no client (the token endpoint's credential-less
    /// form, see `TokenEndpoint.handle(namingClientBy:address:parameters:)`), settled against the
    /// caller's address only: a locked address is refused first, an error with one of `codes`
    /// counts against it, and an answer is given only if it is not locked by then. No secret is
    /// tried, so the per-client limits of failed authentications are not involved.
    public func guardingAddress<T: Sendable>(
        _ address: String?, counting codes: Set<OAuthError.Code>, _ body: () async throws -> T
    ) async throws -> T {
        guard let throttle else { return try await body() }
        return try await throttle.guarding(
            Throttle.tokenAddressKey(address), policy: throttle.limits.tokenAddress, counting: codes, body)
    }

    /// Why an authentication failed: the reason recorded, and the answer the client gets.
    struct Failure: Error, CustomStringConvertible {
        var reason: String
        var answer: String
        var description: String { answer }
        static func failed(_ reason: String) -> Failure { Failure(reason: reason, answer: "Client authentication failed.") }
    }

    private func verify(_ clientID: String, secret: String?, basic: Bool) async throws -> Result<Client, Failure> {
        guard let client = try await clients.client(id: clientID) else { return .failure(.failed("unknown client")) }
        if client.authMethodPinned, secret != nil {
            let used: ClientAuthMethod = basic ? .clientSecretBasic : .clientSecretPost
            guard used == client.authMethod else {
                return .failure(Failure(reason: "\(used.rawValue) instead of \(client.authMethod.rawValue)",
                                        answer: "This client must authenticate with \(client.authMethod.rawValue)."))
            }
        }
        switch (client.secretDigest, secret) {
        case (nil, nil):
            return .success(client)
        case (.some(let digest), .some(let secret)) where SecretDigest.matches(secret, digest: digest):
            return .success(client)
        case (nil, .some):
            return .failure(.failed("secret sent for a public client"))
        case (.some, nil):
            return .failure(.failed("no secret"))
        default:
            return .failure(.failed("wrong secret"))
        }
    }

    /// Counts a failed authentication: against the client from this address and the address
    /// (429 instead when either is locked by now), then against the client from every address
    /// (429 once that is locked: a wrong secret only, checked before this lock is consulted).
    private func failed(_ clientID: String, address: String?, _ why: Failure) async throws {
        let now = clock.now()
        await events.record(SecurityEvent(kind: .clientAuthFailed, at: now, clientID: clientID, detail: why.reason))
        guard let throttle else { return }
        let clientAddressKey = Throttle.clientAddressKey(clientID, address: address)
        let reservation = try await throttle.countFailure([
            .counting(clientAddressKey, throttle.limits.clientAuthentication),
            .counting(Throttle.tokenAddressKey(address), throttle.limits.tokenAddress),
        ])
        if reservation.locked(clientAddressKey) {
            await events.record(SecurityEvent(kind: .clientLocked, at: now, clientID: clientID,
                                              detail: "from \(address ?? "an unknown address")"))
        }
        let clientKey = Throttle.clientKey(clientID)
        let lockedBefore = (try? await throttle.retryAfter(clientKey)) ?? nil
        let all = await throttle.fail(clientKey, policy: throttle.limits.clientAuthentication)
        if let lockedUntil = all?.lockedUntil {
            await events.record(SecurityEvent(kind: .clientLocked, at: now, clientID: clientID, detail: "from every address"))
            // The failure that reaches the limit is answered as the failure it is; those after it wait.
            if lockedBefore != nil {
                throw OAuthError.tooManyAttempts(retryAfter: max(1, Int(lockedUntil.timeIntervalSince(now).rounded(.up))))
            }
        }
    }
}
