import Foundation
import Hummingbird
import Synchronization
import SSOCore

extension SSORoutes {
    /// OpenID Connect Discovery 1.0 and RFC 8414 metadata, and the JWKS.
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
        var claims_supported = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid", "amr", "azp",
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

    /// The metadata with the entries the endpoint modules add (`device_authorization_endpoint`),
    /// in the same JSON object.
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

    func registerDiscovery(on router: Router<some RequestContext>) {
        let issuer = configuration.issuer
        let metadata = Metadata(
            issuer: issuer, authorization_endpoint: issuer + "/authorize", token_endpoint: issuer + "/token",
            userinfo_endpoint: issuer + "/userinfo", jwks_uri: issuer + "/jwks",
            introspection_endpoint: issuer + "/introspect", revocation_endpoint: issuer + "/revoke",
            end_session_endpoint: issuer + "/logout",
            grant_types_supported: services.tokenEndpoint.grantTypes
        )
        let extra = services.modules.reduce(into: [String: String]()) { all, module in
            all.merge(module.metadata) { first, _ in first }
        }
        // The document changes only when an operator registers a scope: it is encoded again
        // only when the registered scopes differ from those of the last encoding, and the
        // scopes are read at most once a second (the document is cacheable for minutes anyway;
        // on a shared database the read is a round trip, which halved discovery's throughput).
        let cache = Mutex<(scopes: [String], body: ByteBuffer, readAt: ContinuousClock.Instant)?>(nil)
        let document: @Sendable (Request, any RequestContext) async throws -> Response = { _, _ in
            let now = ContinuousClock.now
            var body = cache.withLock { cached in
                cached.flatMap { now - $0.readAt < .seconds(1) ? $0.body : nil }
            }
            if body == nil {
                let registered = try await services.scopes?.scopeDefinitions().map(\.name) ?? []
                body = cache.withLock { cached in cached.flatMap { $0.scopes == registered ? $0.body : nil } }
                if body == nil {
                    var current = metadata
                    current.scopes_supported += registered.filter { !current.scopes_supported.contains($0) }
                    body = ByteBuffer(bytes: try Responses.jsonEncoder.encode(Document(metadata: current, extra: extra)))
                }
                cache.withLock { [body] in $0 = (registered, body!, now) }
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json;charset=UTF-8", .cacheControl: "public, max-age=300",
                          .accessControlAllowOrigin: "*"],
                body: .init(byteBuffer: body!))
        }
        router.get("/.well-known/openid-configuration") { try await document($0, $1) }
        router.get("/.well-known/oauth-authorization-server") { try await document($0, $1) }
        router.get("/jwks") { _, _ in
            var response = try Responses.json(await services.signer.jwks(), noStore: false)
            response.headers[.contentType] = "application/jwk-set+json"
            response.headers[.cacheControl] = "public, max-age=300"
            response.headers[.accessControlAllowOrigin] = "*"
            return response
        }
    }
}
