import Foundation
import Hummingbird
import NIOCore
import SSOCore

extension SSORoutes {
    /// `/healthz`: the process answers (liveness). `/readyz`: it can serve — the database
    /// answers and a signing key is loaded (readiness); 503 with the failing check otherwise,
    /// so a load balancer or an orchestrator sends traffic elsewhere.
    func registerHealth(on router: Router<some RequestContext>) {
        router.get("/healthz") { _, _ in
            try Responses.json(HealthAnswer(status: "ok", checks: nil))
        }
        router.get("/readyz") { _, _ in
            let checks = await services.readiness.check()
            let ready = checks.values.allSatisfy { $0 == "ok" }
            return try Responses.json(HealthAnswer(status: ready ? "ready" : "unavailable", checks: checks),
                                      status: ready ? .ok : .serviceUnavailable)
        }
        // The OpenAPI 3.1 description of the JSON endpoints (Resources/openapi.json).
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json;charset=UTF-8", .accessControlAllowOrigin: "*"],
                     body: .init(byteBuffer: ByteBuffer(bytes: openAPI)))
        }
        // Prometheus' text exposition format 0.0.4.
        router.get("/metrics") { _, _ in
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
