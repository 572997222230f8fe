import Foundation
import SSOCore
import SSOEndpointModel

extension AccountEndpoints {
    /// `GET /account/totp`: a new secret as a QR code drawn on the server and as text, and the
    /// form that turns it on with a code from the app. Needs a recent sign-in.
    @Sendable func totpPage(_ request: EndpointRequest) async throws -> EndpointResponse {
        guard let (user, session) = try await signedIn(request) else {
            return try await signIn(request, returningTo: "/account/totp")
        }
        guard !user.hasTOTP else { return .redirect("/account#second-factor") }
        guard let proposal = try service.proposeTOTP(for: user, session: session, issuer: authenticatorLabel) else {
            return Self.signInAgainFirst(returningTo: "/account/totp")
        }
        return enrolmentPage(proposal, request)
    }

    /// `POST /account/totp`: the code proves the app holds the secret; only then is it saved.
    @Sendable func confirmTOTP(_ request: EndpointRequest) async throws -> EndpointResponse {
        try await change(request) { user, session, form in
            guard !user.hasTOTP else { return .redirect("/account#second-factor") }
            guard service.isRecent(session) else { return Self.signInAgainFirst(returningTo: "/account/totp") }
            let sealed = form.field("proposal") ?? ""
            if try await service.confirmTOTP(for: user, session: session, proposal: sealed, pin: form.field("totp") ?? "") {
                return Self.done("totp_enabled", section: "second-factor")
            }
            // A wrong code: the same secret again (the app has it already), or a new one once it expired.
            let reopened = service.reopenTOTP(for: user, proposal: sealed, issuer: authenticatorLabel)
            guard let proposal = try reopened ?? service.proposeTOTP(for: user, session: session, issuer: authenticatorLabel)
            else { return Self.signInAgainFirst(returningTo: "/account/totp") }
            return enrolmentPage(proposal, request, messages: ["error": "totp_error_invalid"], status: 400)
        }
    }

    /// `POST /account/totp/remove`: turns the second factor off after a recent sign-in.
    @Sendable func removeTOTP(_ request: EndpointRequest) async throws -> EndpointResponse {
        try await change(request) { user, session, _ in
            guard user.hasTOTP else { return .redirect("/account#second-factor") }
            guard try await service.removeTOTP(for: user, session: session) else {
                return Self.signInAgainFirst(returningTo: "/account")
            }
            return Self.done("totp_removed", section: "second-factor")
        }
    }

    func enrolmentPage(
        _ proposal: TOTPProposal, _ request: EndpointRequest, messages: [String: PageMessage] = [:], status: Int = 200
    ) -> EndpointResponse {
        // The key as authenticator apps take it typed: base32 of its bytes, as in the QR code's URI.
        let key = Base32.encode(Array(proposal.secret.utf8))
        let grouped = stride(from: 0, to: key.count, by: 4).map { start -> String in
            let from = key.index(key.startIndex, offsetBy: start)
            let to = key.index(from, offsetBy: min(4, key.count - start))
            return String(key[from..<to])
        }.joined(separator: " ")
        return .page(Page("account_totp", values: [
            "csrf": request.browserSecret ?? "", "proposal": proposal.sealed, "secret": grouped, "uri": proposal.uri,
            "qr": QRCode(proposal.uri)?.svg(label: "QR code") ?? "",
        ], messages: messages), status: status)
    }
}
