import Foundation
import HTTPTypes
import SSOCore
import SSOServerTesting
import SSOStorageSQLite
import SSOTesting
import Testing
@testable import SSOGrantDeviceCode
import SSOEndpointModel

/// The device authorization grant (RFC 8628) end to end: the server of `sso serve` on an
/// ephemeral port with a fresh SQLite file (SSOServerTesting's Harness), a device polling the
/// token endpoint over HTTP and a user's browser on the verification page. The harness's
/// clock is moved by hand, so polling intervals and expiry are exact.
@Suite("The device authorization grant")
struct DeviceCodeGrantTests {
    static let secret = "test-secret-0123456789-0123456789"
    static let grantTypes = [DeviceCodeGrant.grantType.rawValue, "refresh_token"]

    /// A harness with a user, a confidential device client ("tv") and a public one ("cli").
    func harness(limits: AbuseLimits = AbuseLimits()) async throws -> Harness {
        var harness = try Harness()
        harness.limits = limits
        try await harness.addUser("alice", password: "wonderland-42")
        _ = try await harness.addClient("tv", secret: Self.secret, redirectURIs: [],
                                        scopes: "openid profile offline_access", grantTypes: Self.grantTypes)
        _ = try await harness.addClient("cli", secret: nil, redirectURIs: [], scopes: "openid profile",
                                        grantTypes: [DeviceCodeGrant.grantType.rawValue])
        _ = try await harness.addClient("web", secret: Self.secret)
        return harness
    }

    func start(_ device: Browser, client: String = "tv", secret: String? = secret, scope: String? = "openid profile offline_access")
        async throws -> Browser.Page
    {
        var form: [(String, String)] = scope.map { [("scope", $0)] } ?? []
        var headers: HTTPFields = [:]
        if let secret { headers[.authorization] = Browser.basic(client, secret) } else { form.append(("client_id", client)) }
        return try await device.post("/device_authorization", form: form, headers: headers)
    }

    func poll(_ device: Browser, _ deviceCode: String, client: String = "tv", secret: String? = secret) async throws
        -> Browser.Page
    {
        try await device.token(client: client, secret: secret,
                               [("grant_type", DeviceCodeGrant.grantType.rawValue), ("device_code", deviceCode)])
    }

    /// The user's side: open the complete verification URI, sign in, answer.
    func answer(_ user: Browser, completeURI: String, approve: Bool) async throws -> Browser.Page {
        let path = String(completeURI.dropFirst(Harness.issuer.count))
        var page = try await user.get(path)
        if let location = page.location, location.hasPrefix("/login") {
            page = try await user.logIn(at: location, login: "alice", password: "wonderland-42")
            #expect(page.location == path, "the login page returns to the code page")
            page = try await user.get(page.location ?? "")
        }
        #expect(page.status == .ok, "\(page.body)")
        guard let code = page.hidden("user_code"), let csrf = page.hidden("csrf") else {
            throw FlowError("no confirmation form: \(page.body)")
        }
        return try await user.post("/device", form: [("user_code", code), ("csrf", csrf),
                                                     ("decision", approve ? "approve" : "deny")])
    }

    @Test("a device waits, the user approves on the verification page, the device gets tokens once")
    func approved() async throws {
        let harness = try await harness()
        try await harness.run { user in
            let device = Browser(transport: user.transport)
            let started = try await start(device)
            #expect(started.status == .ok, "\(started.body)")
            #expect(started.headers[.cacheControl] == "no-store")
            let json = started.json
            let deviceCode = try #require(json["device_code"] as? String)
            let userCode = try #require(json["user_code"] as? String)
            #expect(userCode.count == 9 && userCode.contains("-"))
            #expect(json["verification_uri"] as? String == Harness.issuer + "/device")
            let complete = try #require(json["verification_uri_complete"] as? String)
            #expect(complete == Harness.issuer + "/device?user_code=" + userCode)
            #expect(json["expires_in"] as? Int == 600)
            #expect(json["interval"] as? Int == 5)
            #expect(deviceCode.count >= 43, "256 bits")

            // Nobody has answered: pending; polling again at once is too soon: slow_down, and
            // the interval grows by 5 s for this and every later poll.
            var answer = try await poll(device, deviceCode)
            #expect(answer.status == .badRequest)
            #expect(answer.json["error"] as? String == "authorization_pending")
            answer = try await poll(device, deviceCode)
            #expect(answer.json["error"] as? String == "slow_down")
            harness.clock.advance(seconds: 6)
            answer = try await poll(device, deviceCode)
            #expect(answer.json["error"] as? String == "slow_down", "the interval was 10 s; it is 15 s now")
            harness.clock.advance(seconds: 14)
            answer = try await poll(device, deviceCode)
            #expect(answer.json["error"] as? String == "slow_down", "the interval is 20 s now")
            harness.clock.advance(seconds: 20)
            answer = try await poll(device, deviceCode)
            #expect(answer.json["error"] as? String == "authorization_pending")

            // The confirmation page names the client, the scopes and the code.
            let path = String(complete.dropFirst(Harness.issuer.count))
            let signIn = try await user.get(path)
            #expect(signIn.location?.hasPrefix("/login?interaction=") == true, "not signed in: the login page first")
            let done = try await self.answer(user, completeURI: complete, approve: true)
            #expect(done.status == .ok)
            #expect(done.body.contains("App tv"))

            harness.clock.advance(seconds: 20)
            let tokens = try await poll(device, deviceCode)
            #expect(tokens.status == .ok, "\(tokens.body)")
            #expect(tokens.json["access_token"] is String)
            #expect(tokens.json["id_token"] is String)
            let refreshToken = try #require(tokens.json["refresh_token"] as? String)
            #expect(tokens.json["scope"] as? String == "openid profile offline_access")
            let userInfo = try await device.get("/userinfo", headers: [
                .authorization: "Bearer " + (tokens.json["access_token"] as? String ?? "")])
            #expect(userInfo.json["preferred_username"] as? String == "alice")

            // The device code is spent: presented again, it is refused and its tokens revoked.
            harness.clock.advance(seconds: 20)
            let replay = try await poll(device, deviceCode)
            #expect(replay.json["error"] as? String == "invalid_grant")
            let refreshed = try await device.token(client: "tv", secret: Self.secret,
                                                   [("grant_type", "refresh_token"), ("refresh_token", refreshToken)])
            #expect(refreshed.json["error"] as? String == "invalid_grant")
            let events = try await harness.storage.securityEvents(limit: 50).map(\.kind)
            #expect(events.contains(.deviceApproved) && events.contains(.deviceCodeReplayed))
        }
    }

