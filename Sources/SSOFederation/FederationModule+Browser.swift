import Foundation
import SSOCore
import SSOEndpointModel

extension FederationModule {
    /// `GET /federation/{provider}/start?interaction=ID`: the login page's button.
    @Sendable func start(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let name = request.pathParameters["provider"], let provider = try await providers.provider(name: name) else {
            return EndpointResponse(status: 404, body: .errorPage(.text("This sign-in provider is not configured.")))
        }
        guard let browser = request.browserSecret,
            let interaction = try await InteractionBinding(interactions: interactions, clients: clients, login: login, clock: clock)
                .interaction(try request.query.value("interaction"), browserSecret: browser)
        else { return Self.expired }
        let state = service.newState(provider, interactionID: interaction.id,
                                     browserBinding: SecretDigest.sha256(browser))
        try await states.insert(state)
        return .redirect(service.authorizationURL(provider, state: state))
    }

    static let expired = EndpointResponse(
        status: 400, body: .errorPage(.text("This sign-in has expired or was started in another browser. Go back to the application and start again.")))

    /// `GET /federation/{provider}/callback?code=...&state=...`: where providers send the browser back.
    @Sendable func callback(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let stateID = try request.query.value("state"),
            let state = try await states.federationState(id: stateID), state.pending == nil, clock.now() < state.expiresAt,
            state.provider == request.pathParameters["provider"]
        else { return Self.expired }
        if let site = state.clientRedirectURL {
            // The federation JSON API: the site receives the provider's code and our state,
            // and calls /api/v1/oauth/authorize.
            let error = try request.query.value("error")
            let code = try request.query.value("code")
            return .redirect(RedirectURL.build(site, parameters: [
                ("code", code), ("error", error), ("error_description", try request.query.value("error_description")),
                ("device_id", try request.query.value("device_id")), ("state", stateID),
            ]))
        }
        return try await finishBrowserSignIn(state, request: request)
    }

    private func finishBrowserSignIn(_ state: FederationState, request: EndpointRequest) async throws -> EndpointResponse {
        guard state.pending == nil, let browser = request.browserSecret, let binding = state.browserBinding,
            SecretDigest.constantTimeEquals(binding, SecretDigest.sha256(browser)),
            try await states.consumeFederationState(id: state.id) != nil
        else { return Self.expired }
        if let error = try request.query.value("error") {
            return EndpointResponse(status: 400, body: .errorPage(.text("The provider did not sign you in (\(error)).")))
        }
        if let sessionID = state.linkingSessionID { return try await finishLink(state, sessionID: sessionID, request: request) }
        guard let code = try request.query.value("code"), let provider = try await providers.provider(name: state.provider),
            let interactionID = state.interactionID, let interaction = try await interactions.interaction(id: interactionID),
            clock.now() < interaction.expiresAt, let client = try await clients.client(id: interaction.request.clientID)
        else { return Self.expired }
        let profile = try await service.profile(
            provider, code: code, state: state, deviceID: try request.query.value("device_id"))
        switch try await service.account(for: profile, provider: provider) {
        case .linked(let user) where user.hasTOTP:
            // The upstream sign-in stands for the password, never for the local second factor.
            return try await pause(state, interaction: interaction, PendingFederatedSignIn(
                step: .secondFactor, subject: profile.subject, userID: user.id, methods: ["fed"]))
        case .linked(let user):
            return try await complete(user, methods: ["fed"], provider: provider, interaction: interaction,
                                      client: client, request: request)
        case .existingAccount(let email, let candidates):
            guard provider.offerLinkByEmail else {
                return EndpointResponse(status: 409, body: .page(Page(
                    "federation_connect_refused", values: ["provider": provider.displayName, "email": email])))
            }
            return try await pause(state, interaction: interaction, PendingFederatedSignIn(
                step: .connect, subject: profile.subject, email: email, candidateUserIDs: candidates.map(\.id),
                methods: ["fed"]))
        case .new:
            let user = try await service.createUser(for: profile, provider: provider)
            if user.hasTOTP {
                // Another sign-in of the same upstream account made its user first, and that
                // user has added a second factor since.
                return try await pause(state, interaction: interaction, PendingFederatedSignIn(
                    step: .secondFactor, subject: profile.subject, userID: user.id, methods: ["fed"]))
            }
            return try await complete(user, methods: ["fed"], provider: provider, interaction: interaction,
                                      client: client, request: request)
        }
    }

