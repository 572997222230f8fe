import Foundation
import SSOCore

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

    public var routes: [EndpointRoute] {
        [
            // Hummingbird matches the old clients' `/auth/actions/2factor/` (trailing slash) here too.
            EndpointRoute(.get, "/auth/actions/2factor", handler: deprecated(twoFactorProbe)),
            EndpointRoute(.post, "/auth/actions/login", handler: deprecated(developerLogin)),
            EndpointRoute(.post, "/sso-auth/client", handler: deprecated(cabinetLogin)),
            EndpointRoute(.post, "/auth/actions/refresh", handler: deprecated(refresh)),
            EndpointRoute(.post, "/devapi/v1/oauth/code", handler: deprecated(developerCode)),
            EndpointRoute(.get, "/login", handler: deprecated(cabinetEntry)),
            EndpointRoute(.get, "/docs/migration", handler: { _ in MigrationGuide.page() }),
        ]
    }

    private func deprecated(
        _ handler: @escaping @Sendable (EndpointRequest) async -> EndpointResponse
    ) -> @Sendable (EndpointRequest) async -> EndpointResponse {
        let link = "<\(configuration.documentationURL)>; rel=\"deprecation\"; type=\"text/html\""
        return { request in
            await handler(request).adding(header: "Deprecation", Self.deprecatedSince).adding(header: "Link", link)
        }
    }

    /// Runs `body`, turning protocol errors into their JSON answer and failures into a 500 (503 while the database cannot be reached).
    func answering(_ body: () async throws -> EndpointResponse) async -> EndpointResponse {
        do {
            return try await body()
        } catch let error as OAuthError {
            return .error(error)
        } catch {
            return .error(.failure(error))
        }
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
