import Foundation
import SSOCore
import SSOEndpointModel

/// The broker's old login endpoints (`/auth/actions/*` and the personal cabinet's `/sso-auth/client`) as an adapter over the core:
/// every login becomes a normal SSO session, every token comes from the one `TokenIssuer`,
/// every refresh goes through the token endpoint's pipeline and its `refresh_token` grant.
///
/// Each response says it is deprecated (RFC 9745 `Deprecation`) and links to the migration
/// guide, so clients see where to go.
public struct LegacyAlorModule: EndpointModule {
    /// 2026-11-23, the day the standard endpoints replaced these.
    static let deprecatedSince = "@1795392000"

    let configuration: LegacyConfiguration
    let clients: any ClientStore
    let users: any UserStore
    let interactions: any InteractionStore
    let grants: any GrantStore
    let login: LoginService
    let flow: AuthorizationFlow
    let tokenEndpoint: TokenEndpoint
    let issuer: any TokenIssuer
    let throttle: Throttle
    let clock: any SSOClock
    let random: any SecureRandom

    public init(
        configuration: LegacyConfiguration, clients: any ClientStore, users: any UserStore,
        interactions: any InteractionStore, grants: any GrantStore,
        login: LoginService, flow: AuthorizationFlow, tokenEndpoint: TokenEndpoint, issuer: any TokenIssuer,
        throttle: Throttle, clock: any SSOClock, random: any SecureRandom
    ) {
        self.configuration = configuration
        self.clients = clients
        self.users = users
        self.interactions = interactions
        self.grants = grants
        self.login = login
        self.flow = flow
        self.tokenEndpoint = tokenEndpoint
        self.issuer = issuer
        self.throttle = throttle
        self.clock = clock
        self.random = random
    }

    /// Every answer of the old endpoints, errors included, says they are deprecated and where
    /// the migration guide is (RFC 9745).
    var deprecation: [(String, String)] {
        [("Deprecation", Self.deprecatedSince),
         ("Link", "<\(configuration.documentationURL)>; rel=\"deprecation\"; type=\"text/html\"")]
    }

    /// Which pending interaction this browser may act on, as the login page decides it.
    var binding: InteractionBinding {
        InteractionBinding(interactions: interactions, clients: clients, login: login, clock: clock)
    }

    public var routes: [EndpointRoute] {
        [
            // Hummingbird matches the old clients' `/auth/actions/2factor/` (trailing slash) here too.
            EndpointRoute(.get, "/auth/actions/2factor", audience: .json, headers: deprecation, handler: twoFactorProbe),
            EndpointRoute(.post, "/auth/actions/login", audience: .json, headers: deprecation, handler: developerLogin),
            EndpointRoute(.post, "/sso-auth/client", audience: .json, headers: deprecation, handler: cabinetLogin),
            EndpointRoute(.post, "/auth/actions/refresh", audience: .json, headers: deprecation, handler: refresh),
            EndpointRoute(.post, "/devapi/v1/oauth/code", audience: .json, headers: deprecation, handler: developerCode),
            // The login page's path: a `GET /login` without an interaction is the cabinet's entry.
            EndpointRoute(.get, "/login", headers: deprecation, accepts: { (try? $0.query.value("interaction")) ?? nil == nil },
                          handler: cabinetEntry),
            EndpointRoute(.get, "/docs/migration", handler: { _ in MigrationGuide.page() }),
        ]
    }

    /// Decodes a JSON body, requiring the JSON media type: a cross-site HTML form cannot send it,
    /// which keeps these cookie-setting endpoints safe from login CSRF.
    func decode<T: Decodable>(_ type: T.Type, from request: EndpointRequest) throws -> T {
        guard request.mediaType == "application/json" else {
            throw OAuthError.invalidRequest("The body must be JSON (Content-Type: application/json).")
        }
        do {
            return try JSONDecoder().decode(type, from: request.body)
        } catch {
            throw OAuthError.invalidRequest("The JSON body is malformed or misses a field: \(Self.describe(error)).")
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "'\(key.stringValue)' is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        default: "it is not valid JSON"
        }
    }

    /// A registered URL of `client` that `url` names: exact, or scheme-relative (`//host/path`,
    /// as the cabinet sends it) resolved against https.
    static func registeredURL(_ url: String, of client: Client) -> String? {
        if client.redirectURIs.contains(url) { return url }
        if url.hasPrefix("//"), client.redirectURIs.contains("https:" + url) { return "https:" + url }
        return nil
    }
}
