import Foundation

/// Upstream providers; read on every use, so adding or removing one needs no restart.
public protocol ProviderStore: Sendable {
    func providers() async throws -> [UpstreamProvider]
    func provider(name: String) async throws -> UpstreamProvider?
    func save(_ provider: UpstreamProvider) async throws
    func removeProvider(name: String) async throws -> Bool
}

/// Which local user an upstream account (provider, subject) is.
public protocol FederatedIdentityStore: Sendable {
    func linkedUserID(provider: String, subject: String) async throws -> String?
    /// Links (provider, subject) to `userID`, first inserting `newUser` when given: one
    /// transaction, so a failed sign-in leaves no user without a link. Throws
    /// `IdentityAlreadyLinkedError` when (provider, subject) is linked already (to anyone: another
    /// sign-in or link of the same upstream account may have been first), `DuplicateLoginError`
    /// when `newUser`'s login is taken; neither writes anything.
    func link(provider: String, subject: String, userID: String, creating newUser: User?, at: Date) async throws
    /// The upstream accounts linked to `userID`, oldest first.
    func links(userID: String) async throws -> [FederatedLink]
    /// Removes the link of (provider, subject) when it is `userID`'s; `false` when it was not there.
    func unlink(provider: String, subject: String, userID: String) async throws -> Bool
}

/// Thrown by `FederatedIdentityStore.link` when the upstream account is linked already.
public struct IdentityAlreadyLinkedError: Error, Sendable, Equatable {
    public var provider: String
    public var subject: String
    public init(provider: String, subject: String) {
        self.provider = provider
        self.subject = subject
    }
}

/// An upstream account linked to a local user.
public struct FederatedLink: Sendable, Equatable {
    public var provider: String
    public var subject: String
    public var linkedAt: Date

    public init(provider: String, subject: String, linkedAt: Date) {
        self.provider = provider
        self.subject = subject
        self.linkedAt = linkedAt
    }
}

/// Pending upstream sign-ins, single use.
public protocol FederationStateStore: Sendable {
    func insert(_ state: FederationState) async throws
    func federationState(id: String) async throws -> FederationState?
    /// Deletes the state and returns it, or `nil` when it was used (or never existed): of two
    /// concurrent uses exactly one gets it.
    func consumeFederationState(id: String) async throws -> FederationState?
}
