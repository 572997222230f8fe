import Foundation

/// What a sign-in attempt came to.
public enum LoginOutcome: Sendable, Equatable {
    /// `upgrade`: the user's password hash is outdated; `signIn` writes its replacement with the session.
    case success(User, methods: [String], upgrade: PasswordUpgrade? = nil)
    /// Login unknown or password wrong: the two are never told apart.
    case invalidCredentials
    /// The password was right and the account has TOTP: a code is needed. `upgrade` is kept
    /// with the sign-in until the code is checked.
    case secondFactorRequired(User, upgrade: PasswordUpgrade? = nil)
    /// The code was wrong, malformed or already used.
    case invalidSecondFactor
    /// Too many failures for this account or address: try again after this many seconds.
    case locked(retryAfter: Int)
}

/// What checking a signed-in user's current password came to.
public enum PasswordConfirmation: Sendable, Equatable {
    case confirmed
    case wrong
    /// Too many failures for this account or address: try again after this many seconds.
    case locked(retryAfter: Int)
}

/// Checks passwords and second factors under the failure limits, and opens, finds and slides
/// SSO sessions. The HTML login page and the legacy endpoints both sign in through here.
public struct LoginService: Sendable {
    let users: any UserStore
    let sessions: any SessionStore
    let hasher: any PasswordHasher
    let secondFactor: SecondFactorService
    let throttle: Throttle
    let events: any SecurityEventRecorder
    let clock: any SSOClock
    let random: any SecureRandom
    let lifetimes: Lifetimes

    public init(
        users: any UserStore, sessions: any SessionStore, hasher: any PasswordHasher, secondFactor: SecondFactorService,
        throttle: Throttle, events: any SecurityEventRecorder, clock: any SSOClock, random: any SecureRandom,
        lifetimes: Lifetimes
    ) {
        self.users = users
        self.sessions = sessions
        self.hasher = hasher
        self.secondFactor = secondFactor
        self.throttle = throttle
        self.events = events
        self.clock = clock
        self.random = random
        self.lifetimes = lifetimes
    }

    /// Checks a login and password, and the TOTP `pin` when the account has TOTP (`nil` or
    /// empty asks for it), under the failure limits: the attempt is counted before the password
    /// is hashed (so attempts sent at once beyond a limit are refused, not checked) and given
    /// back when it was not a failure; a success clears the account's count for this address.
    /// - Throws: ``PasswordChecksBusy`` (the attempt is given back) when the server is checking
    ///   too many passwords to take this one.
    public func authenticate(
        login: String, password: String, pin: String?, address: String?, clientID: String? = nil
    ) async throws -> LoginOutcome {
        try refuseWhenBusy()
        let reservation: ThrottleReservation
        switch try await reserve(login: login, address: address) {
        case .refused(let wait): return .locked(retryAfter: wait)
        case .granted(let reserved): reservation = reserved
        }
        let checked: (user: User, upgrade: PasswordUpgrade?)?
        do {
            checked = try await checkPassword(login: login, password: password, clientID: clientID)
        } catch {
            await throttle.release(reservation)
            throw error
        }
        guard let (user, upgrade) = checked else {
            await failed(login: login, address: address, reservation)
            return .invalidCredentials
        }
        guard user.hasTOTP else {
            await succeeded(login: login, address: address, reservation)
            return .success(user, methods: ["pwd"], upgrade: upgrade)
        }
        guard let pin, !pin.isEmpty else {
            await throttle.release(reservation)
            return .secondFactorRequired(user, upgrade: upgrade)
        }
        return try await verifySecondFactor(user, pin: pin, upgrade: upgrade, address: address, clientID: clientID, reservation)
    }

    /// Throws ``PasswordChecksBusy`` when a password check asked for now would be refused: a
    /// storm's surplus sign-ins are answered before anything is read or counted for them.
    public func refuseWhenBusy() throws {
        if let busy = hasher.refusal() { throw busy }
    }

    /// The second step of the login page: the TOTP code of a user whose password was accepted,
    /// under the same limits as the password. `upgrade`: the one the password step returned.
    public func checkSecondFactor(
        _ user: User, pin: String, upgrade: PasswordUpgrade? = nil, address: String?, clientID: String? = nil
    ) async throws -> LoginOutcome {
        switch try await reserve(login: user.login, address: address) {
        case .refused(let wait): return .locked(retryAfter: wait)
        case .granted(let reservation):
            return try await verifySecondFactor(user, pin: pin, upgrade: upgrade, address: address, clientID: clientID, reservation)
        }
    }

    private func verifySecondFactor(
        _ user: User, pin: String, upgrade: PasswordUpgrade?, address: String?, clientID: String?,
        _ reservation: ThrottleReservation
    ) async throws -> LoginOutcome {
        guard try await secondFactor.verify(user, pin: pin) else {
            await events.record(SecurityEvent(kind: .secondFactorFailed, at: clock.now(), userID: user.id, clientID: clientID))
            await failed(login: user.login, address: address, reservation)
            return .invalidSecondFactor
        }
        await succeeded(login: user.login, address: address, reservation)
        return .success(user, methods: ["pwd", "otp"], upgrade: upgrade)
    }

