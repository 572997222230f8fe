import Foundation
import SSOCore
import SSOEndpointModel

/// The user's own account page, `/account`: sessions and devices, connected applications, the
/// password, the second factor, passkeys and linked upstream accounts.
///
/// The page signs in through the server itself: a browser without a session goes to the login
/// page on behalf of the built-in client ``clientID`` and comes back. Every form carries the
/// browser's binding cookie as `csrf` (double submit) and answers with a redirect back to the
/// page, which then says what was done. Sensitive changes need a recent sign-in; the page links
/// to `/account/sign-in-again`, which asks for one and returns.
public struct AccountEndpoints: EndpointModule {
    /// The built-in client the account page signs in as (`sso-account`).
    public static let clientID = "sso-account"

    let issuer: String
    let service: AccountService
    let login: LoginService
    let flow: AuthorizationFlow
    let clients: any ClientStore
    let users: any UserStore
    let random: any SecureRandom
    /// Upstream providers, for the buttons that link one; `nil`: no linking offered.
    let providers: (any ProviderStore)?
    /// The name authenticator apps show beside a TOTP account.
    let authenticatorLabel: String

    public init(
        issuer: String, service: AccountService, login: LoginService, flow: AuthorizationFlow, clients: any ClientStore,
        users: any UserStore, random: any SecureRandom, providers: (any ProviderStore)? = nil,
        authenticatorLabel: String = "UnifiedSSO"
    ) {
        self.providers = providers
        self.issuer = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        self.service = service
        self.login = login
        self.flow = flow
        self.clients = clients
        self.users = users
        self.random = random
        self.authenticatorLabel = authenticatorLabel
    }

    /// The client record the composition root keeps in the store: public, no grant type (so no
    /// token is ever issued to it), its only address the account page.
    public static func client(issuer: String, at now: Date) -> Client {
        let issuer = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        return Client(id: clientID, name: "Account", secretDigest: nil, redirectURIs: [issuer + "/account"],
                      allowedScopes: ScopeSet(["openid"]), grantTypes: [], authMethod: .none, authMethodPinned: true,
                      skipConsent: true, createdAt: now)
    }

    public var routes: [EndpointRoute] {
        [
            EndpointRoute(.get, "/account", handler: page),
            EndpointRoute(.get, "/account/sign-in-again", handler: signInAgain),
            EndpointRoute(.post, "/account/sessions/end", handler: endSession),
            EndpointRoute(.post, "/account/sessions/end-others", handler: endOtherSessions),
            EndpointRoute(.post, "/account/applications/disconnect", handler: disconnect),
            EndpointRoute(.post, "/account/password", handler: changePassword),
            EndpointRoute(.get, "/account/totp", handler: totpPage),
            EndpointRoute(.post, "/account/totp", handler: confirmTOTP),
            EndpointRoute(.post, "/account/totp/remove", handler: removeTOTP),
            EndpointRoute(.post, "/account/links/unlink", handler: unlink),
        ]
    }

    // MARK: The page

    @Sendable func page(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let (user, session) = try await signedIn(request) else { return try await signIn(request, returningTo: "/account") }
        let done = try request.query.value("done").flatMap { Self.notices.contains($0) ? "account_done_" + $0 : nil }
        return try await accountPage(user, session, request, messages: done.map { ["notice": .key($0)] } ?? [:])
    }

    /// What `?done=` may name: the notice of the change just made.
    static let notices: Set<String> = [
        "session_ended", "sessions_ended", "application_disconnected", "password_changed", "totp_enabled", "totp_removed",
        "unlinked", "linked",
    ]