    @Test("a signed-in user types the code by hand; a refusal reaches the device as access_denied (400)")
    func denied() async throws {
        let harness = try await harness()
        try await harness.run { user in
            let device = Browser(transport: user.transport)
            _ = try await user.obtainCode(client: "web")   // signs alice in
            let started = try await start(device, client: "cli", secret: nil, scope: nil).json
            let deviceCode = try #require(started["device_code"] as? String)
            let userCode = try #require(started["user_code"] as? String)
            #expect(started["interval"] as? Int == 5)

            let form = try await user.get("/device")
            #expect(form.status == .ok && form.body.contains("name=\"user_code\""))
            // Typed in lower case with a space instead of the dash: the same code.
            let typed = userCode.lowercased().replacingOccurrences(of: "-", with: " ")
            let confirm = try await user.get("/device?user_code=" + RedirectURL.percentEncode(typed))
            #expect(confirm.status == .ok, "signed in already: the question at once")
            #expect(confirm.body.contains("App cli") && confirm.body.contains(userCode))
            #expect(confirm.body.contains("<code>openid</code>") && confirm.body.contains("<code>profile</code>"),
                    "no scope asked: the client's allowed scopes")
            let done = try await user.post("/device", form: [
                ("user_code", userCode), ("csrf", confirm.hidden("csrf") ?? ""), ("decision", "deny")])
            #expect(done.status == .ok)

            let answer = try await poll(device, deviceCode, client: "cli", secret: nil)
            #expect(answer.status == .badRequest)
            #expect(answer.json["error"] as? String == "access_denied")
            // Answered once: the page does not take a second answer.
            let again = try await user.post("/device", form: [
                ("user_code", userCode), ("csrf", confirm.hidden("csrf") ?? ""), ("decision", "approve")])
            #expect(again.status == .badRequest)
            #expect(try await poll(device, deviceCode, client: "cli", secret: nil).json["error"] as? String == "access_denied")
        }
    }

    @Test("an unanswered request expires: expired_token, and the page refuses its code")
    func expires() async throws {
        let harness = try await harness()
        try await harness.run { user in
            let started = try await start(user).json
            let deviceCode = try #require(started["device_code"] as? String)
            let userCode = try #require(started["user_code"] as? String)
            harness.clock.advance(seconds: 601)
            #expect(try await poll(user, deviceCode).json["error"] as? String == "expired_token")
            let page = try await user.get("/device?user_code=" + userCode)
            #expect(page.status == .badRequest)
            #expect(page.body.contains("expired"))
        }
    }

    @Test("the form's CSRF value must be this browser's; another client's device code is invalid_grant and counts as no poll")
    func bindings() async throws {
        let harness = try await harness()
        try await harness.run { user in
            let device = Browser(transport: user.transport)
            let started = try await start(device).json
            let deviceCode = try #require(started["device_code"] as? String)
            let complete = try #require(started["verification_uri_complete"] as? String)
            _ = try await user.obtainCode(client: "web")
            let confirm = try await user.get(String(complete.dropFirst(Harness.issuer.count)))
            let code = try #require(confirm.hidden("user_code"))
            let forged = try await user.post("/device", form: [("user_code", code), ("csrf", "forged"), ("decision", "approve")])
            #expect(forged.status == .forbidden)
            #expect(try await poll(device, deviceCode).json["error"] as? String == "authorization_pending")
            // The public client cannot redeem the confidential one's device code.
            harness.clock.advance(seconds: 10)
            let stolen = try await poll(device, deviceCode, client: "cli", secret: nil)
            #expect(stolen.json["error"] as? String == "invalid_grant")
            // ... and its attempt records no poll: the device's own next poll is not slowed down.
            #expect(try await poll(device, deviceCode).json["error"] as? String == "authorization_pending")
        }
    }

    @Test("wrong user codes count per address: past the limit the page answers 429 and looks nothing up")
    func guessing() async throws {
        let harness = try await harness(limits: AbuseLimits(userCodeFailuresPerAddress: 3))
        try await harness.run { user in
            let started = try await start(user).json
            let userCode = try #require(started["user_code"] as? String)
            for wrong in ["BBBB-BBBB", "not a code", "CCCC-CCCC"] {
                let page = try await user.get("/device?user_code=" + RedirectURL.percentEncode(wrong))
                #expect(page.status == .badRequest)
            }
            let locked = try await user.get("/device?user_code=" + userCode)
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter] != nil)
        }
    }

    @Test("the device authorization endpoint refuses what the token endpoint refuses, as RFC 6749 JSON")
    func refusals() async throws {
        let harness = try await harness()
        try await harness.run { browser in
            // A client not allowed the grant.
            var answer = try await start(browser, client: "web", scope: "openid")
            #expect(answer.status == .badRequest)
            #expect(answer.json["error"] as? String == "unauthorized_client")
            // A wrong secret, with a Basic challenge.
            answer = try await start(browser, client: "tv", secret: "wrong")
            #expect(answer.status == .unauthorized)
            #expect(answer.json["error"] as? String == "invalid_client")
            #expect(answer.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            // Scopes outside the client's, or unknown.
            answer = try await start(browser, scope: "openid trades")
            #expect(answer.json["error"] as? String == "invalid_scope")
            // Not a form; the verification page's GET only.
            answer = try await browser.send("/device_authorization", method: .post,
                                            headers: [.contentType: "application/json"], body: "{}")
            #expect(answer.status == .badRequest)
            #expect(answer.json["error"] as? String == "invalid_request")
            answer = try await browser.get("/device_authorization")
            #expect(answer.status == .methodNotAllowed)
            // A device code nobody issued.
            answer = try await poll(browser, "made-up")
            #expect(answer.json["error"] as? String == "invalid_grant")
            answer = try await browser.token(client: "tv", secret: Self.secret, [("grant_type", DeviceCodeGrant.grantType.rawValue)])
            #expect(answer.json["error"] as? String == "invalid_request")

            let discovery = try await browser.get("/.well-known/openid-configuration").json
            #expect(discovery["device_authorization_endpoint"] as? String == Harness.issuer + "/device_authorization")
            #expect((discovery["grant_types_supported"] as? [String])?.contains(DeviceCodeGrant.grantType.rawValue) == true)
        }
    }

    @Test("user codes: eight letters of twenty, each equally likely; typed in any case, with or without the dash")
    func userCodes() {
        let random = SystemSecureRandom()
        var counts: [Character: Int] = [:]
        for _ in 0..<2000 {
            let code = UserCode.generate(random)
            #expect(code.count == 8)
            for letter in code { counts[letter, default: 0] += 1 }
        }
        #expect(Set(counts.keys) == Set("BCDFGHJKLMNPQRSTVWXZ"))
        // 800 expected per letter; a biased draw (byte % 20 over 256 values) would skew the first 16.
        #expect(counts.values.allSatisfy { (650...950).contains($0) }, "\(counts)")
        #expect(UserCode.normalized("bcdf-ghjk") == "BCDFGHJK")
        #expect(UserCode.normalized(" BCDF GHJK ") == "BCDFGHJK")
        #expect(UserCode.normalized("BCDF-GHJA") == nil, "A is not in the alphabet")
        #expect(UserCode.normalized("BCDFGHJKL") == nil)
        #expect(UserCode.formatted("BCDFGHJK") == "BCDF-GHJK")
    }

    @Test("the verification page answers a server failure as one, not as a malformed form")
    func failurePages() {
        // The verification page's routes are the browser's: a thrown failure becomes the error page.
        let away = EndpointFailure.response(for: StoreUnavailable(reason: "connection refused"), audience: .browser, realm: "r")
        #expect(away.status == 503 && away.headers.contains { $0 == ("Retry-After", "1") })
        struct Broken: Error {}
        let broken = EndpointFailure.response(for: Broken(), audience: .browser, realm: "r")
        #expect(broken.status == 500 && !broken.headers.contains { $0.0 == "Retry-After" })
    }
}
