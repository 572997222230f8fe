/// A user's stored password hash to be replaced with a new hash of the same password (a newer
/// algorithm or higher parameters), written in the same transaction as the session of the
/// sign-in that proved the password.
public struct PasswordUpgrade: Sendable, Codable, Equatable {
    public var userID: String
    /// The hash that verified: the new one is written only while this is still the stored hash,
    /// so a password changed in the meantime is never overwritten with the old one.
    public var replacing: String
    public var newHash: String

    public init(userID: String, replacing: String, newHash: String) {
        self.userID = userID
        self.replacing = replacing
        self.newHash = newHash
    }
}
