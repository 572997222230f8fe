import Foundation
import Logging
import SSOCore
import ServiceLifecycle

/// Deletes what has expired, in the background, in small batches: the database stays flat
/// under steady load instead of growing until an operator runs a cleanup job.
///
/// Every `interval` seconds it runs purge passes until one removes less than a batch of every
/// kind, yielding between passes so that requests never wait long for the write lock.
struct Housekeeping: Service {
    let store: any HousekeepingStore
    let clock: any SSOClock
    let interval: Duration
    let tokenRetention: @Sendable () async -> TimeInterval
    let auditRetention: TimeInterval
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await purge()
            // Ends early on shutdown: the sleep is cancelled, and with it the loop.
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// Purges until nothing more is due; returns what went.
    @discardableResult
    func purge() async -> PurgeReport {
        var total = PurgeReport()
        let policy = PurgePolicy(now: clock.now(), tokenRetention: await tokenRetention(), auditRetention: auditRetention)
        do {
            while !Task.isCancelled {
                let pass = try await store.purgeExpired(policy)
                total.removed.merge(pass.removed, uniquingKeysWith: +)
                guard pass.removed.values.contains(where: { $0 >= policy.batchSize }) else { break }
                await Task.yield()
            }
        } catch {
            logger.error("housekeeping failed", metadata: ["error": "\(error)"])
        }
        if total.total > 0 {
            logger.info("housekeeping", metadata: total.removed.mapValues { .stringConvertible($0) })
        }
        return total
    }
}