    /// Checks the current password of a signed-in `user` (before the password is changed) under
    /// the login page's failure limits, so a stolen session guesses no faster than the login form.
    /// - Throws: ``PasswordChecksBusy`` (the attempt is given back) when the server is checking
    ///   too many passwords to take this one.
    public func confirmPassword(_ password: String, of user: User, address: String?) async throws -> PasswordConfirmation {
        try refuseWhenBusy()
        let reservation: ThrottleReservation
        switch try await reserve(login: user.login, address: address) {
        case .refused(let wait): return .locked(retryAfter: wait)
        case .granted(let reserved): reservation = reserved
        }
        let valid: Bool
        do {
            valid = try await hasher.verify(password, hash: user.passwordHash ?? hasher.decoyHash) && user.passwordHash != nil
        } catch {
            await throttle.release(reservation)
            throw error
        }
        guard valid else {
            await events.record(SecurityEvent(kind: .loginFailed, at: clock.now(), userID: user.id,
                                              detail: "wrong current password at a password change"))
            await failed(login: user.login, address: address, reservation)
            return .wrong
        }
        await succeeded(login: user.login, address: address, reservation)
        return .confirmed
    }

    /// Counts one attempt, before it is checked, against the account from this address
    /// (strict while the account is locked for every address: an address that already failed
    /// at it waits, one that did not still gets its try). The address's own limit is checked
    /// here and counted only on failure: many people behind one office or carrier address sign
    /// in at once at market open, and their attempts in flight must not count as failures.
    private func reserve(login: String, address: String?) async throws -> Reserved {
        do {
            try await throttle.check(Throttle.addressKey(address))
            return .granted(try await throttle.reserve([
                .counting(Throttle.accountAddressKey(login, address: address), throttle.limits.loginAccount,
                          strictWhileLocked: Throttle.accountKey(login)),
            ]))
        } catch let error as OAuthError where error.code == .tooManyAttempts {
            return .refused(retryAfter: error.retryAfter ?? 1)
        }
    }

    private enum Reserved {
        case granted(ThrottleReservation)
        case refused(retryAfter: Int)
    }

    /// The reserved attempt was a failure: it stays counted; the address's count and the
    /// account's count from every address take it too.
    private func failed(login: String, address: String?, _ reservation: ThrottleReservation) async {
        await throttle.fail(Throttle.addressKey(address), policy: throttle.limits.loginAddress)
        if reservation.locked(Throttle.accountAddressKey(login, address: address)) {
            await events.record(SecurityEvent(kind: .accountLocked, at: clock.now(),
                                              detail: "\(login.lowercased()) from \(address ?? "an unknown address")"))
        }
        let all = await throttle.fail(Throttle.accountKey(login), policy: throttle.limits.loginAccountAllAddresses)
        if all?.lockedUntil != nil {
            await events.record(SecurityEvent(kind: .accountLocked, at: clock.now(),
                                              detail: "\(login.lowercased()) from every address"))
        }
    }

    /// The account signed in from this address: its count there is cleared.
    private func succeeded(login: String, address: String?, _ reservation: ThrottleReservation) async {
        await throttle.release(reservation, clearing: [Throttle.accountAddressKey(login, address: address)])
    }

    /// The user whose login and password these are, or `nil`; with the replacement of the
    /// user's hash when it is outdated (an older algorithm or lower parameters).
    ///
    /// An unknown login costs the same password-hash time as a wrong password, so response
    /// time does not reveal which logins exist. A replacement that cannot be hashed at the
    /// moment (the server is busy) is left for a later sign-in.
    func checkPassword(
        login: String, password: String, clientID: String? = nil
    ) async throws -> (user: User, upgrade: PasswordUpgrade?)? {
        let user = try await users.user(login: login)
        let hash = user?.passwordHash ?? hasher.decoyHash
        let valid = try await hasher.verify(password, hash: hash) && user?.passwordHash != nil
        let now = clock.now()
        if valid, let user {
            await events.record(SecurityEvent(kind: .passwordAccepted, at: now, userID: user.id, clientID: clientID))
            guard hasher.needsRehash(hash), let newHash = try? await hasher.hash(password) else { return (user, nil) }
            return (user, PasswordUpgrade(userID: user.id, replacing: hash, newHash: newHash))
        }
        await events.record(
            SecurityEvent(kind: .loginFailed, at: now, userID: user?.id, clientID: clientID,
                          detail: user == nil ? "unknown login" : "wrong password")
        )
        return nil
    }

