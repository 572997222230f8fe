/// Thrown by `UserStore.insert` when the login is taken.
public struct DuplicateLoginError: Error, Sendable, Equatable {
    public var login: String
    public init(login: String) { self.login = login }
}

/// The people who sign in.
public protocol UserStore: Sendable {
    func user(id: String) async throws -> User?
    /// Finds a user by login, ignoring case.
    func user(login: String) async throws -> User?
    /// Users with this email address, ignoring case.
    func users(email: String) async throws -> [User]
    /// Adds a user; throws `DuplicateLoginError` when the login (ignoring case) is taken.
    func insert(_ user: User) async throws
    /// Replaces the stored user with the same id.
    func update(_ user: User) async throws
    /// Records that the TOTP time step `step` was used by this user, unless it (or a later
    /// one) was used already: `false` means a replay. One atomic check-and-write.
    func consumeTOTPStep(userID: String, step: Int64) async throws -> Bool
}
