import Foundation
import SSOCore
import SSOEndpointModel

/// The login page of an interaction: the password form, then the second factor's form when the
/// user has one; on success the browser is signed in (`LoginService.signIn` keeps the session
/// when the same user signs in again) and the authorization continues.
struct LoginEndpoints: EndpointModule {
    let services: ProtocolServices

    var routes: [EndpointRoute] {
        [
            // A `GET /login` without an interaction is the personal cabinet's entry, served by
            // the legacy module when it is switched on (it comes first); the expired page otherwise.
            EndpointRoute(.get, "/login", handler: show),
            EndpointRoute(.post, "/login", handler: submit),
        ]
    }

    @Sendable func show(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let interaction = try await services.binding.interaction(
            request.query.field("interaction"), browserSecret: request.browserSecret)
        else { return Self.expired }
        if interaction.pendingUserID != nil { return try await secondFactorPage(interaction, request) }
        return try await loginPage(interaction, request, login: interaction.request.loginHint, error: nil)
    }

    @Sendable func submit(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let form = request.form else { return .errorPage(key: "error_bad_form") }
        // A password sign-in past what the checks can take is refused before the interaction is read.
        if form.field("password") != nil { try services.login.refuseWhenBusy() }
        guard let interaction = try await services.binding.interaction(
            form.field("interaction"), browserSecret: request.browserSecret, submittedCSRF: form.field("csrf") ?? ""),
            let client = try await services.clients.client(id: interaction.request.clientID)
        else { return Self.expired }
        if let userID = interaction.pendingUserID {
            return try await submitSecondFactor(form, userID: userID, interaction: interaction, client: client, request)
        }
        return try await submitPassword(form, interaction: interaction, client: client, request)
    }

    static let expired = EndpointResponse.errorPage(key: "error_expired")

    private func submitPassword(
        _ form: RequestParameters, interaction: Interaction, client: Client, _ request: EndpointRequest
    ) async throws -> EndpointResponse {
        let login = form.field("login")?.trimmingCharacters(in: .whitespaces) ?? ""
        let password = form.field("password") ?? ""
        guard !login.isEmpty, !password.isEmpty, login.utf8.count <= 256, password.utf8.count <= 1024 else {
            return try await loginPage(interaction, request, login: login, error: "login_error_missing")
        }
        switch try await services.login.authenticate(
            login: login, password: password, pin: nil, address: request.clientAddress, clientID: client.id) {
        case .success(let user, let methods, let upgrade):
            return try await signedIn(user, methods: methods, upgrade: upgrade, interaction: interaction, client: client, request)
        case .secondFactorRequired(let user, let upgrade):
            var pending = interaction
            pending.pendingUserID = user.id
            pending.pendingPasswordUpgrade = upgrade
            try await services.interactions.update(pending)
            return try await secondFactorPage(pending, request)
        case .locked(let seconds):
            return page("login", interaction, request, values: ["login": login, "client": client.name],
                        messages: ["error": .key("login_error_locked", argument: String(seconds))], status: 429)
                .adding(header: "Retry-After", String(seconds))
        case .invalidCredentials, .invalidSecondFactor:
            return try await loginPage(interaction, request, login: login, error: "login_error_invalid")
        }
    }

