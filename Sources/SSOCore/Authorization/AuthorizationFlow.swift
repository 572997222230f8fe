import Foundation

/// Where the browser goes next on its way through `/authorize`.
public enum AuthorizationStep: Sendable, Equatable {
    /// Back to the client: a `code` or an error, always to a registered redirect URI.
    case redirect(String)
    /// To the login page for this interaction.
    case login(interactionID: String)
    /// To the consent page for this interaction.
    case consent(interactionID: String)

    /// Where the browser is sent for this step: the one place the pages' URLs are spelled.
    public var location: String {
        switch self {
        case .redirect(let location): location
        case .login(let id): "/login?interaction=" + RedirectURL.percentEncode(id)
        case .consent(let id): "/consent?interaction=" + RedirectURL.percentEncode(id)
        }
    }
}

/// The authorization endpoint's decisions (OpenID Connect Core 3.1.2): sign in when needed,
/// ask consent when needed, honour `prompt` and `max_age`, then issue a code.
/// HTTP-free, so every branch is testable; `SSOHTTP` only renders what it returns.
public struct AuthorizationFlow: Sendable {
    let issuer: String
    let interactions: any InteractionStore
    let codes: any AuthorizationCodeStore
    let consents: any ConsentStore
    let events: any SecurityEventRecorder
    let clock: any SSOClock
    let random: any SecureRandom
    let lifetimes: Lifetimes
    /// The assurance levels requests may name (`acr_values`) and clients may require.
    public let levels: AssuranceLevels
    /// Where the flow learns which further factor a signed-in user could add; without it no
    /// step-up is offered.
    let users: (any UserStore)?
    /// The users' passkeys, a further factor too; without it none is offered.
    let passkeys: (any PasskeyStore)?

    public init(
        issuer: String, interactions: any InteractionStore, codes: any AuthorizationCodeStore,
        consents: any ConsentStore, events: any SecurityEventRecorder, clock: any SSOClock, random: any SecureRandom,
        lifetimes: Lifetimes, levels: AssuranceLevels = .standard, users: (any UserStore)? = nil,
        passkeys: (any PasskeyStore)? = nil
    ) {
        self.levels = levels
        self.users = users
        self.passkeys = passkeys
        self.issuer = issuer
        self.interactions = interactions
        self.codes = codes
        self.consents = consents
        self.events = events
        self.clock = clock
        self.random = random
        self.lifetimes = lifetimes
    }

    /// A fresh, valid request arriving at `/authorize` from a browser with `session` (if any).
    public func start(
        _ request: AuthorizationRequest, client: Client, session: SSOSession?, browserBinding: String
    ) async throws -> AuthorizationStep {
        let now = clock.now()
        var needsLogin = session == nil || request.prompt.contains("login")
        // max_age=0 means "sign in now" (OpenID Connect Core 3.1.2.1), hence `>=`.
        if let session, let maxAge = request.maxAge, now.timeIntervalSince(session.authTime) >= TimeInterval(maxAge) {
            needsLogin = true
        }
        if needsLogin {
            if request.prompt.contains("none") {
                return errorRedirect(request, OAuthError(.loginRequired, "The user is not signed in."))
            }
            let interaction = try await newInteraction(request, browserBinding: browserBinding, sessionID: nil)
            return .login(interactionID: interaction.id)
        }
        return try await checkAssurance(request, client: client, session: session!, interaction: nil,
                                        browserBinding: browserBinding)
    }

    /// Sign in, then go to `url` (which the caller checked belongs to `client`): the personal
    /// cabinet's `/login?url=` entry and the account page. With a live session the browser goes
    /// there at once, unless `again` (a sensitive change wants a fresh sign-in: the same user
    /// signing in keeps the session and renews its `auth_time`).
    public func signInThenReturn(
        to url: String, client: Client, session: SSOSession?, browserBinding: String, again: Bool = false,
        loginHint: String? = nil
    ) async throws -> AuthorizationStep {
        if session != nil, !again { return .redirect(url) }
        let now = clock.now()
        let interaction = Interaction(
            id: random.token(),
            request: AuthorizationRequest(clientID: client.id, redirectURI: url, scopes: ScopeSet([]), loginHint: loginHint),
            browserBinding: browserBinding, createdAt: now,
            expiresAt: now.addingTimeInterval(TimeInterval(lifetimes.interaction)), returnTo: url)
        try await interactions.insert(interaction)
        return .login(interactionID: interaction.id)
    }

