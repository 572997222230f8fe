import Foundation

/// What a signed-in user manages on their own account page: their sessions, the applications
/// they allowed, their password, their second factor and their linked upstream accounts. HTTP-free;
/// the account endpoints only render what it returns. Every change is a security event.
///
/// Sensitive changes (turning the second factor on or off, a password for an account without
/// one, unlinking) need a sign-in at most ``SSOSession/recentSignIn`` seconds old: a browser
/// left signed in must not be enough to take the account over.
public struct AccountService: Sendable {
    let users: any UserStore
    let sessions: any SessionStore
    let grants: any GrantStore
    let consents: any ConsentStore
    let clients: any ClientStore
    let identities: any FederatedIdentityStore
    let passkeys: (any PasskeyStore)?
    let login: LoginService
    let hasher: any PasswordHasher
    let secondFactor: SecondFactorService
    let events: any SecurityEventRecorder
    let clock: any SSOClock
    let lifetimes: Lifetimes

    public init(
        users: any UserStore, sessions: any SessionStore, grants: any GrantStore, consents: any ConsentStore,
        clients: any ClientStore, identities: any FederatedIdentityStore, passkeys: (any PasskeyStore)?,
        login: LoginService, hasher: any PasswordHasher, secondFactor: SecondFactorService,
        events: any SecurityEventRecorder, clock: any SSOClock, lifetimes: Lifetimes
    ) {
        self.users = users
        self.sessions = sessions
        self.grants = grants
        self.consents = consents
        self.clients = clients
        self.identities = identities
        self.passkeys = passkeys
        self.login = login
        self.hasher = hasher
        self.secondFactor = secondFactor
        self.events = events
        self.clock = clock
        self.lifetimes = lifetimes
    }

    /// The shortest password the account page accepts, in bytes (as `sso user add`).
    public static let minimumPasswordLength = 8
    public static let maximumPasswordLength = 1024

    /// Whether `session` may make a sensitive change now.
    public func isRecent(_ session: SSOSession) -> Bool { session.signedInRecently(at: clock.now()) }

    // MARK: What the page shows

    public func overview(of user: User, current: SSOSession) async throws -> AccountOverview {
        let now = clock.now()
        let live = try await grants.liveGrants(userID: user.id)
        var names: [String: String] = [:]
        func name(_ clientID: String) async throws -> String {
            if let known = names[clientID] { return known }
            let found = try await clients.client(id: clientID)?.name ?? clientID
            names[clientID] = found
            return found
        }
        var accountSessions: [AccountSession] = []
        for session in try await sessions.sessions(userID: user.id) where session.isActive(at: now) {
            var applications: [String] = []
            for grant in live where grant.sessionID == session.id {
                let application = try await name(grant.clientID)
                if !applications.contains(application) { applications.append(application) }
            }
            // The idle expiry slides with each use: it tells when the browser was last seen, to a minute.
            let seen = max(session.authTime, session.expiresAt.addingTimeInterval(-TimeInterval(lifetimes.sessionIdle)))
            accountSessions.append(AccountSession(session: session, isCurrent: session.id == current.id,
                                                  applications: applications, lastSeen: seen))
        }
        accountSessions.sort { ($0.isCurrent ? 1 : 0, $0.lastSeen) > ($1.isCurrent ? 1 : 0, $1.lastSeen) }

        var applications: [ConnectedApplication] = []
        for consent in try await consents.consents(userID: user.id) {
            applications.append(ConnectedApplication(
                clientID: consent.clientID, name: try await name(consent.clientID), scopes: consent.scopes,
                since: consent.updatedAt))
        }
        // Clients that skip consent hold grants without a consent record.
        for grant in live.reversed() where !applications.contains(where: { $0.clientID == grant.clientID }) {
            applications.append(ConnectedApplication(
                clientID: grant.clientID, name: try await name(grant.clientID), scopes: grant.scopes, since: grant.createdAt))
        }
        return AccountOverview(
            user: user, sessions: accountSessions, applications: applications,
            links: try await identities.links(userID: user.id),
            passkeyCount: try await passkeys?.passkeys(userID: user.id).count ?? 0)
    }

    // MARK: Sessions and applications

    /// Ends one of the user's sessions (its grants and refresh tokens end with it, its relying
    /// parties are told); `false` when it is not a live session of this user.
    public func endSession(id: String, of user: User, from current: SSOSession) async throws -> Bool {
        guard let session = try await sessions.session(id: id), session.userID == user.id,
            session.isActive(at: clock.now())
        else { return false }
        let now = clock.now()
        try await sessions.revoke(sessionID: id, at: now)
        await events.record(SecurityEvent(kind: .sessionRevoked, at: now, userID: user.id,
                                          detail: "\(id) ended by the user from \(id == current.id ? "itself" : current.id)"))
        return true
    }

    /// Ends every live session of the user but `current`; returns how many ended.
    public func endOtherSessions(of user: User, keeping current: SSOSession) async throws -> Int {
        let ended = try await endOthers(of: user, keeping: current)
        let now = clock.now()
        if ended > 0 {
            await events.record(SecurityEvent(kind: .sessionRevoked, at: now, userID: user.id,
                                              detail: "\(ended) other session(s) ended by the user from \(current.id)"))
        }
        return ended
    }

    /// The user disconnects an application: its consent is forgotten and its grants and refresh
    /// tokens end. `false` when the application held nothing.
    public func disconnect(clientID: String, of user: User) async throws -> Bool {
        let held = try await consents.consents(userID: user.id).contains { $0.clientID == clientID }
        let now = clock.now()
        let ended = try await consents.withdrawConsent(userID: user.id, clientID: clientID, at: now)
        guard held || ended > 0 else { return false }
        await events.record(SecurityEvent(kind: .consentWithdrawn, at: now, userID: user.id, clientID: clientID,
                                          detail: "\(ended) grant(s) revoked"))
        return true
    }

