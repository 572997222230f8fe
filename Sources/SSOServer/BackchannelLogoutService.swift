import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SSOCore
import ServiceLifecycle

/// Delivers back-channel logout tokens (OpenID Connect Back-Channel Logout 1.0) from the
/// outbox the store fills when a session ends, beside the HTTP server: the user's logout never
/// waits for a client. A failed delivery is retried with growing delays (10 s, 20 s, ... up
/// to an hour, 8 attempts), then dropped with a security event.
struct BackchannelLogoutService: Service {
    static let maximumAttempts = 8

    let deliveries: any LogoutDeliveryStore
    let clients: any ClientStore
    let signer: any TokenSigner
    let issuer: String
    let events: any SecurityEventRecorder
    let clock: any SSOClock
    let random: any SecureRandom
    /// How often the outbox is read.
    let interval: Duration
    let logger: Logger

    func run() async throws {
        // Its own client, made when the first token is due (most servers have no back-channel
        // client, and an idle one holds its pool and TLS context): logout tokens are never
        // sent on to wherever a redirect points.
        var http: HTTPClient?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await deliverDue {
                if let http { return http }
                let client = HTTPClient(
                    eventLoopGroupProvider: .singleton,
                    configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
                http = client
                return client
            }
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        try await http?.shutdown()
    }

    /// Claims what is due and posts it, a few at a time, through the client `http` gives.
    func deliverDue(_ http: () -> HTTPClient) async {
        let now = clock.now()
        let due: [LogoutDelivery]
        do {
            due = try await deliveries.claimLogoutDeliveries(at: now, leaseUntil: now.addingTimeInterval(60), limit: 20)
        } catch {
            logger.error("cannot read the logout outbox", metadata: ["error": "\(error)"])
            return
        }
        guard !due.isEmpty else { return }
        let client = http()
        await withTaskGroup(of: Void.self) { group in
            for delivery in due { group.addTask { await deliver(delivery, claimedAt: now, http: client) } }
        }
    }

    /// Posts one logout token. A failure is retried counting from `claimedAt`, when the attempt began.
    private func deliver(_ delivery: LogoutDelivery, claimedAt: Date, http: HTTPClient) async {
        do {
            guard let client = try await clients.client(id: delivery.clientID) else {
                try await deliveries.logoutFailed(id: delivery.id, error: "client removed", retryAt: nil)
                return
            }
            let iat = Int(clock.now().timeIntervalSince1970)
            let token = try await signer.signLogoutToken(
                LogoutTokenClaims(iss: issuer, sub: delivery.userID, aud: client.id, iat: iat, exp: iat + 120,
                                  jti: random.token(byteCount: 16), sid: delivery.sessionID),
                algorithm: client.idTokenSigningAlgorithm)
            var request = HTTPClientRequest(url: delivery.uri)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.headers.add(name: "User-Agent", value: "UnifiedSSO")
            request.body = .bytes(ByteBuffer(string: "logout_token=" + token))
            let response = try await http.execute(request, timeout: .seconds(5))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            guard (200..<300).contains(Int(response.status.code)) else {
                throw DeliveryError(description: "HTTP \(response.status.code)")
            }
            try await deliveries.logoutDelivered(id: delivery.id)
        } catch {
            await failed(delivery, error: "\(error)", attemptedAt: claimedAt)
        }
    }

    private func failed(_ delivery: LogoutDelivery, error: String, attemptedAt now: Date) async {
        let attempt = delivery.attempts + 1
        let retryAt = attempt < Self.maximumAttempts
            ? now.addingTimeInterval(min(10 * pow(2, Double(attempt - 1)), 3600)) : nil
        do {
            try await deliveries.logoutFailed(id: delivery.id, error: error, retryAt: retryAt)
        } catch {
            logger.error("cannot record a logout delivery failure", metadata: ["error": "\(error)"])
        }
        if retryAt == nil {
            await events.record(SecurityEvent(
                kind: .backchannelLogoutFailed, at: now, userID: delivery.userID, clientID: delivery.clientID,
                detail: "gave up after \(attempt) attempts: \(error)"))
        }
    }

    struct DeliveryError: Error, CustomStringConvertible {
        var description: String
    }
}
