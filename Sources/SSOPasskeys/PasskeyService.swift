import Foundation
import SSOCore
import SSOWebAuthn

/// The relying party the server is to its own pages: the RP ID is the issuer's host, the one
/// origin allowed is the issuer's origin.
public struct PasskeySettings: Sendable {
    public var relyingParty: RelyingParty
    /// The name authenticators show beside the account.
    public var name: String

    /// Settings for the server at `issuer` (`https://sso.example.com`, `http://localhost:8080`).
    public init(issuer: String, name: String = "UnifiedSSO") {
        let components = URLComponents(string: issuer)
        let host = components?.host?.lowercased() ?? "localhost"
        var origin = (components?.scheme?.lowercased() ?? "https") + "://" + host
        if let port = components?.port { origin += ":\(port)" }
        relyingParty = RelyingParty(id: host, origins: [origin])
        self.name = name
    }
}

/// Passkey registration and sign-in ceremonies over `SSOWebAuthn`'s verifier: challenges issued
/// and consumed once through the store (bound to the browser, and to the session or the
/// interaction), credentials stored and looked up, counters kept, every outcome an event.
public struct PasskeyService: Sendable {
    /// How long a challenge may be answered.
    public static let challengeLifetime = 300
    /// A registration needs a sign-in at most this many seconds old.
    public static let recentSignIn = SSOSession.recentSignIn
    static let algorithms: [COSEAlgorithm] = [.es256, .edDSA, .rs256]

    let store: any PasskeyStore
    let users: any UserStore
    let events: any SecurityEventRecorder
    let clock: any SSOClock
    let random: any SecureRandom
    let settings: PasskeySettings
    let verifier: WebAuthnVerifier

    public init(store: any PasskeyStore, users: any UserStore, events: any SecurityEventRecorder, clock: any SSOClock,
                random: any SecureRandom, settings: PasskeySettings) {
        self.store = store
        self.users = users
        self.events = events
        self.clock = clock
        self.random = random
        self.settings = settings
        verifier = WebAuthnVerifier(relyingParty: settings.relyingParty)
    }

    /// Whether `session` signed in recently enough to add a passkey.
    public func isRecent(_ session: SSOSession) -> Bool {
        session.signedInRecently(at: clock.now())
    }

    // MARK: Registration

    func registrationOptions(user: User, session: SSOSession, browserSecret: String) async throws -> CreationOptions {
        let challenge = try await issue(.registration, browserSecret: browserSecret, userID: user.id, sessionID: session.id)
        let existing = try await store.passkeys(userID: user.id)
        return CreationOptions(
            rp: .init(id: settings.relyingParty.id, name: settings.name, displayName: nil),
            // The user handle is the opaque subject identifier, never the login (section 14.6.1).
            user: .init(id: Base64URL.encode(Array(user.id.utf8)), name: user.login, displayName: user.name ?? user.login),
            challenge: challenge, pubKeyCredParams: Self.algorithms.map { .init(alg: $0.rawValue) },
            timeout: Self.challengeLifetime * 1000,
            excludeCredentials: existing.map { .init(id: $0.credentialID, transports: $0.transports.isEmpty ? nil : $0.transports) })
    }

    /// Verifies a registration answering a challenge this browser's `session` was issued, and
    /// stores the passkey under `name`.
    func register(
        _ credential: CredentialJSON, name: String?, user: User, session: SSOSession, browserSecret: String
    ) async throws -> Passkey {
        guard let clientData = Self.bytes(credential.response.clientDataJSON),
            let attestation = credential.response.attestationObject.flatMap(Self.bytes)
        else { throw OAuthError.invalidRequest("The credential is incomplete.") }
        let (record, challenge) = try await consume(clientData, .registration, browserSecret: browserSecret)
        guard record.userID == user.id, record.sessionID == session.id else {
            throw OAuthError.invalidRequest("The challenge was issued to another session.")
        }
        let registered: RegisteredCredential
        do {
            registered = try await verifier.verifyRegistration(
                challenge: challenge, clientDataJSON: clientData, attestationObject: attestation,
                requireUserVerification: false, allowedAlgorithms: Set(Self.algorithms),
                transports: credential.response.transports ?? [])
        } catch {
            throw OAuthError(.invalidRequest, "The passkey could not be verified.", debug: error.description)
        }
        let now = clock.now()
        let trimmed = name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let passkey = Passkey(
            id: random.token(byteCount: 16), userID: user.id, credentialID: Base64URL.encode(registered.credentialID),
            publicKey: registered.publicKey, algorithm: registered.algorithm.rawValue, signCount: Int(registered.signCount),
            aaguid: registered.aaguid.map { String(format: "%02x", $0) }.joined(),
            backupEligible: registered.backupEligible, backupState: registered.backupState,
            transports: registered.transports.filter(Self.isTransport),
            name: trimmed.isEmpty ? "Passkey" : String(trimmed.prefix(64)), createdAt: now)
        guard try await store.insertPasskey(passkey) else {
            throw OAuthError.invalidRequest("This passkey is registered already.")
        }
        await events.record(SecurityEvent(kind: .passkeyRegistered, at: now, userID: user.id,
                                          detail: "\(passkey.id) \(passkey.authenticationMethod) \(registered.algorithm)"))
        return passkey
    }