    /// `user` has just proved who they are in a browser whose cookie holds `existingSecret`:
    /// returns the session to continue with and the secret for the browser's new cookie.
    ///
    /// The same user signing in again (`prompt=login`, `max_age`, a login form shown to a
    /// signed-in browser) keeps the session: a new `auth_time`, methods and expiries, a fresh
    /// cookie value (the old one stops working), and the same `sid`, so the other relying
    /// parties and the refresh tokens issued under it live on. A different user ends the old
    /// session (its relying parties are told, its grants end) and that is a security event.
    ///
    /// `upgrade` (from ``authenticate``) replaces the user's password hash in the same
    /// transaction as the session, and is recorded as a security event.
    ///
    /// `stepUp`: `methods` were added to the session for a stronger assurance level (the
    /// one-time code after a password): the session keeps its methods and gains these, and its
    /// upstream provider is kept.
    public func signIn(
        _ user: User, methods: [String], identityProvider: String? = nil, clientID: String? = nil,
        upgrade: PasswordUpgrade? = nil, existingSecret: String?, stepUp: Bool = false, origin: SessionOrigin? = nil
    ) async throws -> (SSOSession, secret: String) {
        if let old = try await activeSession(secret: existingSecret) {
            if old.userID == user.id {
                let now = clock.now()
                let secret = random.token()
                var renewed = old
                renewed.secretDigest = SecretDigest.sha256(secret)
                renewed.authTime = now
                if stepUp {
                    renewed.methods = old.methods + methods.filter { !old.methods.contains($0) }
                } else {
                    renewed.methods = methods
                    renewed.identityProvider = identityProvider
                }
                renewed.expiresAt = now.addingTimeInterval(TimeInterval(lifetimes.sessionIdle))
                renewed.absoluteExpiresAt = now.addingTimeInterval(TimeInterval(lifetimes.sessionAbsolute))
                if let origin {
                    renewed.address = origin.address
                    renewed.userAgent = origin.userAgent
                }
                if try await sessions.reauthenticate(renewed, upgrading: upgrade) {
                    await events.record(SecurityEvent(kind: .loginSucceeded, at: now, userID: user.id, clientID: clientID,
                                                      detail: renewed.methods.joined(separator: "+")
                                                          + (stepUp ? " (same session, stepped up)" : " (same session)")))
                    await recordUpgrade(upgrade, clientID: clientID, at: now)
                    return (renewed, secret)
                }
            } else {
                let now = clock.now()
                try await sessions.revoke(sessionID: old.id, at: now)
                await events.record(SecurityEvent(kind: .sessionReplaced, at: now, userID: old.userID, clientID: clientID,
                                                  detail: "\(old.id) ended: another user (\(user.id)) signed in in its browser"))
            }
        }
        return try await openSession(
            for: user, methods: methods, identityProvider: identityProvider, clientID: clientID, upgrade: upgrade,
            origin: origin)
    }

    private func recordUpgrade(_ upgrade: PasswordUpgrade?, clientID: String?, at now: Date) async {
        guard let upgrade else { return }
        await events.record(SecurityEvent(kind: .passwordRehashed, at: now, userID: upgrade.userID, clientID: clientID,
                                          detail: "\(Self.scheme(upgrade.replacing)) replaced by \(Self.scheme(upgrade.newHash))"))
    }

    /// The algorithm of a stored hash, for the audit log (never the hash itself).
    static func scheme(_ hash: String) -> String {
        guard hash.hasPrefix("$") else { return hash.split(separator: "$").first.map(String.init) ?? "unknown" }
        let fields = hash.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count > 1 else { return "unknown" }
        if fields[1].hasPrefix("argon2"), fields.count > 3 { return "\(fields[1]) \(fields[3])" }
        if fields[1].hasPrefix("2"), fields.count > 2 { return "bcrypt cost \(fields[2])" }
        return String(fields[1])
    }

    /// Opens a new session for `user`; returns it with the secret for the browser's cookie.
    /// Browsers sign in through `signIn`, which keeps or ends the session they already have.
    public func openSession(
        for user: User, methods: [String], identityProvider: String? = nil, clientID: String? = nil,
        upgrade: PasswordUpgrade? = nil, origin: SessionOrigin? = nil
    ) async throws -> (SSOSession, secret: String) {
        let now = clock.now()
        await events.record(SecurityEvent(kind: .loginSucceeded, at: now, userID: user.id, clientID: clientID,
                                          detail: methods.joined(separator: "+")))
        let secret = random.token()
        let session = SSOSession(
            id: random.token(byteCount: 16), secretDigest: SecretDigest.sha256(secret), userID: user.id, authTime: now,
            methods: methods, identityProvider: identityProvider, createdAt: now, expiresAt: now.addingTimeInterval(TimeInterval(lifetimes.sessionIdle)),
            absoluteExpiresAt: now.addingTimeInterval(TimeInterval(lifetimes.sessionAbsolute)),
            address: origin?.address, userAgent: origin?.userAgent
        )
        try await sessions.insert(session, upgrading: upgrade)
        await recordUpgrade(upgrade, clientID: clientID, at: now)
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


