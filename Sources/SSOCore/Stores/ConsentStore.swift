import Foundation

/// What each user has allowed each client, remembered so the consent page is shown once.
public protocol ConsentStore: Sendable {
    func consentedScopes(userID: String, clientID: String) async throws -> ScopeSet
    /// Adds `scopes` to what the user has allowed the client.
    func recordConsent(userID: String, clientID: String, scopes: ScopeSet, at: Date) async throws
}
