import ArgumentParser
import Foundation
import SSOCore
import SSOServer
import SSOStorageSQLite

/// `sso audit tail`: the newest security events, oldest first, as JSON lines.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read the security events.", subcommands: [Tail.self])

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the newest security events as JSON lines.")
        @Option(name: .shortAndLong, help: "How many events.") var count = 50
        @OptionGroup var data: DataOption

        func validate() throws {
            guard (1...10_000).contains(count) else { throw ValidationError("--count is 1 to 10000.") }
        }

        func run() async throws {
            let format = ISO8601DateFormatter()
            for event in try await data.dataDirectory.openStorage().securityEvents(limit: count).reversed() {
                struct Line: PrintedJSON {
                    var at: String, event: String
                    var user_id, client_id, detail: String?
                }
                print(try Line(at: format.string(from: event.at), event: event.kind.rawValue, user_id: event.userID,
                               client_id: event.clientID, detail: event.detail).encoded(pretty: false))
            }
        }
    }
}
