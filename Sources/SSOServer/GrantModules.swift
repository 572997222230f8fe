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
    public static var grantTypes: [String] { modules.map { $0.grantType } }
}