    /// The login page signed the user in for `interaction`.
    public func loginSucceeded(_ interaction: Interaction, client: Client, session: SSOSession) async throws -> AuthorizationStep {
        if let returnTo = interaction.returnTo {
            try await interactions.removeInteraction(id: interaction.id)
            return .redirect(returnTo)
        }
        var updated = interaction
        updated.sessionID = session.id
        updated.pendingUserID = nil
        updated.pendingPasswordUpgrade = nil
        return try await checkAssurance(interaction.request, client: client, session: session, interaction: updated,
                                        browserBinding: interaction.browserBinding)
    }

    /// The user answered the consent page.
    public func consentAnswered(
        _ interaction: Interaction, client: Client, session: SSOSession, approved: Bool
    ) async throws -> AuthorizationStep {
        try await interactions.removeInteraction(id: interaction.id)
        let request = interaction.request
        let now = clock.now()
        guard approved else {
            await events.record(SecurityEvent(kind: .consentDenied, at: now, userID: session.userID, clientID: client.id))
            return errorRedirect(request, OAuthError(.accessDenied, "The user denied access."))
        }
        return try await grant(request.scopes, of: request, client: client, session: session)
    }

    /// The user, signed in as `session`, grants `scopes` (all or part of what the request asked)
    /// to the pending request: the legacy developer flow's `/devapi/v1/oauth/code`.
    public func grantScopes(
        _ scopes: ScopeSet, to interaction: Interaction, client: Client, session: SSOSession
    ) async throws -> AuthorizationStep {
        let refused = scopes.subtracting(interaction.request.scopes)
        guard refused.isEmpty else {
            throw OAuthError.invalidScope("The request did not ask for: \(refused.joined(separator: " ")).")
        }
        guard !scopes.isEmpty else { throw OAuthError.invalidScope("Grant at least one scope.") }
        try await interactions.removeInteraction(id: interaction.id)
        return try await grant(scopes, of: interaction.request, client: client, session: session)
    }

    private func grant(
        _ scopes: ScopeSet, of request: AuthorizationRequest, client: Client, session: SSOSession
    ) async throws -> AuthorizationStep {
        let now = clock.now()
        try await consents.recordConsent(userID: session.userID, clientID: client.id, scopes: scopes, at: now)
        await events.record(SecurityEvent(kind: .consentGranted, at: now, userID: session.userID, clientID: client.id,
                                          detail: scopes.description))
        var granted = request
        granted.scopes = scopes
        return try await issueCode(granted, session: session)
    }

    /// The redirect that carries `error` to the client of `request`.
    public func errorRedirect(_ request: AuthorizationRequest, _ error: OAuthError) -> AuthorizationStep {
        .redirect(RedirectURL.errorRedirect(request.redirectURI, error: error, state: request.state, issuer: issuer))
    }

    /// The signed-in `session` against the assurance the request asks (``AssuranceDemand``): on
    /// to consent and the code when it is met; the missing step when the user can add it (the
    /// same session, its `sid` kept); `login_required` for `prompt=none`; `access_denied` when
    /// the client's minimum cannot be reached; otherwise on, since requested levels are voluntary
    /// and the `acr` claim tells the client what the sign-in reached.
    private func checkAssurance(
        _ request: AuthorizationRequest, client: Client, session: SSOSession, interaction: Interaction?,
        browserBinding: String
    ) async throws -> AuthorizationStep {
        let demand = AssuranceDemand(request, client: client, levels: levels)
        if demand.isMet(by: session.methods, levels: levels) {
            return try await proceed(request, client: client, session: session, interaction: interaction,
                                     browserBinding: browserBinding)
        }
        let addable = try await addableMethods(userID: session.userID, having: session.methods)
        let reachable = session.methods + addable
        let essentialMet = demand.isEssentialMet(by: session.methods, levels: levels)
        let stepUp = !addable.isEmpty
            && (demand.isMet(by: reachable, levels: levels)
                || (!essentialMet && demand.isEssentialMet(by: reachable, levels: levels)))
        if stepUp || !essentialMet, request.prompt.contains("none") {
            return errorRedirect(request, OAuthError(
                .loginRequired, "The session does not reach the requested authentication level."))
        }
        if stepUp {
            var pending: Interaction
            if let interaction {
                pending = interaction
            } else {
                pending = try await newInteraction(request, browserBinding: browserBinding, sessionID: session.id)
            }
            pending.sessionID = session.id
            pending.pendingUserID = session.userID
            pending.pendingPasswordUpgrade = nil
            try await interactions.update(pending)
            return .login(interactionID: pending.id)
        }
        if !essentialMet {
            if let interaction { try await interactions.removeInteraction(id: interaction.id) }
            await events.record(SecurityEvent(kind: .assuranceUnreachable, at: clock.now(), userID: session.userID,
                                              clientID: client.id,
                                              detail: "the account cannot reach \(demand.essential ?? "")"))
            return errorRedirect(request, OAuthError(
                .accessDenied, "This application requires a stronger sign-in than this account can provide."))
        }
        return try await proceed(request, client: client, session: session, interaction: interaction,
                                 browserBinding: browserBinding)
    }

