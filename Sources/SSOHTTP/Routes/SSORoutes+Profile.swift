import Foundation
import Hummingbird
import SSOCore

extension SSORoutes {
    /// The partner convention's profile: `GET /auth` with a Bearer token (and `/profile`, a plainer name).
    struct Profile: Encodable {
        struct Account: Encodable {
            var account_number: String
            var trade_platform: String
        }
        struct Application: Encodable {
            var status: String?
        }
        var id: String
        var login: String
        var email: String?
        var domestic: Bool?
        var accounts: [Account]
        var application: Application
    }

    /// Only to a token granted the `accounts` scope (403 `insufficient_scope` otherwise).
    func registerProfile(on router: Router<some RequestContext>) {
        for path in ["/auth", "/profile"] {
            router.get(RouterPath(path)) { request, _ in
                await withBearerToken(request, formToken: nil, scope: StandardScope.accounts) { token in
                    let user = try await services.userInfo.profileUser(forAccessToken: token)
                    return try Responses.json(Profile(
                        id: user.id, login: user.login, email: user.email, domestic: user.domestic,
                        accounts: user.accounts.map { .init(account_number: $0.number, trade_platform: $0.platform) },
                        application: .init(status: user.applicationStatus)))
                }
            }
        }
    }
}
