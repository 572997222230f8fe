import Foundation

/// Checks passwords and opens, finds and slides SSO sessions.
public struct LoginService: Sendable {
    let users: any UserStore
    let sessions: any SessionStore
    let hasher: any PasswordHasher
    let events: any SecurityEventRecorder
    let clock: any SSOClock
    let random: any SecureRandom
    let lifetimes: Lifetimes

    public init(
        users: any UserStore, sessions: any SessionStore, hasher: any PasswordHasher,
        events: any SecurityEventRecorder, clock: any SSOClock, random: any SecureRandom, lifetimes: Lifetimes
    ) {
        self.users = users
        self.sessions = sessions
        self.hasher = hasher
        self.events = events
        self.clock = clock
        self.random = random
        self.lifetimes = lifetimes
    }

    /// The user whose login and password these are, or `nil`.
    ///
    /// An unknown login costs the same password-hash time as a wrong password, so response
    /// time does not reveal which logins exist.
    public func checkPassword(login: String, password: String, clientID: String? = nil) async throws -> User? {
        let user = try await users.user(login: login)
        let hash = user?.passwordHash ?? hasher.decoyHash
        let valid = await hasher.verify(password, hash: hash) && user?.passwordHash != nil
        let now = clock.now()
        if valid, let user {
            await events.record(SecurityEvent(kind: .loginSucceeded, at: now, userID: user.id, clientID: clientID))
            return user
        }
        await events.record(
            SecurityEvent(kind: .loginFailed, at: now, userID: user?.id, clientID: clientID,
                          detail: user == nil ? "unknown login" : "wrong password")
        )
        return nil
    }

    /// Opens a session for `user`; returns it with the secret for the browser's cookie.
    public func openSession(for user: User, methods: [String]) async throws -> (SSOSession, secret: String) {
        let now = clock.now()
        let secret = random.token()
        let session = SSOSession(
            id: random.token(byteCount: 16), secretDigest: SecretDigest.sha256(secret), userID: user.id, authTime: now,
            methods: methods, createdAt: now, expiresAt: now.addingTimeInterval(TimeInterval(lifetimes.sessionIdle)),
            absoluteExpiresAt: now.addingTimeInterval(TimeInterval(lifetimes.sessionAbsolute))
        )
        try await sessions.insert(session)
        return (session, secret)
    }

    /// The live session behind a cookie secret, its idle expiry slid forward; `nil` if none.
    public func activeSession(secret: String?) async throws -> SSOSession? {
        guard let secret, !secret.isEmpty,
            var session = try await sessions.session(secretDigest: SecretDigest.sha256(secret))
        else { return nil }
        let now = clock.now()
        guard session.isActive(at: now) else { return nil }
        let slid = min(now.addingTimeInterval(TimeInterval(lifetimes.sessionIdle)), session.absoluteExpiresAt)
        // Write at most about once a minute per session: SSO answers stay read-only and fast.
        if slid.timeIntervalSince(session.expiresAt) > 60 {
            try await sessions.touch(sessionID: session.id, expiresAt: slid)
            session.expiresAt = slid
        }
        return session
    }
}

extension PasswordHasher {
    /// A cost-12 bcrypt hash of a random value nobody knows, checked against when the login is
    /// unknown so that the answer takes as long as for a real account.
    public var decoyHash: String { "$2b$12$s9n/qSH/DrQ.5lS9m5Sqj.qVx.lBKFHvOCwXUL/MAXqdGr0XsNFhm" }
}
