import ArgumentParser
import Foundation
import SSOCore
import SSOPasswords
import SSOServer
import SSOStorageSQLite

/// `sso user ...`: manages the people who sign in.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user; the password is stored as a bcrypt hash.")

        @Option(help: "Login (unique, case-insensitive).") var login: String
        @Option(help: "Password (prefer --password-stdin: command lines are visible to other users).") var password: String?
        @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input.") var passwordStdin = false
        @Option(help: "Email address.") var email: String?
        @Flag(name: .customLong("email-verified"), help: "Mark the email address as verified.") var emailVerified = false
        @Option(help: "Full name.") var name: String?
        @OptionGroup var data: DataOption

        func validate() throws {
            let trimmed = login.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed == login, login.utf8.count <= 256 else {
                throw ValidationError("--login must be 1 to 256 characters without surrounding spaces.")
            }
            guard (password != nil) != passwordStdin else {
                throw ValidationError("Give exactly one of --password and --password-stdin.")
            }
        }

        func run() async throws {
            let secret = password ?? (readLine(strippingNewline: true) ?? "")
            guard secret.utf8.count >= 8, secret.utf8.count <= 1024 else {
                throw ValidationError("The password must be 8 to 1024 bytes long.")
            }
            let storage = try DataDirectory(data.directory).openStorage()
            let user = User(
                id: UUID().uuidString.lowercased(), login: login, passwordHash: try await BcryptPasswordHasher().hash(secret),
                email: email, emailVerified: emailVerified, name: name, createdAt: Date())
            do {
                try await storage.insert(user)
            } catch let error as DuplicateLoginError {
                throw ValidationError("The login '\(error.login)' is taken.")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            struct Printed: Encodable { var id, login: String; var email, name: String? }
            print(String(decoding: try encoder.encode(Printed(id: user.id, login: user.login, email: email, name: name)), as: UTF8.self))
        }
    }
}
