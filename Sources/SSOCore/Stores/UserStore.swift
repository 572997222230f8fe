/// Thrown by `UserStore.insert` when the login is taken.
public struct DuplicateLoginError: Error, Sendable, Equatable {
    public var login: String
    public init(login: String) { self.login = login }
}

/// What `UserStore.importUsers` did with one user of a batch.
public enum UserImportOutcome: Sendable, Equatable {
    /// Added.
    case inserted
    /// The login (ignoring case) was taken; the stored user is left as it was.
    case skipped
    /// The login was taken and the stored user's fields were replaced by the imported ones;
    /// its id (the subject) and creation time are kept.
    case updated
    /// Another user already has this user's id; nothing was written.
    case idTaken
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
    /// Writes a batch of users in one transaction, each as `insert` would unless its login
    /// (ignoring case) is taken: then it is skipped or, with `updateExisting`, written over the
    /// stored user (keeping that user's id and creation time). One outcome per user, in order.
    func importUsers(_ users: [User], updateExisting: Bool) async throws -> [UserImportOutcome]
    /// At most `limit` users with ids after `afterID` (all when `nil`), in order of id: pages for
    /// going through every user without holding them all.
    func users(afterID: String?, limit: Int) async throws -> [User]
    /// Records that the TOTP time step `step` was used by this user, unless it (or a later
    /// one) was used already: `false` means a replay. One atomic check-and-write.
    func consumeTOTPStep(userID: String, step: Int64) async throws -> Bool
}