    func accountPage(
        _ user: User, _ session: SSOSession, _ request: EndpointRequest, messages: [String: PageMessage] = [:],
        status: Int = 200
    ) async throws -> EndpointResponse {
        let overview = try await service.overview(of: user, current: session)
        let sessions = overview.sessions.map { entry -> [String: String] in
            [
                "id": entry.session.id, "current": entry.isCurrent ? "true" : "",
                "device": DeviceDescription.of(entry.session.userAgent) ?? "",
                "address": entry.session.address ?? "", "signedIn": Self.minute(entry.session.authTime),
                "lastSeen": Self.minute(entry.lastSeen), "applications": entry.applications.joined(separator: ", "),
                "methods": entry.session.methods.joined(separator: ", "),
            ]
        }
        let applications = overview.applications.map { application -> [String: String] in
            ["client": application.clientID, "name": application.name,
             "scopes": application.scopes.description, "since": Self.minute(application.since)]
        }
        let configured = try await providers?.providers() ?? []
        let label = { (name: String) in configured.first { $0.name == name }?.displayName ?? name }
        let links = overview.links.map { link -> [String: String] in
            ["provider": link.provider, "label": label(link.provider), "subject": link.subject,
             "since": Self.minute(link.linkedAt)]
        }
        // Linking needs this browser's own credentials, recently: the provider's buttons say so.
        let linkable = configured.filter { provider in !overview.links.contains { $0.provider == provider.name } }
            .map { ["name": RedirectURL.percentEncode($0.name), "label": $0.displayName] }
        var page = Page("account", values: [
            "csrf": request.browserSecret ?? "", "login": user.login, "email": user.email ?? "", "name": user.name ?? "",
            "hasPassword": user.passwordHash == nil ? "" : "true", "hasTOTP": user.hasTOTP ? "true" : "",
            "passkeys": String(overview.passkeyCount), "recent": service.isRecent(session) ? "true" : "",
            "hasOtherSessions": overview.sessions.count > 1 ? "true" : "",
            "hasApplications": applications.isEmpty ? "" : "true", "hasLinks": links.isEmpty ? "" : "true",
            "hasLinkable": linkable.isEmpty ? "" : "true",
        ], lists: ["sessions": sessions, "applications": applications, "links": links, "linkable": linkable],
        messages: messages)
        // A link button's form ends at the provider's authorization endpoint.
        page.otherFormTargets = configured.filter { provider in !overview.links.contains { $0.provider == provider.name } }
            .map(\.authorizeURL)
        return .page(page, status: status)
    }

    // MARK: Signing in

    /// `GET /account/sign-in-again?return=PATH`: a fresh sign-in (the same user keeps the
    /// session), then back to one of the account's pages.
    @Sendable func signInAgain(_ request: EndpointRequest) async throws -> EndpointResponse {
        let path = try request.query.value("return").flatMap { Self.returnPaths.contains($0) ? $0 : nil } ?? "/account"
        let user = try await signedIn(request)?.0
        return try await signIn(request, returningTo: path, again: user != nil, hint: user?.login)
    }

    static let returnPaths: Set<String> = ["/account", "/account/totp", "/account/passkeys"]

    /// To the login page on the account's behalf, back to `path` afterwards.
    func signIn(
        _ request: EndpointRequest, returningTo path: String, again: Bool = false, hint: String? = nil
    ) async throws -> EndpointResponse {
        guard let client = try await clients.client(id: Self.clientID) else {
            return .errorPage(key: "account_unavailable", status: 503)
        }
        let session = try await login.activeSession(secret: request.sessionSecret)
        let binding = SecretDigest.sha256(request.browserSecret ?? random.token())
        let step = try await flow.signInThenReturn(to: issuer + path, client: client, session: session,
                                                   browserBinding: binding, again: again, loginHint: hint)
        return .redirect(step.location)
    }

    func signedIn(_ request: EndpointRequest) async throws -> (User, SSOSession)? {
        guard let session = try await login.activeSession(secret: request.sessionSecret),
            let user = try await users.user(id: session.userID)
        else { return nil }
        return (user, session)
    }

