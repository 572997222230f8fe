import Foundation

/// What each user has allowed each client, remembered so the consent page is shown once.
public protocol ConsentStore: Sendable {
    func consentedScopes(userID: String, clientID: String) async throws -> ScopeSet
    /// Adds `scopes` to what the user has allowed the client.
    func recordConsent(userID: String, clientID: String, scopes: ScopeSet, at: Date) async throws
    /// What the user has allowed each client, most recently changed first.
    func consents(userID: String) async throws -> [Consent]
    /// The user takes back everything given to the client, in one transaction: the consent is
    /// forgotten (the consent page asks again), every grant of the user to the client is revoked
    /// and so are its refresh tokens. Returns how many grants were live.
    func withdrawConsent(userID: String, clientID: String, at: Date) async throws -> Int
}

/// What a user has allowed one client.
public struct Consent: Sendable, Equatable {
    public var clientID: String
    public var scopes: ScopeSet
    public var updatedAt: Date

    public init(clientID: String, scopes: ScopeSet, updatedAt: Date) {
        self.clientID = clientID
        self.scopes = scopes
        self.updatedAt = updatedAt
    }
}
