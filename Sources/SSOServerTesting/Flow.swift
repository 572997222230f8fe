import Foundation
import HTTPTypes
import SSOCore

/// The steps a relying party and a user take, shared by the end-to-end tests.
public struct PKCEPair: Sendable {
    public let verifier: String
    public let challenge: String
    public init() {
        verifier = SystemSecureRandom().token()
        challenge = PKCE.challenge(for: verifier)
    }
}

extension Browser {
    /// `/authorize` with the usual parameters, overridable one by one (`nil` drops one).
    public func authorize(
        client: String, redirectURI: String? = "https://app.example/cb", scope: String? = "openid profile email",
        state: String? = "st-1", nonce: String? = "n-1", pkce: PKCEPair? = PKCEPair(), extra: [(String, String)] = []
    ) async throws -> Page {
        var query: [(String, String)] = [("response_type", "code"), ("client_id", client)]
        if let redirectURI { query.append(("redirect_uri", redirectURI)) }
        if let scope { query.append(("scope", scope)) }
        if let state { query.append(("state", state)) }
        if let nonce { query.append(("nonce", nonce)) }
        if let pkce { query += [("code_challenge", pkce.challenge), ("code_challenge_method", "S256")] }
        return try await get("/authorize?" + Browser.encode(query + extra))
    }

    /// From the login page URL, submits the login form.
    public func logIn(at loginURL: String, login: String, password: String) async throws -> Page {
        let page = try await get(loginURL)
        guard let interaction = page.hidden("interaction"), let csrf = page.hidden("csrf") else {
            throw FlowError("no login form at \(loginURL): \(page.status)")
        }
        return try await post("/login", form: [("interaction", interaction), ("csrf", csrf), ("login", login),
                                                ("password", password)])
    }

    /// From the consent page URL, answers it.
    public func answerConsent(at consentURL: String, approve: Bool) async throws -> Page {
        let page = try await get(consentURL)
        guard let interaction = page.hidden("interaction"), let csrf = page.hidden("csrf") else {
            throw FlowError("no consent form at \(consentURL): \(page.status)")
        }
        return try await post("/consent", form: [("interaction", interaction), ("csrf", csrf),
                                                  ("decision", approve ? "approve" : "deny")])
    }

    /// Authorize, log in, approve: the code (and the PKCE pair it was bound to).
    public func obtainCode(
        client: String, login: String = "alice", password: String = "wonderland-42", scope: String = "openid profile email",
        nonce: String = "n-1"
    ) async throws -> (code: String, pkce: PKCEPair) {
        let pkce = PKCEPair()
        var page = try await authorize(client: client, scope: scope, nonce: nonce, pkce: pkce)
        if page.location?.hasPrefix("/login") == true {
            page = try await logIn(at: page.location!, login: login, password: password)
        }
        if page.location?.hasPrefix("/consent") == true {
            page = try await answerConsent(at: page.location!, approve: true)
        }
        guard let code = page.redirectParameters["code"] else { throw FlowError("no code: \(page.status) \(page.location ?? "")") }
        return (code, pkce)
    }

    /// The token endpoint with Basic client authentication.
    public func token(client: String, secret: String?, _ form: [(String, String)]) async throws -> Page {
        var headers: HTTPFields = [:]
        var form = form
        if let secret { headers[.authorization] = Browser.basic(client, secret) } else { form.append(("client_id", client)) }
        return try await post("/token", form: form, headers: headers)
    }

    public func exchange(code: String, pkce: PKCEPair, client: String, secret: String?,
                  redirectURI: String = "https://app.example/cb") async throws -> Page {
        try await token(client: client, secret: secret, [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
            ("code_verifier", pkce.verifier),
        ])
    }
}

public struct FlowError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