    /// A form of the account page: from this browser's own page, by a signed-in user.
    func change(
        _ request: EndpointRequest, _ body: (User, SSOSession, RequestParameters) async throws -> EndpointResponse
    ) async throws -> EndpointResponse {
        guard let form = request.form else { return .errorPage(key: "error_bad_form") }
        guard try request.isFromThisBrowser(form) else { return .errorPage(key: "error_expired", status: 403) }
        guard let (user, session) = try await signedIn(request) else { return try await signIn(request, returningTo: "/account") }
        return try await body(user, session, form)
    }

    static func done(_ notice: String, section: String) -> EndpointResponse {
        .redirect("/account?done=\(notice)#\(section)")
    }

    static func signInAgainFirst(returningTo path: String) -> EndpointResponse {
        .redirect("/account/sign-in-again?return=" + RedirectURL.percentEncode(path))
    }

    // MARK: Sessions and applications

    @Sendable func endSession(_ request: EndpointRequest) async throws -> EndpointResponse {
        try await change(request) { user, session, form in
            let id = form.field("session") ?? ""
            guard try await service.endSession(id: id, of: user, from: session) else { return Self.done("session_ended", section: "sessions") }
            guard id == session.id else { return Self.done("session_ended", section: "sessions") }
            // This browser's own session: it is signed out, and the page asks it to sign in.
            var response = EndpointResponse.redirect("/account")
            response.sessionCookie = .clear
            return response
        }
    }

    @Sendable func endOtherSessions(_ request: EndpointRequest) async throws -> EndpointResponse {
        try await change(request) { user, session, _ in
            _ = try await service.endOtherSessions(of: user, keeping: session)
            return Self.done("sessions_ended", section: "sessions")
        }
    }

    @Sendable func disconnect(_ request: EndpointRequest) async throws -> EndpointResponse {
        try await change(request) { user, _, form in
            _ = try await service.disconnect(clientID: form.field("client") ?? "", of: user)
            return Self.done("application_disconnected", section: "applications")
        }
    }

    // MARK: Password

    @Sendable func changePassword(_ request: EndpointRequest) async throws -> EndpointResponse {
        try await change(request) { user, session, form in
            let outcome = try await service.changePassword(
                of: user, session: session, current: form.field("current") ?? "", new: form.field("password") ?? "",
                repeated: form.field("repeat") ?? "", address: request.clientAddress)
            switch outcome {
            case .changed: return Self.done("password_changed", section: "password")
            case .signInAgain: return Self.signInAgainFirst(returningTo: "/account")
            case .wrongPassword: return try await passwordError(user, session, request, "account_password_wrong")
            case .mismatch: return try await passwordError(user, session, request, "account_password_mismatch")
            case .tooShort: return try await passwordError(user, session, request, "account_password_short")
            case .locked(let seconds):
                return try await accountPage(user, session, request,
                                             messages: ["passwordError": .key("login_error_locked", argument: String(seconds))],
                                             status: 429).adding(header: "Retry-After", String(seconds))
            }
        }
    }

    private func passwordError(
        _ user: User, _ session: SSOSession, _ request: EndpointRequest, _ key: String
    ) async throws -> EndpointResponse {
        try await accountPage(user, session, request, messages: ["passwordError": .key(key)], status: 400)
    }

    // MARK: Linked accounts

    @Sendable func unlink(_ request: EndpointRequest) async throws -> EndpointResponse {
        try await change(request) { user, session, form in
            switch try await service.unlink(provider: form.field("provider") ?? "", subject: form.field("subject") ?? "",
                                            of: user, session: session) {
            case .unlinked, .notFound: return Self.done("unlinked", section: "links")
            case .signInAgain: return Self.signInAgainFirst(returningTo: "/account")
            case .lastWayIn:
                return try await accountPage(user, session, request, messages: ["linkError": "account_unlink_last"], status: 409)
            }
        }
    }

    /// A time as the page shows it: to the minute, in UTC.
    static func minute(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(parts.year ?? 0)-\(two(parts.month))-\(two(parts.day)) \(two(parts.hour)):\(two(parts.minute)) UTC"
    }
}
