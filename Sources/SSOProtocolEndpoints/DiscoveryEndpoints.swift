import Foundation
import Synchronization
import SSOCore
import SSOEndpointModel

/// OpenID Connect Discovery 1.0 and RFC 8414 metadata, and the JWKS.
struct DiscoveryEndpoints: EndpointModule {
    let services: ProtocolServices
    let metadata: Metadata
    /// The entries the other modules add (`device_authorization_endpoint`), in the same object.
    let extra: [String: String]
    /// The document changes only when an operator registers a scope: it is encoded again only
    /// when the registered scopes differ from those of the last encoding, and the scopes are
    /// read at most once a second (the document is cacheable for minutes anyway; on a shared
    /// database the read is a round trip, which halved discovery's throughput).
    let cache = Cache()

    final class Cache: Sendable {
        let state = Mutex<(scopes: [String], body: [UInt8], readAt: ContinuousClock.Instant)?>(nil)
    }

    init(services: ProtocolServices, extra: [String: String]) {
        self.services = services
        self.extra = extra
        let issuer = services.issuer
        metadata = Metadata(
            issuer: issuer, authorization_endpoint: issuer + "/authorize", token_endpoint: issuer + "/token",
            userinfo_endpoint: issuer + "/userinfo", jwks_uri: issuer + "/jwks",
            introspection_endpoint: issuer + "/introspect", revocation_endpoint: issuer + "/revoke",
            end_session_endpoint: issuer + "/logout",
            grant_types_supported: services.tokenEndpoint.grantTypes,
            acr_values_supported: services.flow.levels.names)
    }

    var routes: [EndpointRoute] {
        ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"].map { path in
            EndpointRoute(.get, path, audience: .json) { _ in
                EndpointResponse(
                    status: 200, headers: [("Cache-Control", "public, max-age=300"), ("Access-Control-Allow-Origin", "*")],
                    body: .bytes(try await document(), contentType: EndpointResponse.jsonContentType))
            }
        } + [
            EndpointRoute(.get, "/jwks", audience: .json) { _ in
                EndpointResponse(
                    status: 200, headers: [("Cache-Control", "public, max-age=300"), ("Access-Control-Allow-Origin", "*")],
                    body: .data(try EndpointResponse.encoder.encode(await services.signer.jwks()),
                                contentType: "application/jwk-set+json"))
            },
        ]
    }

    func document() async throws -> [UInt8] {
        let now = ContinuousClock.now
        if let body = cache.state.withLock({ cached in cached.flatMap { now - $0.readAt < .seconds(1) ? $0.body : nil } }) {
            return body
        }
        let registered = try await services.scopes?.scopeDefinitions().map(\.name) ?? []
        let body = try cache.state.withLock { cached in cached.flatMap { $0.scopes == registered ? $0.body : nil } }
            ?? {
                var current = metadata
                current.scopes_supported += registered.filter { !current.scopes_supported.contains($0) }
                return Array(try EndpointResponse.encoder.encode(Document(metadata: current, extra: extra)))
            }()
        cache.state.withLock { $0 = (registered, body, now) }
        return body
    }

    struct Metadata: Encodable {
        var issuer: String
        var authorization_endpoint: String
        var token_endpoint: String
        var userinfo_endpoint: String
        var jwks_uri: String
        var introspection_endpoint: String
        var revocation_endpoint: String
        var end_session_endpoint: String
        var introspection_endpoint_auth_methods_supported = ["client_secret_basic", "client_secret_post"]
        var revocation_endpoint_auth_methods_supported = ClientAuthMethod.allCases.map(\.rawValue)
        var response_types_supported = ["code"]
        var response_modes_supported = ["query"]
        var grant_types_supported: [String]
        var subject_types_supported = ["public"]
        var id_token_signing_alg_values_supported = SigningAlgorithm.allCases.map(\.rawValue).sorted().reversed() as [String]
        var token_endpoint_auth_methods_supported = ClientAuthMethod.allCases.map(\.rawValue)
        var code_challenge_methods_supported = [PKCE.s256]
        var scopes_supported = ["openid", "profile", "email", "offline_access", "ordersread", "trades", "personal", "accounts"]
        var acr_values_supported: [String]
        var claims_supported = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid", "amr", "acr", "azp",
                                "name", "preferred_username", "email", "email_verified"]
        var prompt_values_supported = ["none", "login", "consent", "select_account"]
        var ui_locales_supported = ["en", "ru"]
        var authorization_response_iss_parameter_supported = true
        var claims_parameter_supported = false
        var request_parameter_supported = false
        var request_uri_parameter_supported = false
        var backchannel_logout_supported = true
        var backchannel_logout_session_supported = true
    }

    /// The metadata and the modules' entries as one JSON object.
    struct Document: Encodable {
        var metadata: Metadata
        var extra: [String: String]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            try metadata.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            for (name, value) in extra { try container.encode(value, forKey: Key(stringValue: name)) }
        }
    }
}