    /// Stores what the local account still owes under a new single-use key, bound to the same
    /// browser, and sends the browser to the page that asks for it.
    private func pause(
        _ state: FederationState, interaction: Interaction, _ pending: PendingFederatedSignIn
    ) async throws -> EndpointResponse {
        let now = clock.now()
        let next = FederationState(
            id: random.token(), provider: state.provider, nonce: nil, codeVerifier: nil, interactionID: interaction.id,
            browserBinding: state.browserBinding, clientRedirectURL: nil, clientID: nil, pending: pending, createdAt: now,
            expiresAt: min(interaction.expiresAt, now.addingTimeInterval(600)))
        try await states.insert(next)
        return .redirect(Self.continuePath + "?step=" + RedirectURL.percentEncode(next.id))
    }

    static let continuePath = "/federation/continue"

    /// The browser has signed in as `user`: opens (or renews) its session and continues the
    /// pending authorization.
    private func complete(
        _ user: User, methods: [String], provider: UpstreamProvider, interaction: Interaction, client: Client,
        request: EndpointRequest
    ) async throws -> EndpointResponse {
        let (session, secret) = try await login.signIn(
            user, methods: methods, identityProvider: provider.name, clientID: client.id,
            existingSecret: request.sessionSecret, origin: request.sessionOrigin)
        await events.record(SecurityEvent(kind: .federatedLogin, at: clock.now(), userID: user.id, clientID: client.id,
                                          detail: provider.name))
        var response = EndpointResponse.redirect(
            try await flow.loginSucceeded(interaction, client: client, session: session).location)
        response.newSessionSecret = secret
        return response
    }

    /// A paused sign-in of this browser: its state (not consumed), provider, interaction and client.
    private struct Paused {
        var state: FederationState
        var pending: PendingFederatedSignIn
        var provider: UpstreamProvider
        var interaction: Interaction
        var client: Client
    }

    private func paused(_ stepID: String?, request: EndpointRequest) async throws -> Paused? {
        guard let stepID, let browser = request.browserSecret, let state = try await states.federationState(id: stepID),
            let pending = state.pending, clock.now() < state.expiresAt, let binding = state.browserBinding,
            SecretDigest.constantTimeEquals(binding, SecretDigest.sha256(browser)),
            let provider = try await providers.provider(name: state.provider),
            let interactionID = state.interactionID, let interaction = try await interactions.interaction(id: interactionID),
            clock.now() < interaction.expiresAt, let client = try await clients.client(id: interaction.request.clientID)
        else { return nil }
        return Paused(state: state, pending: pending, provider: provider, interaction: interaction, client: client)
    }

    /// The page of a paused sign-in's step. Its form's answer may be the redirect to the
    /// relying party, which the page's policy therefore allows.
    private func stepPage(
        _ paused: Paused, request: EndpointRequest, error: String? = nil, login: String = "", status: Int = 200
    ) -> EndpointResponse {
        var values = ["step": paused.state.id, "csrf": request.browserSecret ?? "", "action": Self.continuePath,
                      "provider": paused.provider.displayName, "client": paused.client.name]
        let template: String
        switch paused.pending.step {
        case .connect:
            template = "federation_connect"
            values["email"] = paused.pending.email ?? ""
            values["login"] = login
        case .secondFactor:
            template = "totp"
            values["hasTOTP"] = "true"
        }
        return EndpointResponse(status: status, body: .page(Page(
            template, values: values, messages: error.map { ["error": .key($0)] } ?? [:],
            formTarget: paused.interaction.returnTo ?? paused.interaction.request.redirectURI)))
    }

    /// `GET /federation/continue?step=ID`: the connect page or the second-factor page.
    @Sendable func continuePage(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let paused = try await paused(try request.query.value("step"), request: request) else { return Self.expired }
        return stepPage(paused, request: request)
    }

