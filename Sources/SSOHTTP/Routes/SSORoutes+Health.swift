import Foundation
import Hummingbird
import NIOCore
import SSOCore
import SSOEndpointModel

extension SSORoutes {
    /// `/healthz`: the process answers (liveness). `/readyz`: it can serve — the database
    /// answers and a signing key is loaded (readiness); 503 with the failing check otherwise,
    /// so a load balancer or an orchestrator sends traffic elsewhere.
    func registerHealth(on router: Router<some PeerAddressRequestContext>) {
        router.get("/healthz") { _, _ in
            Responses.plain(try .json(HealthAnswer(status: "ok", checks: nil)))
        }
        router.get("/readyz") { _, _ in
            let checks = await services.readiness.check()
            let ready = checks.values.allSatisfy { $0 == "ok" }
            return Responses.plain(try .json(HealthAnswer(status: ready ? "ready" : "unavailable", checks: checks),
                                             status: ready ? 200 : 503))
        }
        // The OpenAPI 3.1 description of the JSON endpoints (Resources/openapi.json).
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json;charset=UTF-8", .accessControlAllowOrigin: "*"],
                     body: .init(byteBuffer: ByteBuffer(bytes: openAPI)))
        }
        // Prometheus' text exposition format 0.0.4, to the scraper's Bearer token only.
        router.get("/metrics") { request, _ in
            guard let expected = configuration.metricsTokenDigest else {
                return Responses.oauthError(OAuthError("not_found", "Metrics are served with --metrics-token only."),
                                            status: .notFound)
            }
            let sent = request.headers.value(.authorization).flatMap(AuthorizationHeader.init)
            guard let sent, sent.isScheme("bearer"),
                SecretDigest.constantTimeEquals(SecretDigest.sha256(String(sent.credentials)), expected)
            else {
                var refused = Responses.oauthError(OAuthError(.invalidToken, "The metrics token is missing or wrong."))
                refused.headers[.wwwAuthenticate] = "Bearer realm=\"metrics\""
                return refused
            }
            let text = await services.metrics.exposition()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8",
                                                   .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
    }
}

struct HealthAnswer: Encodable {
    var status: String
    var checks: [String: String]?
}
