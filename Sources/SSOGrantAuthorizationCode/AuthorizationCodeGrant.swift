import Foundation
import SSOCore

extension GrantType {
    /// RFC 6749 section 4.1.
    public static let authorizationCode = GrantType(rawValue: "authorization_code")
}

/// The `authorization_code` grant (RFC 6749 section 4.1.3, RFC 7636 section 4.6).
///
/// The code must be live, issued to this client, presented with the same `redirect_uri`, and
/// answered with the PKCE verifier of its challenge. Exchange is atomic and one-time: a second
/// exchange fails and revokes everything the first one issued (RFC 6749 section 4.1.2,
/// RFC 9700 section 4.5).
public struct AuthorizationCodeGrant: GrantModule {
    public static let grantType = GrantType.authorizationCode

    let codes: any AuthorizationCodeStore
    let grants: any GrantStore
    let events: any SecurityEventRecorder
    let clock: any SSOClock
    let random: any SecureRandom

    public init(
        codes: any AuthorizationCodeStore, grants: any GrantStore, events: any SecurityEventRecorder,
        clock: any SSOClock, random: any SecureRandom
    ) {
        self.codes = codes
        self.grants = grants
        self.events = events
        self.clock = clock
        self.random = random
    }

    public func authorize(_ request: TokenRequest) async throws -> GrantOutcome {
        let parameters = request.parameters
        let codeValue = try parameters.required("code")
        let redirectURI = try parameters.value("redirect_uri")
        let verifier = try parameters.value("code_verifier")
        let now = clock.now()
        let digest = SecretDigest.sha256(codeValue)

        guard let code = try await codes.code(digest: digest), code.clientID == request.client.id else {
            throw OAuthError.invalidGrant("The authorization code is invalid.")
        }
        if code.consumedAt != nil {
            try await answerReplay(code, now: now)
        }
        guard now < code.expiresAt else { throw OAuthError.invalidGrant("The authorization code has expired.") }
        // RFC 6749 4.1.3 wants redirect_uri repeated when the authorization request had one,
        // except from a client whose policy is the partner convention's minimal code exchange.
        if (code.redirectURIWasSent && !request.client.allowsMinimalCodeExchange) || redirectURI != nil {
            guard redirectURI == code.redirectURI else {
                throw OAuthError.invalidGrant("The redirect_uri does not match the authorization request.")
            }
        }
        try checkPKCE(code: code, verifier: verifier)

        let grant = GrantRecord(
            id: random.token(byteCount: 16), clientID: code.clientID, userID: code.userID, sessionID: code.sessionID,
            scopes: code.scopes, authTime: code.authTime, methods: code.methods,
            identityProvider: code.identityProvider, createdAt: now
        )
        switch try await codes.redeem(digest: digest, creating: grant, at: now) {
        case .redeemed:
            return .issue(AuthorizedGrant(
                grantID: grant.id, clientID: code.clientID, userID: code.userID, scopes: code.scopes,
                authTime: code.authTime, methods: code.methods, identityProvider: code.identityProvider,
                sessionID: code.sessionID, nonce: code.nonce,
                issueRefreshToken: true
            ))
        case .alreadyConsumed(let grantID):
            var replayed = code
            replayed.grantID = grantID
            try await answerReplay(replayed, now: now)
        case .notFound:
            throw OAuthError.invalidGrant("The authorization code is invalid.")
        }
    }

    private func checkPKCE(code: AuthorizationCode, verifier: String?) throws(OAuthError) {
        guard let challenge = code.codeChallenge else {
            if verifier != nil { throw .invalidGrant("A code_verifier was sent but the authorization request had no code_challenge.") }
            return
        }
        guard let verifier else { throw .invalidGrant("The code_verifier is missing.") }
        guard PKCE.verify(verifier: verifier, challenge: challenge) else {
            throw .invalidGrant("The code_verifier does not match the code_challenge.")
        }
    }

    private func answerReplay(_ code: AuthorizationCode, now: Date) async throws -> Never {
        if let grantID = code.grantID { try await grants.revokeGrant(id: grantID, at: now) }
        await events.record(
            SecurityEvent(kind: .codeReplayed, at: now, userID: code.userID, clientID: code.clientID, detail: code.grantID)
        )
        throw OAuthError.invalidGrant("The authorization code has already been used; the tokens issued for it are revoked.")
    }
}

extension AuthorizationCodeGrant {
    /// The composition root's registration entry.
    public init(_ context: GrantContext) {
        self.init(codes: context.codes, grants: context.grants, events: context.events, clock: context.clock,
                  random: context.random)
    }
}
