import Foundation

/// The request and response bodies of the legacy endpoints, with the field names the broker's old endpoints use.
struct LegacyCredentials: Decodable {
    var login: String
    var password: String
    var twoFactorPin: String?

    enum CodingKeys: String, CodingKey { case login, password, twoFactorPin }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        login = try container.decode(String.self, forKey: .login)
        password = try container.decode(String.self, forKey: .password)
        // Clients send the pin as a string, a number, or null.
        if try !container.contains(.twoFactorPin) || container.decodeNil(forKey: .twoFactorPin) {
            twoFactorPin = nil
        } else if let text = try? container.decode(String.self, forKey: .twoFactorPin) {
            twoFactorPin = text
        } else if let number = try? container.decode(Int.self, forKey: .twoFactorPin) {
            twoFactorPin = String(format: "%06d", number)
        } else {
            throw DecodingError.dataCorruptedError(
                forKey: .twoFactorPin, in: container, debugDescription: "twoFactorPin must be a string, a number or null")
        }
    }
}

/// `POST /auth/actions/login`.
struct LegacyLoginBody: Decodable {
    var credentials: LegacyCredentials
    var requiredServices: [String]?
}

/// `POST /sso-auth/client`.
struct CabinetLoginBody: Decodable {
    var credentials: LegacyCredentials
    var client_id: String
    var redirect_url: String
}

/// `POST /auth/actions/refresh`.
struct LegacyRefreshBody: Decodable {
    var refreshToken: String
}

/// The tokens of a legacy login or refresh.
struct LegacyTokens: Encodable {
    var jwt: String
    var refreshToken: String?
    var expiresIn: Int
    var tokenType = "Bearer"
    var idToken: String?
    /// Only for `/sso-auth/client`: where the cabinet goes next.
    var redirectUrl: String?
}

struct TwoFactorAnswer: Encodable {
    var twoFactorRequired: Bool
}

struct DevCodeAnswer: Encodable {
    var redirectUrl: String
    var code: String
    var state: String?
}
