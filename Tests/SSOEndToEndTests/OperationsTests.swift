import Foundation
import HTTPTypes
import SSOCore
import SSOServerTesting
import SSOStorageSQLite
import Testing

/// What operators and their proxies rely on: health probes and request ids.
@Suite("Health probes and request ids")
struct OperationsEndToEndTests {
    static let requestID = HTTPField.Name("X-Request-Id")!

    @Test("/healthz answers; /readyz names its checks and passes with a database and signing keys")
    func probes() async throws {
        try await Harness().run { browser in
            let live = try await browser.get("/healthz")
            #expect(live.status == .ok && live.json["status"] as? String == "ok")
            let ready = try await browser.get("/readyz")
            #expect(ready.status == .ok, "\(ready.body)")
            #expect(ready.json["status"] as? String == "ready")
            #expect(ready.json["checks"] as? [String: String] == ["database": "ok", "signing_keys": "ok"])
        }
    }

    @Test("every answer carries a request id; one sent by an untrusted peer is replaced")
    func requestIDs() async throws {
        try await Harness().run { browser in
            let first = try await browser.get("/.well-known/openid-configuration")
            let second = try await browser.get("/no-such-page")
            let refused = try await browser.post("/token", form: [("grant_type", "password")])
            let ids = [first, second, refused].compactMap { $0.headers[Self.requestID] }
            #expect(ids.count == 3 && Set(ids).count == 3 && ids.allSatisfy(RequestID.isAcceptable))
            let spoofed = try await browser.get("/healthz", headers: [Self.requestID: "chosen-by-client"])
            #expect(spoofed.headers[Self.requestID] != "chosen-by-client")
        }
    }

    @Test("a known path with a method it does not answer is 405 with Allow; an unknown path stays 404")
    func methodNotAllowed() async throws {
        try await Harness().run { browser in
            let delete = try await browser.send("/jwks", method: .delete, headers: [:], body: nil)
            #expect(delete.status == .methodNotAllowed && delete.headers[.allow] == "GET, HEAD")
            #expect(delete.json["error"] as? String == "invalid_request")
            let put = try await browser.send("/userinfo/", method: .put, headers: [:], body: nil)
            #expect(put.status == .methodNotAllowed && put.headers[.allow] == "GET, HEAD, POST")
            let legacy = try await browser.send("/sso-auth/client", method: .get, headers: [:], body: nil)
            #expect(legacy.status == .methodNotAllowed && legacy.headers[.allow] == "POST")
            #expect(try await browser.send("/nowhere", method: .delete, headers: [:], body: nil).status == .notFound)
            let document = try await browser.get("/openapi.json")
            #expect(document.status == .ok && document.json["openapi"] as? String == "3.1.0")
            #expect((document.json["servers"] as? [[String: String]])?.first?["url"] == Harness.issuer)
        }
    }

    @Test("HEAD is answered wherever GET is, with GET's headers and no content; a refused HEAD has no content either")
    func head() async throws {
        try await Harness().run { browser in
            let get = try await browser.get("/.well-known/openid-configuration")
            let head = try await browser.send("/.well-known/openid-configuration", method: .head, headers: [:], body: nil)
            #expect(head.status == .ok && head.body.isEmpty)
            #expect(head.headers[.contentType] == get.headers[.contentType])
            #expect(head.headers[.contentLength] == String(get.body.utf8.count))
            let health = try await browser.send("/healthz", method: .head, headers: [:], body: nil)
            #expect(health.status == .ok && health.body.isEmpty)
            let token = try await browser.send("/token", method: .head, headers: [:], body: nil)
            #expect(token.status == .methodNotAllowed && token.headers[.allow] == "POST" && token.body.isEmpty)
            let nowhere = try await browser.send("/nowhere", method: .head, headers: [:], body: nil)
            #expect(nowhere.status == .notFound && nowhere.body.isEmpty)
        }
    }

    @Test("behind a trusted proxy its request id is kept, unless it is not a sane token")
    func trustedProxyIDs() async throws {
        var harness = try Harness()
        harness.trustedProxies = ["127.0.0.1", "::1"]
        try await harness.run { browser in
            let kept = try await browser.get("/healthz", headers: [Self.requestID: "nginx-4f2a.17"])
            #expect(kept.headers[Self.requestID] == "nginx-4f2a.17")
            let replaced = try await browser.get("/healthz", headers: [Self.requestID: String(repeating: "x", count: 300)])
            #expect(replaced.headers[Self.requestID].map(RequestID.isAcceptable) == true)
            #expect(replaced.headers[Self.requestID]?.count != 300)
        }
    }
}

