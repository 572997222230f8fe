import SSOCore
import SSOGrantAuthorizationCode
import SSOGrantRefreshToken

/// The grant types this server offers. Adding one is a new module plus one line here.
enum GrantModules {
    static func all(_ context: GrantContext) -> [any Grant] {
        [
            AuthorizationCodeGrant(context),
            RefreshTokenGrant(context),
        ]
    }
}