    /// The methods the signed-in user could add on the login page: the one-time code, when the
    /// account has TOTP and the session has not used it; a passkey (`hwk` or `swk`, with user
    /// verification), when the account has one and the session has not used one.
    private func addableMethods(userID: String, having methods: [String]) async throws -> [String] {
        var addable: [String] = []
        if !methods.contains("otp"), let users, let user = try await users.user(id: userID), user.hasTOTP {
            addable.append("otp")
        }
        if !methods.contains("hwk"), !methods.contains("swk"), let passkeys {
            let kinds = Set(try await passkeys.passkeys(userID: userID).map(\.authenticationMethod))
            if !kinds.isEmpty { addable += kinds.sorted() + ["user"] }
        }
        return addable
    }

    private func proceed(
        _ request: AuthorizationRequest, client: Client, session: SSOSession, interaction: Interaction?,
        browserBinding: String
    ) async throws -> AuthorizationStep {
        if try await needsConsent(request, client: client, userID: session.userID) {
            if request.prompt.contains("none") {
                return errorRedirect(request, OAuthError(.consentRequired, "The user has not consented to these scopes."))
            }
            if let interaction {
                try await interactions.update(interaction)
                return .consent(interactionID: interaction.id)
            }
            let created = try await newInteraction(request, browserBinding: browserBinding, sessionID: session.id)
            return .consent(interactionID: created.id)
        }
        if let interaction { try await interactions.removeInteraction(id: interaction.id) }
        return try await issueCode(request, session: session)
    }

    private func needsConsent(_ request: AuthorizationRequest, client: Client, userID: String) async throws -> Bool {
        if client.skipConsent { return false }
        if request.prompt.contains("consent") { return true }
        let consented = try await consents.consentedScopes(userID: userID, clientID: client.id)
        return !request.scopes.isSubset(of: consented)
    }

    private func newInteraction(
        _ request: AuthorizationRequest, browserBinding: String, sessionID: String?
    ) async throws -> Interaction {
        let now = clock.now()
        let interaction = Interaction(
            id: random.token(), request: request, browserBinding: browserBinding, createdAt: now,
            expiresAt: now.addingTimeInterval(TimeInterval(lifetimes.interaction)), sessionID: sessionID
        )
        try await interactions.insert(interaction)
        return interaction
    }

    private func issueCode(_ request: AuthorizationRequest, session: SSOSession) async throws -> AuthorizationStep {
        let now = clock.now()
        let code = random.token()
        try await codes.insert(
            AuthorizationCode(
                digest: SecretDigest.sha256(code), clientID: request.clientID, redirectURI: request.redirectURI,
                redirectURIWasSent: request.redirectURIWasSent, userID: session.userID, sessionID: session.id,
                scopes: request.scopes, nonce: request.nonce, codeChallenge: request.codeChallenge,
                authTime: session.authTime, methods: session.methods, identityProvider: session.identityProvider,
                createdAt: now,
                expiresAt: now.addingTimeInterval(TimeInterval(lifetimes.authorizationCode))
            )
        )
        return .redirect(
            RedirectURL.build(request.redirectURI, parameters: [("code", code), ("state", request.state), ("iss", issuer)])
        )
    }
}
