import Foundation
import SSOCore
import SSOEndpointModel

/// The passkey endpoints: JSON calls from the server's own pages (each carrying the page's
/// CSRF token, the browser's binding cookie, as `csrf`), and the passkeys page of a signed-in
/// user. Registration, renaming and removal act on the session's user; a registration needs a
/// recent sign-in. Sign-in answers the login page's interaction (see `+Login`).
public struct PasskeyEndpoints: EndpointModule {
    let service: PasskeyService
    let login: LoginService
    let binding: InteractionBinding
    let flow: AuthorizationFlow
    let clients: any ClientStore
    let users: any UserStore
    let throttle: Throttle

    public init(service: PasskeyService, login: LoginService, binding: InteractionBinding, flow: AuthorizationFlow,
                clients: any ClientStore, users: any UserStore, throttle: Throttle) {
        self.service = service
        self.login = login
        self.binding = binding
        self.flow = flow
        self.clients = clients
        self.users = users
        self.throttle = throttle
    }

    public var routes: [EndpointRoute] {
        [
            EndpointRoute(.get, "/account/passkeys", handler: page),
            EndpointRoute(.get, "/passkeys", audience: .json, handler: list),
            EndpointRoute(.post, "/passkeys/register/options", audience: .json, handler: registrationOptions),
            EndpointRoute(.post, "/passkeys/register", audience: .json, handler: register),
            EndpointRoute(.post, "/passkeys/{id}/rename", audience: .json, handler: rename),
            EndpointRoute(.post, "/passkeys/{id}/remove", audience: .json, handler: remove),
            EndpointRoute(.post, "/login/passkey/options", audience: .json, handler: signInOptions),
            EndpointRoute(.post, "/login/passkey", audience: .json, handler: signIn),
        ]
    }

    // MARK: The signed-in user's passkeys

    @Sendable func page(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let (user, session) = try await signedIn(request) else {
            // Signed out: the account page's sign-in, which comes back here.
            return .redirect("/account/sign-in-again?return=/account/passkeys")
        }
        let passkeys = try await service.passkeys(of: user).map { passkey in
            ["id": passkey.id, "name": passkey.name,
             "created": Self.day(passkey.createdAt), "used": passkey.lastUsedAt.map(Self.day) ?? "",
             "synced": passkey.backupState ? "true" : ""]
        }
        return .page(Page("passkeys", values: [
            "csrf": request.browserSecret ?? "", "login": user.login, "recent": service.isRecent(session) ? "true" : "",
            "hasPasskeys": passkeys.isEmpty ? "" : "true",
        ], lists: ["passkeys": passkeys]))
    }

    @Sendable func list(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let (user, _) = try await signedIn(request) else { return Self.signInRequired }
        return try .json(["passkeys": try await service.passkeys(of: user).map(PasskeySummary.init)])
    }

    @Sendable func registrationOptions(_ request: EndpointRequest) async throws -> EndpointResponse {
        let call = try Self.call(request)
        guard let (user, session) = try await signedIn(request, csrf: call.csrf), let browser = request.browserSecret else {
            return Self.signInRequired
        }
        guard service.isRecent(session) else { return Self.reauthenticate }
        return try .json(try await service.registrationOptions(user: user, session: session, browserSecret: browser))
    }

    @Sendable func register(_ request: EndpointRequest) async throws -> EndpointResponse {
        let call = try Self.call(request)
        guard let (user, session) = try await signedIn(request, csrf: call.csrf), let browser = request.browserSecret else {
            return Self.signInRequired
        }
        guard service.isRecent(session) else { return Self.reauthenticate }
        guard let credential = call.credential else { throw OAuthError.invalidRequest("The credential is missing.") }
        let passkey = try await service.register(credential, name: call.name, user: user, session: session,
                                                 browserSecret: browser)
        return try .json(PasskeySummary(passkey), status: 201)
    }

    @Sendable func rename(_ request: EndpointRequest) async throws -> EndpointResponse {
        let call = try Self.call(request)
        guard let (user, _) = try await signedIn(request, csrf: call.csrf) else { return Self.signInRequired }
        guard try await service.rename(request.pathParameters["id"] ?? "", of: user, to: call.name ?? "") else {
            return Self.notFound
        }
        return try .json(["renamed": true])
    }

    @Sendable func remove(_ request: EndpointRequest) async throws -> EndpointResponse {
        let call = try Self.call(request)
        guard let (user, _) = try await signedIn(request, csrf: call.csrf) else { return Self.signInRequired }
        guard try await service.remove(request.pathParameters["id"] ?? "", of: user) else { return Self.notFound }
        return try .json(["removed": true])
    }

    // MARK: Support

    /// The session's user; with `csrf` (a call that changes something), only when the call came
    /// from this browser's own page.
    func signedIn(_ request: EndpointRequest, csrf: String?? = nil) async throws -> (User, SSOSession)? {
        if let csrf {
            guard let csrf, let browser = request.browserSecret, SecretDigest.constantTimeEquals(csrf, browser) else {
                return nil
            }
        }
        guard let session = try await login.activeSession(secret: request.sessionSecret),
            let user = try await users.user(id: session.userID)
        else { return nil }
        return (user, session)
    }

    static func call(_ request: EndpointRequest) throws -> PasskeyCall {
        guard request.mediaType == "application/json" else {
            throw OAuthError.invalidRequest("The body must be JSON.")
        }
        do {
            return try JSONDecoder().decode(PasskeyCall.self, from: request.body)
        } catch {
            throw OAuthError.invalidRequest("The body is not a passkey call.")
        }
    }

    static let signInRequired = EndpointResponse.error(OAuthError(.loginRequired, "Sign in first."), status: 401)
    /// A registration with a sign-in older than ``PasskeyService/recentSignIn``: the page asks
    /// the user to sign in again.
    static let reauthenticate = EndpointResponse.error(
        OAuthError(.loginRequired, "Sign in again to add a passkey: the last sign-in is not recent."), status: 403)
    static let notFound = EndpointResponse.error(OAuthError.invalidRequest("No such passkey."), status: 404)

    static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }
}
