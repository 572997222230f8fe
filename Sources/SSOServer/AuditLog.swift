import CoreMetrics
import Logging
import SSOCore
import SSOHTTP
import ServiceLifecycle
import Synchronization

/// The one place security events go: a line in the log at once, and a row in `security_events`.
///
/// Rows are written by a background writer with group commit: an event waiting alone is
/// written at once; events that arrive while a write is under way go together in the next
/// transaction. Under load that is one commit for many events instead of one per token, and a
/// request never waits for the audit table. Recording never fails the request that caused it;
/// a storage failure is logged instead. On shutdown every pending event is written.
final class AuditLog: SecurityEventRecorder, Service {
    private let storage: any SecurityEventStore
    private let logger: Logger
    private let metrics: ServerMetrics
    private let pending = Mutex<[SecurityEvent]>([])
    private let signal: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init(storage: any SecurityEventStore, logger: Logger, metrics: ServerMetrics = .disabled) {
        self.storage = storage
        self.logger = logger
        self.metrics = metrics
        (signal, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func record(_ event: SecurityEvent) async {
        var fields: Logger.Metadata = ["event": .string(event.kind.rawValue)]
        if let user = event.userID { fields["user_id"] = .string(user) }
        if let client = event.clientID { fields["client_id"] = .string(client) }
        if let detail = event.detail { fields["detail"] = .string(detail) }
        if let request = RequestID.current { fields["request_id"] = .string(request) }
        logger.info("security event", metadata: fields)
        count(event.kind)
        pending.withLock { $0.append(event) }
        wake.yield()
    }

    /// Every event by kind, and the ones operators alert on under their own names.
    private func count(_ kind: SecurityEvent.Kind) {
        metrics.counter("sso_security_events_total", [("event", kind.rawValue)]).increment()
        switch kind {
        case .loginSucceeded, .federatedLogin: metrics.counter("sso_logins_total", [("result", "success")]).increment()
        case .loginFailed, .secondFactorFailed: metrics.counter("sso_logins_total", [("result", "failure")]).increment()
        case .refreshTokenReused: metrics.counter("sso_refresh_token_reuse_total", []).increment()
        default: break
        }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await _ in self.signal { await self.flush() }
        }
        await flush()
    }

    /// Writes everything pending in one transaction.
    func flush() async {
        let batch = pending.withLock { events in
            defer { events.removeAll(keepingCapacity: true) }
            return events
        }
        guard !batch.isEmpty else { return }
        do {
            try await storage.appendSecurityEvents(batch)
        } catch {
            logger.error("could not store security events", metadata: ["error": "\(error)", "count": "\(batch.count)"])
        }
    }
}