    private func submitSecondFactor(
        _ form: RequestParameters, userID: String, interaction: Interaction, client: Client, _ request: EndpointRequest
    ) async throws -> EndpointResponse {
        guard let user = try await services.users.user(id: userID) else { return Self.expired }
        // A step-up (the flow asked a signed-in user for the code): the code alone adds to that
        // session and never opens one, so the browser must still hold it.
        let stepUp = interaction.sessionID != nil
        if let sessionID = interaction.sessionID {
            guard let session = try await services.login.activeSession(secret: request.sessionSecret),
                session.id == sessionID, session.userID == userID
            else { return Self.expired }
        }
        switch try await services.login.checkSecondFactor(
            user, pin: form.field("totp") ?? "", upgrade: interaction.pendingPasswordUpgrade,
            address: request.clientAddress, clientID: client.id) {
        case .success(let user, let methods, let upgrade):
            if stepUp {
                return try await signedIn(user, methods: ["otp"], upgrade: nil, interaction: interaction, client: client,
                                          request, stepUp: true)
            }
            return try await signedIn(user, methods: methods, upgrade: upgrade, interaction: interaction, client: client, request)
        case .locked(let seconds):
            return try await secondFactorPage(
                interaction, request, messages: ["error": .key("login_error_locked", argument: String(seconds))], status: 429)
                .adding(header: "Retry-After", String(seconds))
        default:
            return try await secondFactorPage(interaction, request, messages: ["error": "totp_error_invalid"])
        }
    }

    /// Signs the browser in and continues the authorization.
    private func signedIn(
        _ user: User, methods: [String], upgrade: PasswordUpgrade?, interaction: Interaction, client: Client,
        _ request: EndpointRequest, stepUp: Bool = false
    ) async throws -> EndpointResponse {
        let (session, secret) = try await services.login.signIn(
            user, methods: methods, clientID: client.id, upgrade: upgrade, existingSecret: request.sessionSecret,
            stepUp: stepUp, origin: request.sessionOrigin)
        let step = try await services.flow.loginSucceeded(interaction, client: client, session: session)
        var response = EndpointResponse.redirect(step.location)
        response.sessionCookie = .set(secret)
        return response
    }

    /// The second factor's page: the TOTP form when the user has TOTP, and a passkey button when
    /// the user whose password was accepted (or who is stepping up) has a passkey.
    private func secondFactorPage(
        _ interaction: Interaction, _ request: EndpointRequest, messages: [String: PageMessage] = [:], status: Int = 200
    ) async throws -> EndpointResponse {
        var values: [String: String] = [:]
        if let userID = interaction.pendingUserID, try await services.users.user(id: userID)?.hasTOTP ?? false {
            values["hasTOTP"] = "true"
        }
        if let userID = interaction.pendingUserID, let passkeys = services.passkeys,
            try await !passkeys.passkeys(userID: userID).isEmpty {
            values["hasPasskey"] = "true"
        }
        return page("totp", interaction, request, values: values, messages: messages, status: status)
    }

    private func loginPage(
        _ interaction: Interaction, _ request: EndpointRequest, login: String?, error: String?
    ) async throws -> EndpointResponse {
        let client = try await services.clients.client(id: interaction.request.clientID)
        var values = ["login": login ?? "", "client": client?.name ?? interaction.request.clientID]
        var lists: [String: [[String: String]]] = [:]
        let providers = try await services.providers?.providers() ?? []
        if !providers.isEmpty {
            values["hasProviders"] = "true"
            lists["providers"] = providers.map { provider in
                ["label": provider.displayName,
                 "url": "/federation/\(RedirectURL.percentEncode(provider.name))/start?interaction="
                    + RedirectURL.percentEncode(interaction.id)]
            }
        }
        return page("login", interaction, request, values: values, lists: lists,
                    messages: error.map { ["error": .key($0)] } ?? [:])
    }

    /// A page of `interaction`: its form carries the interaction and the browser's binding, and
    /// its answer may be the redirect to the relying party's registered URI, which the page's
    /// policy therefore allows.
    private func page(
        _ template: String, _ interaction: Interaction, _ request: EndpointRequest, values: [String: String] = [:],
        lists: [String: [[String: String]]] = [:], messages: [String: PageMessage] = [:], status: Int = 200
    ) -> EndpointResponse {
        var all = values
        all["interaction"] = interaction.id
        all["csrf"] = request.browserSecret ?? ""
        return .page(Page(template, values: all, lists: lists, messages: messages,
                          formTarget: interaction.returnTo ?? interaction.request.redirectURI), status: status)
    }
}
