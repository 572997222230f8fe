import Foundation
import SSOCore
import SSOEndpointModel

extension DeviceEndpoints {
    /// `GET /device[?user_code=...]`: the form to type the code in; with a code, the sign-in
    /// (through the login page, which comes back here) and then the question, which always
    /// names the client and the scopes: following a `verification_uri_complete` someone else
    /// sent must not approve anything by itself (RFC 8628 section 5.4).
    @Sendable func verificationPage(_ request: EndpointRequest) async throws -> EndpointResponse {
        // A repeated parameter is a malformed request, shown on the page.
        guard case .success(let sent) = Result(catching: { try request.query.value("user_code") }) else {
            return page(Page("device", messages: ["error": "device_error_malformed"]), status: 400)
        }
        guard let typed = sent, !typed.isEmpty else { return page(Page("device")) }
        let found: (DeviceAuthorization, Client, String)
        switch try await lookUp(typed, address: request.clientAddress) {
        case .refused(let response): return response
        case .found(let authorization, let client, let code): found = (authorization, client, code)
        }
        let (authorization, client, code) = found
        guard let session = try await services.login.activeSession(secret: request.sessionSecret),
            let user = try await users.user(id: session.userID)
        else {
            let binding = SecretDigest.sha256(request.browserSecret ?? random.token())
            let back = RedirectURL.build(Self.verificationPath, parameters: [("user_code", UserCode.formatted(code))])
            let step = try await services.flow.signInThenReturn(
                to: back, client: client, session: nil, browserBinding: binding)
            return .redirect(step.location)
        }
        return page(Page(
            "device_confirm",
            values: ["client": client.name, "user_code": UserCode.formatted(code), "user": user.login,
                     "csrf": request.browserSecret ?? ""],
            scopes: authorization.scopes))
    }

    /// `POST /device`: the user's answer, from the page above (same browser: the form's CSRF
    /// value must be the browser's CSRF cookie) and the same signed-in user.
    @Sendable func decision(_ request: EndpointRequest) async throws -> EndpointResponse {
        let unreadable = EndpointResponse.errorPage("The form could not be read.")
        // A repeated field reads as an unreadable form.
        guard let form = request.form, case .success(let answer) = Result(catching: { try form.value("decision") }),
            case .success(let typed) = Result(catching: { try form.value("user_code") }),
            let fromThisBrowser = try? request.isFromThisBrowser(form)
        else { return unreadable }
        guard fromThisBrowser else {
            return EndpointResponse(status: 403, body: .errorPage(.text(
                "This form has expired or was opened in another browser. Open the code page again.")))
        }
        guard answer == "approve" || answer == "deny", let typed else { return unreadable }
        let found: (DeviceAuthorization, Client, String)
        switch try await lookUp(typed, address: request.clientAddress) {
        case .refused(let response): return response
        case .found(let authorization, let client, let code): found = (authorization, client, code)
        }
        let (authorization, client, code) = found
        guard let session = try await services.login.activeSession(secret: request.sessionSecret) else {
            // Signed out meanwhile: back to the page, which signs in first and asks again.
            return .redirect(RedirectURL.build(Self.verificationPath, parameters: [("user_code", UserCode.formatted(code))]))
        }
        let now = clock.now()
        let approved = answer == "approve"
        let decision: DeviceDecision = approved
            ? .approved(userID: session.userID, sessionID: session.id, authTime: session.authTime,
                        methods: session.methods, identityProvider: session.identityProvider)
            : .denied
        guard try await devices.decideDeviceAuthorization(userCodeDigest: authorization.userCodeDigest, decision, at: now)
        else { return page(Page("device", messages: ["error": "device_error_expired"]), status: 400) }
        await events.record(SecurityEvent(
            kind: approved ? .deviceApproved : .deviceDenied, at: now, userID: session.userID, clientID: client.id,
            detail: approved ? authorization.scopes.description : nil))
        return page(Page(
            "device_done", values: ["client": client.name],
            messages: ["outcome": approved ? "device_done_approved" : "device_done_denied"]))
    }

    enum LookUp {
        case found(DeviceAuthorization, Client, code: String)
        case refused(EndpointResponse)
    }

    /// The pending request of a typed user code. Each code typed is counted against the
    /// address before it is looked up, and given back when it was found: codes sent at once
    /// beyond the limit are refused (429, with how long to wait), not looked up.
    func lookUp(_ typed: String, address: String?) async throws -> LookUp {
        let throttle = services.throttle
        let reservation: ThrottleReservation
        do {
            reservation = try await throttle.reserve([
                .counting(Throttle.userCodeAddressKey(address), throttle.limits.userCodeAddress),
            ])
        } catch let error as OAuthError where error.code == .tooManyAttempts {
            return .refused(page(
                Page("device", messages: ["error": "device_error_locked"]), status: 429)
                .adding(header: "Retry-After", String(error.retryAfter ?? 1)))
        }
        let now = clock.now()
        guard let code = UserCode.normalized(typed),
            let authorization = try await devices.deviceAuthorization(userCodeDigest: UserCode.digest(code)),
            let client = try await clients.client(id: authorization.clientID)
        else {
            // A wrong code: it stays counted.
            return .refused(page(Page("device", values: ["user_code": typed], messages: ["error": "device_error_unknown"]),
                                 status: 400))
        }
        await throttle.release(reservation)
        guard authorization.status == .pending, now < authorization.expiresAt else {
            return .refused(page(Page("device", messages: ["error": "device_error_expired"]), status: 400))
        }
        return .found(authorization, client, code: code)
    }

    func page(_ page: Page, status: Int = 200) -> EndpointResponse {
        EndpointResponse(status: status, body: .page(page))
    }
}