    // MARK: Password

    /// Changes the password: the current one is checked under the login limits (an account
    /// without a password may set one after a recent sign-in instead); every other session of
    /// the user ends, this one stays.
    public func changePassword(
        of user: User, session: SSOSession, current: String, new: String, repeated: String, address: String?
    ) async throws -> PasswordChangeOutcome {
        guard new == repeated else { return .mismatch }
        guard new.utf8.count >= Self.minimumPasswordLength, new.utf8.count <= Self.maximumPasswordLength else {
            return .tooShort
        }
        if user.passwordHash == nil {
            guard isRecent(session) else { return .signInAgain }
        } else {
            switch try await login.confirmPassword(current, of: user, address: address) {
            case .wrong: return .wrongPassword
            case .locked(let seconds): return .locked(retryAfter: seconds)
            case .confirmed: break
            }
        }
        let hash = try await hasher.hash(new)
        guard var latest = try await users.user(id: user.id) else { return .wrongPassword }
        latest.passwordHash = hash
        try await users.update(latest)
        let ended = try await endOthers(of: user, keeping: session)
        await events.record(SecurityEvent(kind: .passwordChanged, at: clock.now(), userID: user.id,
                                          detail: "by the user; \(ended) other session(s) ended"))
        return .changed(endedSessions: ended)
    }

    private func endOthers(of user: User, keeping current: SSOSession) async throws -> Int {
        let now = clock.now()
        var ended = 0
        for session in try await sessions.sessions(userID: user.id) where session.id != current.id && session.isActive(at: now) {
            try await sessions.revoke(sessionID: session.id, at: now)
            ended += 1
        }
        return ended
    }

    // MARK: Second factor

    /// A new TOTP secret to scan, when the account has none and the sign-in is recent.
    public func proposeTOTP(for user: User, session: SSOSession, issuer: String) throws -> TOTPProposal? {
        guard user.totpSecretSealed == nil, isRecent(session) else { return nil }
        return try secondFactor.propose(user, issuer: issuer)
    }

    /// The proposal again, for the page drawn anew after a wrong code: `nil` once it expired.
    public func reopenTOTP(for user: User, proposal: String, issuer: String) -> TOTPProposal? {
        secondFactor.reopen(user, proposal: proposal, issuer: issuer)
    }

    /// Turns TOTP on when `pin` is a current code of the proposed secret.
    public func confirmTOTP(for user: User, session: SSOSession, proposal: String, pin: String) async throws -> Bool {
        guard isRecent(session), try await secondFactor.confirm(user, proposal: proposal, pin: pin) else { return false }
        await events.record(SecurityEvent(kind: .totpEnrolled, at: clock.now(), userID: user.id, detail: "on the account page"))
        return true
    }

    /// Turns TOTP off after a recent sign-in; `false` otherwise (or when it was off).
    public func removeTOTP(for user: User, session: SSOSession) async throws -> Bool {
        guard user.totpSecretSealed != nil, isRecent(session) else { return false }
        try await secondFactor.disable(user)
        await events.record(SecurityEvent(kind: .totpDisabled, at: clock.now(), userID: user.id, detail: "on the account page"))
        return true
    }

    // MARK: Linked accounts

    /// Unlinks an upstream account after a recent sign-in; never the last way into an account
    /// that has no password and no passkey.
    public func unlink(provider: String, subject: String, of user: User, session: SSOSession) async throws -> UnlinkOutcome {
        guard isRecent(session) else { return .signInAgain }
        let links = try await identities.links(userID: user.id)
        guard links.contains(where: { $0.provider == provider && $0.subject == subject }) else { return .notFound }
        let passkeyCount = try await passkeys?.passkeys(userID: user.id).count ?? 0
        if user.passwordHash == nil, passkeyCount == 0, links.count == 1 { return .lastWayIn }
        guard try await identities.unlink(provider: provider, subject: subject, userID: user.id) else { return .notFound }
        await events.record(SecurityEvent(kind: .federationUnlinked, at: clock.now(), userID: user.id,
                                          detail: "\(provider) account unlinked by the user"))
        return .unlinked
    }
}

/// Everything the account page lists.
public struct AccountOverview: Sendable {
    public var user: User
    /// Live sessions, this browser's first, then the most recently seen.
    public var sessions: [AccountSession]
    public var applications: [ConnectedApplication]
    public var links: [FederatedLink]
    public var passkeyCount: Int
}

/// A live session as the user sees it.
public struct AccountSession: Sendable {
    public var session: SSOSession
    public var isCurrent: Bool
    /// Names of the applications signed in through it.
    public var applications: [String]
    /// When the browser was last seen, to about a minute.
    public var lastSeen: Date
}

/// An application the user allowed, with what it may do.
public struct ConnectedApplication: Sendable {
    public var clientID: String
    public var name: String
    public var scopes: ScopeSet
    public var since: Date
}

public enum PasswordChangeOutcome: Sendable, Equatable {
    case changed(endedSessions: Int)
    case wrongPassword
    case mismatch
    case tooShort
    case locked(retryAfter: Int)
    /// An account without a password sets one only after a recent sign-in.
    case signInAgain
}

public enum UnlinkOutcome: Sendable, Equatable {
    case unlinked
    case notFound
    case signInAgain
    /// The account has no password and no passkey: this link is its only way in.
    case lastWayIn
}