    // MARK: Sign-in

    /// A sign-in challenge for the interaction: for any discoverable passkey (`userID` nil), or,
    /// as the second factor after a password, for that user's passkeys only.
    func authenticationOptions(interactionID: String, userID: String?, browserSecret: String) async throws -> RequestOptions {
        let challenge = try await issue(.authentication, browserSecret: browserSecret, userID: userID,
                                        interactionID: interactionID)
        let allowed = if let userID { try await store.passkeys(userID: userID) } else { [Passkey]() }
        return RequestOptions(
            challenge: challenge, rpId: settings.relyingParty.id, timeout: Self.challengeLifetime * 1000,
            allowCredentials: allowed.map { .init(id: $0.credentialID, transports: $0.transports.isEmpty ? nil : $0.transports) })
    }

    /// The user an assertion proves, with the passkey it used and whether the user was verified.
    /// Any failure is `access_denied` (what the failure limits count) and a security event; a
    /// counter that did not increase is refused and recorded as a possible clone.
    func authenticate(
        _ credential: CredentialJSON, interactionID: String, browserSecret: String, clientID: String?
    ) async throws -> (user: User, passkey: Passkey, userVerified: Bool, secondFactor: Bool) {
        do {
            return try await verifyAssertion(credential, interactionID: interactionID, browserSecret: browserSecret,
                                             clientID: clientID)
        } catch let error as AssertionFailure {
            await events.record(SecurityEvent(kind: error.regression ? .passkeySignCountRegressed : .passkeyFailed,
                                              at: clock.now(), userID: error.userID, clientID: clientID, detail: error.detail))
            throw OAuthError(.accessDenied, "The passkey was not accepted.", debug: error.detail)
        }
    }

    private struct AssertionFailure: Error {
        var detail: String
        var userID: String? = nil
        var regression = false
    }