/// `/metrics` over real HTTP after a sign-in, a code exchange and some refusals.
@Suite("Prometheus metrics")
struct MetricsEndToEndTests {
    /// The samples of an exposition: `name{label="value",...}` (labels sorted) -> value.
    static func samples(_ text: String) -> [String: Double] {
        var result: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            var key = String(line[..<space])
            if let open = key.firstIndex(of: "{"), key.hasSuffix("}") {
                let labels = key[key.index(after: open)..<key.index(before: key.endIndex)].split(separator: ",").sorted()
                key = String(key[..<open]) + "{" + labels.joined(separator: ",") + "}"
            }
            result[key] = value
        }
        return result
    }

    static let token = "metrics-token-0123456789-abcdef"

    @Test("requests by route, method and status with latency histograms; logins, tokens by grant, the database")
    func scrape() async throws {
        var harness = try Harness()
        harness.metricsToken = Self.token
        try await harness.addUser("alice", password: "wonderland-42")
        _ = try await harness.addClient("app", secret: "app-secret-0123456789-0123456789", skipConsent: true)
        try await harness.run { browser in
            var page = try await browser.authorize(client: "app")
            page = try await browser.logIn(at: try #require(page.location), login: "alice", password: "wrong")
            browser.clearCookies()
            let (code, pkce) = try await browser.obtainCode(client: "app")
            let tokens = try await browser.exchange(code: code, pkce: pkce, client: "app",
                                                    secret: "app-secret-0123456789-0123456789")
            #expect(tokens.status == .ok)
            _ = try await browser.token(client: "app", secret: "app-secret-0123456789-0123456789",
                                        [("grant_type", "made-up-\(UUID().uuidString)")])
            _ = try await browser.get("/no-such-page-\(UUID().uuidString)")

            let scrape = try await browser.get("/metrics", headers: [.authorization: "Bearer \(Self.token)"])
            #expect(scrape.status == .ok)
            #expect(scrape.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let samples = Self.samples(scrape.body)
            #expect(samples[#"http_requests_total{method="POST",route="/token",status="200"}"#] == 1, "\(scrape.body)")
            #expect(samples[#"http_requests_total{method="POST",route="/token",status="400"}"#] == 1)
            #expect(samples[#"http_requests_total{method="GET",route="NotFound",status="404"}"#] == 1)
            #expect(samples[#"http_request_duration_seconds_count{method="POST",route="/token"}"#] == 2)
            #expect(samples.keys.contains { $0.hasPrefix("http_request_duration_seconds_bucket{") && $0.contains(#"le="+Inf""#) })
            #expect(samples[#"sso_tokens_issued_total{grant_type="authorization_code"}"#] == 1)
            // Only issued tokens are counted: a client cannot invent grant_type label values.
            #expect(!scrape.body.contains("made-up-"))
            #expect(!scrape.body.contains("no-such-page-"))
            #expect(samples[#"sso_logins_total{result="failure"}"#] == 1)
            #expect(samples[#"sso_logins_total{result="success"}"#] == 1)
            #expect(samples[#"sso_security_events_total{event="token.issued"}"#] == 1)
            #expect((samples["sso_db_connections_max"] ?? 0) >= 2)
            #expect(samples["sso_db_connections_in_use"] != nil)
        }
    }
}


@Suite("Prometheus metrics are not public")
struct MetricsAccessTests {
    @Test("without a configured token /metrics is not served; with one it needs that exact Bearer token")
    func access() async throws {
        try await Harness().run { browser in
            let off = try await browser.get("/metrics")
            #expect(off.status == .notFound)
            #expect(!off.body.contains("http_requests_total"))
        }
        var harness = try Harness()
        harness.metricsToken = MetricsEndToEndTests.token
        try await harness.run { browser in
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong-token-0123456789"],
                                        [.authorization: "Basic " + MetricsEndToEndTests.token]] {
                let refused = try await browser.get("/metrics", headers: headers)
                #expect(refused.status == .unauthorized)
                #expect(refused.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                #expect(!refused.body.contains("http_requests_total"))
            }
            let scrape = try await browser.get("/metrics", headers: [.authorization: "Bearer \(MetricsEndToEndTests.token)"])
            #expect(scrape.status == .ok && scrape.body.contains("http_requests_total"))
        }
    }
}
