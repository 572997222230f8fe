import Foundation
import Logging
import SSOCore
import SSOStorageSQLite

/// `sso serve --demo`: a demo user and the public client behind `/demo`.
enum DemoSetup {
    static let login = "demo"
    static let password = "demo-password"
    static let clientID = "demo"

    static func ensure(
        storage: any SSOStore, issuer: String, hasher: any PasswordHasher, clock: any SSOClock, logger: Logger
    ) async throws {
        if try await storage.user(login: login) == nil {
            try await storage.insert(User(
                id: UUID().uuidString.lowercased(), login: login, passwordHash: try await hasher.hash(password),
                email: "demo@example.com", emailVerified: true, name: "Demo User", createdAt: clock.now()))
        }
        // Saved on every start so the redirect URI follows the issuer.
        try await storage.save(Client(
            id: clientID, name: "Demo application", secretDigest: nil, redirectURIs: [issuer + "/demo"],
            allowedScopes: ScopeSet(["openid", "profile", "email", "offline_access"]),
            grantTypes: GrantModules.defaultClientGrantTypes, authMethod: .none,
            createdAt: clock.now()))
        logger.notice("demo enabled", metadata: [
            "page": "\(issuer)/demo", "login": "\(login)", "password": "\(password)",
        ])
    }
}
