import Foundation

/// RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): whether to ask the user, where
/// the browser may go afterwards, and the end of the session. HTTP-free; the logout endpoint
/// only renders what it returns.
///
/// The target is believed only when the hint's client (or `client_id`) registered exactly that
/// `post_logout_redirect_uri`. A valid `id_token_hint` naming this browser's user (or a browser
/// without a session) signs out without a question; anyone else is asked first, so a link on
/// another site cannot sign the user out.
public struct LogoutFlow: Sendable {
    let clients: any ClientStore
    let sessions: any SessionStore
    let signer: any TokenSigner
    let login: LoginService
    let events: any SecurityEventRecorder
    let clock: any SSOClock

    public init(
        clients: any ClientStore, sessions: any SessionStore, signer: any TokenSigner, login: LoginService,
        events: any SecurityEventRecorder, clock: any SSOClock
    ) {
        self.clients = clients
        self.sessions = sessions
        self.signer = signer
        self.login = login
        self.events = events
        self.clock = clock
    }

    /// What a logout request (its query or form) leads to, for the browser with `sessionSecret`.
    public func request(_ parameters: RequestParameters, sessionSecret: String?) async throws -> LogoutStep {
        var hint: IDTokenClaims?
        if let text = try parameters.value("id_token_hint") {
            guard let claims = await signer.verifyIDToken(text) else { return .refused(.invalidHint) }
            hint = claims
        }
        let target: String?
        switch try await checkedTarget(parameters, hint: hint) {
        case .failure(let reason): return .refused(reason)
        case .success(let checked): target = checked
        }
        let state = try parameters.value("state")
        let session = try await login.activeSession(secret: sessionSecret)
        // A hint naming this browser's user is the RP asking for its own user: no question.
        if let session, hint?.sub != session.userID {
            return .confirm(LogoutQuestion(target: target, state: state, clientID: try parameters.value("client_id") ?? hint?.aud))
        }
        return try await end(session, target: target, state: state)
    }

    /// The answer to the confirmation question, sent with the page's form (whose `csrf` the
    /// caller checked): signs out and goes to the checked target.
    public func confirmed(_ form: RequestParameters, sessionSecret: String?) async throws -> LogoutStep {
        let target: String?
        switch try await checkedTarget(form, hint: nil) {
        case .failure(let reason): return .refused(reason)
        case .success(let checked): target = checked
        }
        let session = try await login.activeSession(secret: sessionSecret)
        return try await end(session, target: target, state: try form.value("state"))
    }

    /// Where to send the browser afterwards, checked: the hint's client (or `client_id`) must
    /// have registered `post_logout_redirect_uri` exactly.
    private func checkedTarget(_ parameters: RequestParameters, hint: IDTokenClaims?) async throws -> Result<String?, LogoutRefusal> {
        let clientID = try parameters.value("client_id")
        if let hint, let clientID, clientID != hint.aud { return .failure(.clientMismatch) }
        guard let uri = try parameters.value("post_logout_redirect_uri") else { return .success(nil) }
        guard let id = clientID ?? hint?.aud, let client = try await clients.client(id: id),
            client.postLogoutRedirectURIs.contains(uri)
        else { return .failure(.unregisteredTarget) }
        return .success(uri)
    }

    /// Ends the SSO session (and the grants issued under it) and says where the browser goes.
    private func end(_ session: SSOSession?, target: String?, state: String?) async throws -> LogoutStep {
        if let session {
            let now = clock.now()
            try await sessions.revoke(sessionID: session.id, at: now)
            await events.record(SecurityEvent(kind: .logout, at: now, userID: session.userID, detail: session.id))
        }
        return .signedOut(redirect: target.map { RedirectURL.build($0, parameters: [("state", state)]) })
    }
}

/// Where a logout request leads.
public enum LogoutStep: Sendable, Equatable {
    /// Signed out (or there was no session): to the registered target with `state`, or to the
    /// signed-out page when `redirect` is `nil`. The session cookie is cleared either way.
    case signedOut(redirect: String?)
    /// Ask the user first.
    case confirm(LogoutQuestion)
    /// Refused: nothing was ended.
    case refused(LogoutRefusal)
}

/// What the confirmation page carries into its form.
public struct LogoutQuestion: Sendable, Equatable {
    public var target: String?
    public var state: String?
    public var clientID: String?

    public init(target: String?, state: String?, clientID: String?) {
        self.target = target
        self.state = state
        self.clientID = clientID
    }
}

/// Why a logout request was refused; each is a message of the pages' catalog.
public enum LogoutRefusal: String, Error, Sendable, Equatable {
    case invalidHint = "logout_error_hint"
    case clientMismatch = "logout_error_mismatch"
    case unregisteredTarget = "logout_error_redirect"
}
