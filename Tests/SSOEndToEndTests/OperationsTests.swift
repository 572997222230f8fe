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