    /// `POST /federation/continue`: the connect page's password (or its cancel button), or
    /// the second factor. Same browser only: the form's `csrf` must be its CSRF cookie.
    @Sendable func continueSubmit(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let form = request.form else {
            return EndpointResponse(status: 400, body: .errorPage(.text("The form could not be read.")))
        }
        guard try request.isFromThisBrowser(form),
            let paused = try await paused(try form.value("step"), request: request)
        else { return Self.expired }
        if try form.value("decision") == "cancel" {
            // Nothing is linked or signed in: back to the login page of the same request.
            _ = try await states.consumeFederationState(id: paused.state.id)
            return .redirect(AuthorizationStep.login(interactionID: paused.interaction.id).location)
        }
        switch paused.pending.step {
        case .connect: return try await submitPassword(form, paused, request: request)
        case .secondFactor: return try await submitSecondFactor(form, paused, request: request)
        }
    }

    /// The connect step: the local account's password, checked as on the login page. It must
    /// be one of the accounts with the upstream e-mail.
    private func submitPassword(_ form: RequestParameters, _ paused: Paused, request: EndpointRequest) async throws
        -> EndpointResponse
    {
        let login = (try form.value("login") ?? "").trimmingCharacters(in: .whitespaces)
        let password = try form.value("password") ?? ""
        guard !login.isEmpty, !password.isEmpty, login.utf8.count <= 256, password.utf8.count <= 1024 else {
            return stepPage(paused, request: request, error: "login_error_missing", login: login)
        }
        let user: User
        let methods: [String]
        switch try await self.login.authenticate(
            login: login, password: password, pin: nil, address: request.clientAddress, clientID: paused.client.id) {
        // An outdated password hash is replaced at the account's next sign-in on the login page.
        case .success(let signedIn, let proven, _): (user, methods) = (signedIn, proven)
        case .secondFactorRequired(let signedIn, _): (user, methods) = (signedIn, ["pwd"])
        case .locked(let seconds):
            return stepPage(paused, request: request, error: "federation_error_locked", login: login, status: 429)
                .adding(header: "Retry-After", String(seconds))
        case .invalidCredentials, .invalidSecondFactor:
            return stepPage(paused, request: request, error: "login_error_invalid", login: login)
        }
        guard paused.pending.candidateUserIDs.contains(user.id) else {
            return stepPage(paused, request: request, error: "federation_connect_error_other", login: login)
        }
        guard try await states.consumeFederationState(id: paused.state.id) != nil else { return Self.expired }
        if user.hasTOTP {
            var pending = paused.pending
            pending.step = .secondFactor
            pending.userID = user.id
            pending.linking = true
            pending.methods = ["fed", "pwd"]
            return try await pause(paused.state, interaction: paused.interaction, pending)
        }
        guard try await connect(paused, to: user) else { return Self.linkTaken }
        return try await complete(user, methods: ["fed"] + methods, provider: paused.provider,
                                  interaction: paused.interaction, client: paused.client, request: request)
    }

    /// The second-factor step: the account's TOTP code; then the link, if the connect step came first.
    private func submitSecondFactor(_ form: RequestParameters, _ paused: Paused, request: EndpointRequest) async throws
        -> EndpointResponse
    {
        guard let userID = paused.pending.userID, let user = try await service.users.user(id: userID) else {
            return Self.expired
        }
        switch try await login.checkSecondFactor(
            user, pin: try form.value("totp") ?? "", address: request.clientAddress, clientID: paused.client.id) {
        case .success:
            guard try await states.consumeFederationState(id: paused.state.id) != nil else { return Self.expired }
            if paused.pending.linking, try await !connect(paused, to: user) { return Self.linkTaken }
            return try await complete(user, methods: paused.pending.methods + ["otp"], provider: paused.provider,
                                      interaction: paused.interaction, client: paused.client, request: request)
        case .locked(let seconds):
            return stepPage(paused, request: request, error: "federation_error_locked", status: 429)
                .adding(header: "Retry-After", String(seconds))
        default:
            return stepPage(paused, request: request, error: "totp_error_invalid")
        }
    }

    /// Links the upstream account to `user`: `false` when another link of it came first, to
    /// another user.
    private func connect(_ paused: Paused, to user: User) async throws -> Bool {
        switch try await service.link(provider: paused.provider.name, subject: paused.pending.subject, to: user) {
        case .linkedToAnother:
            return false
        case .alreadyLinked:
            return true
        case .linked:
            await events.record(SecurityEvent(
                kind: .federationLinked, at: clock.now(), userID: user.id, clientID: paused.client.id,
                detail: "\(paused.provider.name) \(paused.pending.subject)"))
            return true
        }
    }
}

extension UpstreamError {
    var isTimeout: Bool { if case .timeout = self { true } else { false } }
}
