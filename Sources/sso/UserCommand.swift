import ArgumentParser
import Foundation
import SSOCore
import SSOPasswords
import SSOServer
import SSOStorageSQLite
import SSOTOTP

/// `sso user ...`: manages the people who sign in.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.", subcommands: [Add.self, SetAttributes.self, RoleCommand.self, AccountCommand.self, TOTPCommand.self,
                                  UserImportCommand.self, UserExportCommand.self])

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
            let storage = try await data.dataDirectory.openStorage()
            let user = User(
                id: UUID().uuidString.lowercased(), login: login, passwordHash: try await PasswordHashing(limits: .init(threads: 1)).hash(secret),
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

/// `sso user totp enroll|disable`: TOTP two-factor authentication for one user.
struct TOTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "totp", abstract: "Turn TOTP two-factor authentication on or off for a user.",
        subcommands: [Enroll.self, Disable.self])

    struct Enroll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn TOTP on with a new secret; prints the otpauth:// URI for an authenticator app, and the secret.")
        @Option(help: "The user's login.") var login: String
        @Option(name: .customLong("issuer-name"), help: "The name authenticator apps show.") var issuerName = "UnifiedSSO"
        @OptionGroup var data: DataOption

        func run() async throws {
            let (storage, service) = try await TOTPCommand.open(data)
            guard let user = try await storage.user(login: login) else { throw ValidationError("No user '\(login)'.") }
            let (_, uri) = try await service.enroll(user, issuer: issuerName)
            try await storage.appendSecurityEvent(SecurityEvent(kind: .totpEnrolled, at: Date(), userID: user.id))
            let base32 = URLComponents(string: uri)?.queryItems?.first { $0.name == "secret" }?.value ?? ""
            print(uri)
            print("secret (base32): \(base32)")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Turn TOTP off for a user.")
        @Option(help: "The user's login.") var login: String
        @OptionGroup var data: DataOption

        func run() async throws {
            let (storage, service) = try await TOTPCommand.open(data)
            guard let user = try await storage.user(login: login) else { throw ValidationError("No user '\(login)'.") }
            try await service.disable(user)
            try await storage.appendSecurityEvent(SecurityEvent(kind: .totpDisabled, at: Date(), userID: user.id))
            print("TOTP disabled for \(user.login)")
        }
    }

    static func open(_ data: DataOption) async throws -> (any SSOStore, SecondFactorService) {
        let directory = data.dataDirectory
        let storage = try await directory.openStorage()
        let random = SystemSecureRandom()
        let sealer = try await directory.keySealer(
            storage: storage, environment: ProcessInfo.processInfo.environment, random: random)
        return (storage, SecondFactorService(users: storage, sealer: sealer, algorithm: RFC6238TOTP(),
                                             clock: SystemClock(), random: random))
    }
}

/// Loads a user by login, lets `change` edit it, saves it and prints the result.
func updateUser(_ login: String, data: DataOption, _ change: (inout User) throws -> Void) async throws {
    let storage = try await data.dataDirectory.openStorage()
    guard var user = try await storage.user(login: login) else { throw ValidationError("No user '\(login)'.") }
    try change(&user)
    try await storage.update(user)
    struct Printed: Encodable {
        var id, login: String
        var email, name, application_status: String?
        var domestic: Bool?
        var roles: [String]
        var accounts: [[String: String]]
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(Printed(
        id: user.id, login: user.login, email: user.email, name: user.name, application_status: user.applicationStatus,
        domestic: user.domestic, roles: user.roles,
        accounts: user.accounts.map { ["account_number": $0.number, "trade_platform": $0.platform] })), as: UTF8.self))
}

/// `sso user set`: profile attributes.
struct SetAttributes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Change a user's attributes.")
    @Option(help: "The user's login.") var login: String
    @Option(help: "true or false (the partner convention's profile).") var domestic: Bool?
    @Option(name: .customLong("application-status"), help: "Status of the user's application, e.g. process.")
    var applicationStatus: String?
    @Option(help: "Email address.") var email: String?
    @Option(help: "Full name.") var name: String?
    @OptionGroup var data: DataOption

    func run() async throws {
        try await updateUser(login, data: data) { user in
            if let domestic { user.domestic = domestic }
            if let applicationStatus { user.applicationStatus = applicationStatus }
            if let email, email != user.email {
                user.email = email
                user.emailVerified = false
            }
            if let name { user.name = name }
        }
    }
}

/// `sso user role add|remove`: authorities carried in access tokens as `roles`.
struct RoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "role", abstract: "Give or take a role.",
                                                    subcommands: [Add.self, Remove.self])
    struct Add: AsyncParsableCommand {
        @Option(help: "The user's login.") var login: String
        @Option(help: "Role name.") var role: String
        @OptionGroup var data: DataOption
        func validate() throws {
            guard !role.isEmpty, !role.contains(" ") else { throw ValidationError("A role is one word.") }
        }
        func run() async throws {
            try await updateUser(login, data: data) { if !$0.roles.contains(role) { $0.roles.append(role) } }
        }
    }
    struct Remove: AsyncParsableCommand {
        @Option(help: "The user's login.") var login: String
        @Option(help: "Role name.") var role: String
        @OptionGroup var data: DataOption
        func run() async throws { try await updateUser(login, data: data) { $0.roles.removeAll { $0 == role } } }
    }
}

/// `sso user account add|remove`: trading accounts listed by the profile endpoint.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "account", abstract: "Add or remove a trading account.",
                                                    subcommands: [Add.self, Remove.self])
    struct Add: AsyncParsableCommand {
        @Option(help: "The user's login.") var login: String
        @Option(help: "Account number, e.g. 12345678@vision.") var number: String
        @Option(help: "Trading platform, e.g. ETNA.") var platform: String
        @OptionGroup var data: DataOption
        func run() async throws {
            try await updateUser(login, data: data) { user in
                guard !user.accounts.contains(where: { $0.number == number }) else {
                    throw ValidationError("'\(login)' already has account \(number).")
                }
                user.accounts.append(TradingAccount(number: number, platform: platform))
            }
        }
    }
    struct Remove: AsyncParsableCommand {
        @Option(help: "The user's login.") var login: String
        @Option(help: "Account number.") var number: String
        @OptionGroup var data: DataOption
        func run() async throws {
            try await updateUser(login, data: data) { $0.accounts.removeAll { $0.number == number } }
        }
    }
}
