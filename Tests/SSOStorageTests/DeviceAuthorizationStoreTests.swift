import Foundation
import SSOCore
import Testing

/// The device authorization store (RFC 8628) on every backend: digests in, one answer per
/// request, polls that raise the interval, one redemption, even with two instances racing.
@Suite("Device authorization store")
struct DeviceAuthorizationStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func request(_ device: String, user: String, interval: Int = 5) -> DeviceAuthorization {
        DeviceAuthorization(
            deviceCodeDigest: device, userCodeDigest: user, clientID: "tv", scopes: ScopeSet(["openid", "profile"]),
            interval: interval, createdAt: now, expiresAt: now.addingTimeInterval(600))
    }

    func grant(_ id: String) -> GrantRecord {
        GrantRecord(id: id, clientID: "tv", userID: "u1", sessionID: "s1", scopes: ScopeSet(["openid", "profile"]),
                    authTime: now, methods: ["pwd"], identityProvider: "yandex", createdAt: now)
    }

    var approval: DeviceDecision {
        .approved(userID: "u1", sessionID: "s1", authTime: now, methods: ["pwd", "otp"], identityProvider: "yandex")
    }

    @Test("stored and read back by the user code's digest; a taken user code is refused, not overwritten",
          arguments: Backend.available)
    func insertAndRead(_ backend: Backend) async throws {
        let storage = try await backend.store()
        #expect(try await storage.insertDeviceAuthorization(request("d1", user: "u-1")))
        #expect(try await storage.deviceAuthorization(userCodeDigest: "u-1") == request("d1", user: "u-1"))
        #expect(try await !storage.insertDeviceAuthorization(request("d2", user: "u-1")))
        #expect(try await storage.deviceAuthorization(userCodeDigest: "u-1")?.deviceCodeDigest == "d1")
        #expect(try await storage.deviceAuthorization(userCodeDigest: "none") == nil)
    }

    @Test("a poll sooner than the interval raises it by the step while pending; later polls do not",
          arguments: Backend.available)
    func polls(_ backend: Backend) async throws {
        let storage = try await backend.store()
        _ = try await storage.insertDeviceAuthorization(request("d", user: "u"))
        var poll = try #require(try await storage.pollDeviceAuthorization(deviceCodeDigest: "d", clientID: "tv", at: now, slowDown: 5))
        #expect(!poll.tooSoon && poll.authorization.interval == 5 && poll.authorization.lastPolledAt == now)
        poll = try #require(try await storage.pollDeviceAuthorization(
            deviceCodeDigest: "d", clientID: "tv", at: now.addingTimeInterval(4), slowDown: 5))
        #expect(poll.tooSoon && poll.authorization.interval == 10)
        poll = try #require(try await storage.pollDeviceAuthorization(
            deviceCodeDigest: "d", clientID: "tv", at: now.addingTimeInterval(14), slowDown: 5))
        #expect(!poll.tooSoon && poll.authorization.interval == 10, "ten seconds after the last poll")
        #expect(try await storage.pollDeviceAuthorization(deviceCodeDigest: "none", clientID: "tv", at: now, slowDown: 5) == nil)
        // Another client's poll of this device code is refused and records nothing.
        #expect(try await storage.pollDeviceAuthorization(
            deviceCodeDigest: "d", clientID: "other", at: now.addingTimeInterval(14.5), slowDown: 5) == nil)
        // Once answered, polling fast is no longer slowed: the next poll gets its answer.
        #expect(try await storage.decideDeviceAuthorization(userCodeDigest: "u", approval, at: now))
        poll = try #require(try await storage.pollDeviceAuthorization(
            deviceCodeDigest: "d", clientID: "tv", at: now.addingTimeInterval(15), slowDown: 5))
        #expect(!poll.tooSoon && poll.authorization.status == .approved)
    }

    @Test("one answer per request, none after expiry; the approval keeps who signed in and how",
          arguments: Backend.available)
    func decisions(_ backend: Backend) async throws {
        let storage = try await backend.store()
        _ = try await storage.insertDeviceAuthorization(request("d1", user: "u1"))
        _ = try await storage.insertDeviceAuthorization(request("d2", user: "u2"))
        _ = try await storage.insertDeviceAuthorization(request("d3", user: "u3"))
        #expect(try await storage.decideDeviceAuthorization(userCodeDigest: "u1", approval, at: now))
        #expect(try await !storage.decideDeviceAuthorization(userCodeDigest: "u1", .denied, at: now))
        let approved = try #require(try await storage.deviceAuthorization(userCodeDigest: "u1"))
        #expect(approved.status == .approved && approved.userID == "u1" && approved.sessionID == "s1")
        #expect(approved.authTime == now && approved.methods == ["pwd", "otp"] && approved.identityProvider == "yandex")
        #expect(try await storage.decideDeviceAuthorization(userCodeDigest: "u2", .denied, at: now))
        #expect(try await storage.deviceAuthorization(userCodeDigest: "u2")?.status == .denied)
        #expect(try await !storage.decideDeviceAuthorization(userCodeDigest: "u3", approval, at: now.addingTimeInterval(600)))
        #expect(try await storage.deviceAuthorization(userCodeDigest: "u3")?.status == .pending)
    }

    @Test("an approved request redeems once, creating its grant; pending and denied ones never",
          arguments: Backend.available)
    func redemption(_ backend: Backend) async throws {
        let storage = try await backend.store()
        _ = try await storage.insertDeviceAuthorization(request("d1", user: "u1"))
        #expect(try await storage.redeemDeviceAuthorization(deviceCodeDigest: "d1", creating: grant("g0")) == .notFound)
        #expect(try await storage.grant(id: "g0") == nil)
        _ = try await storage.decideDeviceAuthorization(userCodeDigest: "u1", approval, at: now)
        #expect(try await storage.redeemDeviceAuthorization(deviceCodeDigest: "d1", creating: grant("g1")) == .redeemed)
        #expect(try await storage.grant(id: "g1") == grant("g1"))
        #expect(try await storage.redeemDeviceAuthorization(deviceCodeDigest: "d1", creating: grant("g2"))
            == .alreadyConsumed(grantID: "g1"))
        #expect(try await storage.grant(id: "g2") == nil)
        let consumed = try #require(try await storage.deviceAuthorization(userCodeDigest: "u1"))
        #expect(consumed.status == .consumed && consumed.grantID == "g1")
    }

    @Test("two instances polling one approved request at once: exactly one redemption", arguments: Backend.available)
    func redeemedOnceAcrossInstances(_ backend: Backend) async throws {
        let (first, another) = try await backend.open()
        let second = try await another()
        _ = try await first.insertDeviceAuthorization(request("d", user: "u"))
        #expect(try await second.decideDeviceAuthorization(userCodeDigest: "u", approval, at: now))
        let results = try await withThrowingTaskGroup(of: CodeRedemption.self) { group in
            for index in 0..<12 {
                let store = index % 2 == 0 ? first : second
                group.addTask { try await store.redeemDeviceAuthorization(deviceCodeDigest: "d", creating: grant("g\(index)")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter { $0 == .redeemed }.count == 1)
        let winner = try #require(try await first.deviceAuthorization(userCodeDigest: "u")?.grantID)
        #expect(results.filter { $0 == .alreadyConsumed(grantID: winner) }.count == 11)
    }

    @Test("expired requests are purged", arguments: Backend.available)
    func purged(_ backend: Backend) async throws {
        let storage = try await backend.store()
        _ = try await storage.insertDeviceAuthorization(request("d", user: "u"))
        _ = try await storage.purgeExpired(PurgePolicy(now: now.addingTimeInterval(599), tokenRetention: 0, auditRetention: 1e9))
        #expect(try await storage.deviceAuthorization(userCodeDigest: "u") != nil)
        let report = try await storage.purgeExpired(
            PurgePolicy(now: now.addingTimeInterval(601), tokenRetention: 0, auditRetention: 1e9))
        #expect(report.removed["device_authorizations"] == 1)
        #expect(try await storage.deviceAuthorization(userCodeDigest: "u") == nil)
    }
}
