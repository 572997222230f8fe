import Foundation
import SSOCore
import SSOEndpointModel

/// Sign-in with a passkey on the login page: for the interaction, with any discoverable passkey
/// (nothing typed), or as the second factor of a password sign-in (that user's passkeys only).
/// The answer is where the login form's answer would have redirected, as `location`, with the
/// session cookie set. No password is hashed on this path.
extension PasskeyEndpoints {
    @Sendable func signInOptions(_ request: EndpointRequest) async throws -> EndpointResponse {
        let call = try Self.call(request)
        guard let browser = request.browserSecret,
            let interaction = try await binding.interaction(call.interaction, browserSecret: browser,
                                                            submittedCSRF: call.csrf ?? "")
        else { return Self.expired }
        return try .json(try await service.authenticationOptions(
            interactionID: interaction.id, userID: interaction.pendingUserID, browserSecret: browser))
    }

    @Sendable func signIn(_ request: EndpointRequest) async throws -> EndpointResponse {
        let call = try Self.call(request)
        guard let browser = request.browserSecret,
            let interaction = try await binding.interaction(call.interaction, browserSecret: browser,
                                                            submittedCSRF: call.csrf ?? ""),
            let client = try await clients.client(id: interaction.request.clientID)
        else { return Self.expired }
        guard let credential = call.credential else { throw OAuthError.invalidRequest("The credential is missing.") }
        // Failed assertions count against the address like failed passwords; a locked address
        // is refused before anything is verified.
        let proof = try await throttle.guarding(
            Throttle.addressKey(request.clientAddress), policy: throttle.limits.loginAddress, counting: [.accessDenied]
        ) {
            let proof = try await service.authenticate(credential, interactionID: interaction.id, browserSecret: browser,
                                                       clientID: client.id)
            guard proof.secondFactor == (interaction.pendingUserID != nil),
                interaction.pendingUserID.map({ $0 == proof.user.id }) ?? true
            else { throw OAuthError(.accessDenied, "The passkey was not accepted.") }
            return proof
        }
        let method = proof.passkey.authenticationMethod
        // A step-up (the flow asked a signed-in user for a further factor): the passkey adds to
        // that session and never opens one, so the browser must still hold it.
        if let sessionID = interaction.sessionID {
            guard let current = try await login.activeSession(secret: request.sessionSecret), current.id == sessionID,
                current.userID == proof.user.id
            else { return Self.expired }
            let added = proof.userVerified ? [method, "user"] : [method]
            let (session, secret) = try await login.signIn(
                proof.user, methods: added, clientID: client.id, existingSecret: request.sessionSecret, stepUp: true,
                origin: request.sessionOrigin)
            let step = try await flow.loginSucceeded(interaction, client: client, session: session)
            var response = try EndpointResponse.json(["location": step.location])
            response.sessionCookie = .set(secret)
            return response
        }
        var methods = proof.secondFactor ? ["pwd", method] : [method]
        if proof.userVerified { methods.append("user") }
        if proof.secondFactor { methods.append("mfa") }
        let (session, secret) = try await login.signIn(
            proof.user, methods: methods, clientID: client.id,
            upgrade: proof.secondFactor ? interaction.pendingPasswordUpgrade : nil, existingSecret: request.sessionSecret,
            origin: request.sessionOrigin)
        let step = try await flow.loginSucceeded(interaction, client: client, session: session)
        var response = try EndpointResponse.json(["location": step.location])
        response.sessionCookie = .set(secret)
        return response
    }

    static let expired = EndpointResponse.error(
        OAuthError.invalidRequest("The sign-in has expired or belongs to another browser: start again."), status: 400)
}
