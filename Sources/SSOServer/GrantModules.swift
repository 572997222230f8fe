import SSOCore
import SSOGrantAuthorizationCode
import SSOGrantClientCredentials
import SSOGrantRefreshToken
import SSOGrantDeviceCode
// new-grant: imports

/// The grant types this server offers. Adding one is a new module plus one line here.
public enum GrantModules {
    static let modules: [any GrantModule.Type] = [
        AuthorizationCodeGrant.self,
        RefreshTokenGrant.self,
        ClientCredentialsGrant.self,
        DeviceCodeGrant.self,
        // new-grant: registrations
    ]

    static func all(_ context: GrantContext) -> [any GrantModule] { modules.map { $0.init(context) } }

    /// The `grant_type` values of the modules, for checking a client's registration.
    public static var grantTypes: [String] { modules.map { $0.grantType.rawValue } }

    /// What a client registered without a list of grant types may use: a sign-in, and the
    /// refresh tokens that keep it.
    public static let defaultClientGrantTypes: [String] = [GrantType.authorizationCode, .refreshToken].map(\.rawValue)

    /// The grant type that redeems the refresh tokens the issuer mints.
    static let refreshGrantType = RefreshTokenGrant.grantType
}
