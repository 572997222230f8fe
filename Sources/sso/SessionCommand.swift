import ArgumentParser
import Foundation
import SSOCore
import SSOServer
import SSOStorageSQLite

/// `sso session list|revoke`: the SSO sessions of a user.
struct SessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session", abstract: "List or revoke SSO sessions.", subcommands: [List.self, Revoke.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A user's sessions as JSON lines, newest first.")
        @Option(help: "The user's login.") var login: String
        @OptionGroup var data: DataOption

        func run() async throws {
            let storage = try await data.dataDirectory.openStorage()
            guard let user = try await storage.user(login: login) else { throw ValidationError("No user '\(login)'.") }
            let now = Date()
            for session in try await storage.sessions(userID: user.id) {
                struct Line: PrintedJSON {
                    var id: String, created_at: String, auth_time: String, expires_at: String, methods: [String]
                    var identity_provider: String?, active: Bool, revoked: Bool
                }
                let format = ISO8601DateFormatter()
                print(try Line(
                    id: session.id, created_at: format.string(from: session.createdAt),
                    auth_time: format.string(from: session.authTime),
                    expires_at: format.string(from: min(session.expiresAt, session.absoluteExpiresAt)),
                    methods: session.methods, identity_provider: session.identityProvider,
                    active: session.isActive(at: now), revoked: session.revokedAt != nil).encoded(pretty: false))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End one session (--id) or all of a user's (--login), with the refresh tokens issued under them.")
        @Option(help: "Session id (from 'session list').") var id: String?
        @Option(help: "Revoke every session of this user.") var login: String?
        @OptionGroup var data: DataOption

        func validate() throws {
            guard (id == nil) != (login == nil) else { throw ValidationError("Give exactly one of --id and --login.") }
        }

        func run() async throws {
            let storage = try await data.dataDirectory.openStorage()
            var ids: [String] = []
            if let id {
                guard try await storage.session(id: id) != nil else { throw ValidationError("No session '\(id)'.") }
                ids = [id]
            } else if let login {
                guard let user = try await storage.user(login: login) else { throw ValidationError("No user '\(login)'.") }
                ids = try await storage.sessions(userID: user.id).filter { $0.revokedAt == nil }.map(\.id)
            }
            let now = Date()
            for id in ids {
                try await storage.revoke(sessionID: id, at: now)
                try await storage.appendSecurityEvent(SecurityEvent(kind: .sessionRevoked, at: now, detail: id))
            }
            print("revoked \(ids.count) session(s)")
        }
    }
}
