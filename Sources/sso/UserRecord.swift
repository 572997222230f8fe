import Foundation
import SSOCore
import SSOPasswords

/// One line of `sso user import` and `sso user export`: a user as JSON, with the field names of
/// the server's own user JSON (`sso user set` prints them) where it has them.
///
/// `login` is required; everything else is optional. `password_hash` is a hash string of a
/// format `ImportedPasswordHash` accepts, or `password` gives its fields; a user with neither has
/// no password (federated sign-in only). `totp_secret` is the TOTP seed in base32, as in an
/// `otpauth://` URI. Unknown fields are refused, so that a misspelt one is not silently dropped.
struct UserRecord: Codable {
    var id: String?
    var login: String
    var email: String?
    var emailVerified: Bool?
    var name: String?
    var roles: [String]?
    var accounts: [Account]?
    var domestic: Bool?
    var applicationStatus: String?
    var totpSecret: String?
    var passwordHash: String?
    var password: ImportedPasswordFields?
    var createdAt: Date?

    struct Account: Codable {
        var accountNumber: String
        var tradePlatform: String
        enum CodingKeys: String, CodingKey {
            case accountNumber = "account_number"
            case tradePlatform = "trade_platform"
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, login, email, name, roles, accounts, domestic, password
        case emailVerified = "email_verified"
        case applicationStatus = "application_status"
        case totpSecret = "totp_secret"
        case passwordHash = "password_hash"
        case createdAt = "created_at"
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys
            .map(\.stringValue).filter { CodingKeys(stringValue: $0) == nil }.sorted()
        guard unknown.isEmpty else {
            throw ImportRefusal("unknown field\(unknown.count == 1 ? "" : "s") \(unknown.map { "\"\($0.prefix(40))\"" }.joined(separator: ", "))")
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        login = try container.decode(String.self, forKey: .login)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        emailVerified = try container.decodeIfPresent(Bool.self, forKey: .emailVerified)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        roles = try container.decodeIfPresent([String].self, forKey: .roles)
        accounts = try container.decodeIfPresent([Account].self, forKey: .accounts)
        domestic = try container.decodeIfPresent(Bool.self, forKey: .domestic)
        applicationStatus = try container.decodeIfPresent(String.self, forKey: .applicationStatus)
        totpSecret = try container.decodeIfPresent(String.self, forKey: .totpSecret)
        passwordHash = try container.decodeIfPresent(String.self, forKey: .passwordHash)
        password = try container.decodeIfPresent(ImportedPasswordFields.self, forKey: .password)
        createdAt = try container.decodeIfPresent(Date.self, forKey: .createdAt)
    }

    /// The record of a stored user, its TOTP seed unsealed.
    init(_ user: User, sealer: any SecretSealer) throws {
        id = user.id
        login = user.login
        email = user.email
        emailVerified = user.emailVerified
        name = user.name
        roles = user.roles
        accounts = user.accounts.map { Account(accountNumber: $0.number, tradePlatform: $0.platform) }
        domestic = user.domestic
        applicationStatus = user.applicationStatus
        totpSecret = try user.totpSecretSealed.map { Base32.encode(try sealer.unseal($0)) }
        passwordHash = user.passwordHash
        createdAt = user.createdAt
    }

    /// The user to store: the hash normalized, the TOTP seed sealed as enrolment seals it (the
    /// UTF-8 text the server keys HMAC with), a new id when the record has none.
    func user(sealer: any SecretSealer, now: Date) throws -> User {
        let trimmed = login.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed == login, login.utf8.count <= 256 else {
            throw ImportRefusal("\"login\" must be 1 to 256 characters without surrounding spaces")
        }
        if let id {
            guard !id.isEmpty, id.utf8.count <= 256, id.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 })
            else { throw ImportRefusal("\"id\" must be 1 to 256 visible ASCII characters") }
        }
        if let roles, let bad = roles.first(where: { $0.isEmpty || $0.contains(where: \.isWhitespace) }) {
            throw ImportRefusal("the role \"\(bad.prefix(40))\" is not one word")
        }
        let hash: String?
        switch (passwordHash, password) {
        case (let text?, nil): hash = try refusing { try ImportedPasswordHash.normalize(text) }
        case (nil, let fields?): hash = try refusing { try ImportedPasswordHash.normalize(fields) }
        case (nil, nil): hash = nil
        case (_?, _?): throw ImportRefusal("give \"password_hash\" or \"password\", not both")
        }
        var user = User(id: id ?? UUID().uuidString.lowercased(), login: login, passwordHash: hash, email: email,
                        emailVerified: emailVerified ?? false, name: name,
                        totpSecretSealed: try totpSecret.map { try Self.sealedTOTP($0, sealer: sealer) },
                        createdAt: createdAt ?? now)
        user.roles = roles ?? []
        user.accounts = (accounts ?? []).map { TradingAccount(number: $0.accountNumber, platform: $0.tradePlatform) }
        user.domestic = domestic
        user.applicationStatus = applicationStatus
        return user
    }

    /// The seed's bytes, sealed as enrolment seals a secret: TOTP keys its HMAC with them, so
    /// the user's authenticator app goes on giving the codes the server expects.
    static func sealedTOTP(_ base32: String, sealer: any SecretSealer) throws -> Data {
        guard let key = Base32.decode(base32) else { throw ImportRefusal("\"totp_secret\" is not base32") }
        guard (10...128).contains(key.count) else {
            throw ImportRefusal("\"totp_secret\" has \(key.count) bytes; 10 to 128 are accepted")
        }
        return try sealer.seal(Data(key))
    }

    private func refusing(_ body: () throws -> String) throws -> String {
        do { return try body() } catch let rejection as ImportedPasswordHash.Rejection {
            throw ImportRefusal(rejection.description)
        }
    }
}

/// Why one line of an import is not imported.
struct ImportRefusal: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }

    /// A short reason for any error decoding or converting a line.
    static func reason(_ error: any Error) -> String {
        switch error {
        case let refusal as ImportRefusal: return refusal.description
        case DecodingError.keyNotFound(let key, let context):
            return "missing \"\(path(context.codingPath + [key]))\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\"\(path(context.codingPath))\" has the wrong type"
        case DecodingError.dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not a JSON object" }
            return "\"\(path(context.codingPath))\" is not valid: \(context.debugDescription)"
        case DecodingError.typeMismatch, DecodingError.valueNotFound, DecodingError.keyNotFound:
            return "not a user record"
        default: return "\(error)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingPrefix(".").description
    }
}