    private func verifyAssertion(
        _ credential: CredentialJSON, interactionID: String, browserSecret: String, clientID: String?
    ) async throws -> (user: User, passkey: Passkey, userVerified: Bool, secondFactor: Bool) {
        let response = credential.response
        guard let clientData = Self.bytes(response.clientDataJSON),
            let authenticatorData = response.authenticatorData.flatMap(Self.bytes),
            let signature = response.signature.flatMap(Self.bytes)
        else { throw AssertionFailure(detail: "incomplete assertion") }
        let record: PasskeyChallenge
        let challenge: WebAuthnChallenge
        do {
            (record, challenge) = try await consume(clientData, .authentication, browserSecret: browserSecret)
        } catch is OAuthError {
            throw AssertionFailure(detail: "unknown, spent or expired challenge")
        }
        guard record.interactionID == interactionID else { throw AssertionFailure(detail: "challenge of another interaction") }
        guard let passkey = try await store.passkey(credentialID: credential.id) else {
            throw AssertionFailure(detail: "unknown credential")
        }
        // The second factor of a password sign-in: the passkey must be that user's (step 5).
        if let expected = record.userID, expected != passkey.userID {
            throw AssertionFailure(detail: "passkey of another user", userID: expected)
        }
        let userHandle = response.userHandle.flatMap(Self.bytes)
        let result: AssertionResult
        do {
            result = try verifier.verifyAssertion(
                credential: StoredCredential(
                    credentialID: Array(Base64URL.decode(passkey.credentialID) ?? Data()), publicKey: passkey.publicKey,
                    signCount: UInt32(clamping: passkey.signCount), backupEligible: passkey.backupEligible,
                    userHandle: Array(passkey.userID.utf8)),
                challenge: challenge, authenticatorData: authenticatorData, clientDataJSON: clientData, signature: signature,
                userHandle: userHandle, requireUserVerification: false, requireUserHandle: record.userID == nil)
        } catch {
            if case .signCountRegression = error {
                throw AssertionFailure(detail: "\(passkey.id): \(error.description)", userID: passkey.userID, regression: true)
            }
            throw AssertionFailure(detail: "\(passkey.id): \(error.description)", userID: passkey.userID)
        }
        // Conditional on the counter just verified against: a racing assertion with the same
        // counter loses here.
        guard try await store.recordPasskeyUse(
            id: passkey.id, previousSignCount: passkey.signCount, signCount: Int(result.signCount),
            backupState: result.backupState, at: clock.now())
        else {
            throw AssertionFailure(detail: "\(passkey.id): the counter changed during the sign-in", userID: passkey.userID,
                                   regression: true)
        }
        guard let user = try await users.user(id: passkey.userID) else {
            throw AssertionFailure(detail: "\(passkey.id): its user is gone")
        }
        return (user, passkey, result.userVerified, record.userID != nil)
    }

    // MARK: The passkeys page

    public func passkeys(of user: User) async throws -> [Passkey] { try await store.passkeys(userID: user.id) }

    func rename(_ id: String, of user: User, to name: String) async throws -> Bool {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw OAuthError.invalidRequest("A passkey needs a name.") }
        guard try await store.renamePasskey(id: id, userID: user.id, name: String(name.prefix(64))) else { return false }
        await events.record(SecurityEvent(kind: .passkeyRenamed, at: clock.now(), userID: user.id, detail: id))
        return true
    }

    func remove(_ id: String, of user: User) async throws -> Bool {
        guard try await store.removePasskey(id: id, userID: user.id) else { return false }
        await events.record(SecurityEvent(kind: .passkeyRemoved, at: clock.now(), userID: user.id, detail: id))
        return true
    }

    // MARK: Challenges

    private func issue(
        _ purpose: PasskeyChallenge.Purpose, browserSecret: String, userID: String? = nil, sessionID: String? = nil,
        interactionID: String? = nil
    ) async throws -> String {
        let challenge = WebAuthnChallenge.generate(random: random).base64URL
        try await store.insertPasskeyChallenge(PasskeyChallenge(
            digest: SecretDigest.sha256(challenge), purpose: purpose, browserBinding: SecretDigest.sha256(browserSecret),
            userID: userID, sessionID: sessionID, interactionID: interactionID,
            expiresAt: clock.now().addingTimeInterval(TimeInterval(Self.challengeLifetime))))
        return challenge
    }

    /// The challenge the client data names, consumed: it must be live, of this ceremony, and
    /// issued to this browser. Whatever follows, it cannot be answered again.
    private func consume(
        _ clientDataJSON: [UInt8], _ purpose: PasskeyChallenge.Purpose, browserSecret: String
    ) async throws -> (PasskeyChallenge, WebAuthnChallenge) {
        guard let clientData = try? CollectedClientData(json: clientDataJSON),
            let bytes = Base64URL.decode(clientData.challenge),
            let record = try await store.consumePasskeyChallenge(digest: SecretDigest.sha256(clientData.challenge)),
            record.purpose == purpose, clock.now() < record.expiresAt,
            SecretDigest.constantTimeEquals(record.browserBinding, SecretDigest.sha256(browserSecret))
        else { throw OAuthError.invalidRequest("The challenge is unknown, expired or used.") }
        return (record, WebAuthnChallenge(bytes: Array(bytes)))
    }

    static func bytes(_ base64URL: String) -> [UInt8]? { Base64URL.decode(base64URL).map(Array.init) }

    /// A transport name as WebAuthn spells them: stored, and later sent back in options.
    static func isTransport(_ name: String) -> Bool {
        name.count <= 32 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }
}
