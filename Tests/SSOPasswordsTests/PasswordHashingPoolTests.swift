import Foundation
import SSOCore
import SSOPasswords
import Synchronization
import Testing

@Suite("The password checks' threads and their limit")
struct PasswordHashingPoolTests {
    /// Counts the work running at once, and the most seen.
    final class Overlap: Sendable {
        let counts = Mutex((now: 0, most: 0))
        func enter() { counts.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
        func leave() { counts.withLock { $0.now -= 1 } }
        var most: Int { counts.withLock { $0.most } }
    }

    @Test("no more work runs at once than the pool has threads, however many callers wait")
    func bounded() async throws {
        let pool = PasswordHashingPool(limits: .init(threads: 2, maximumWait: 3600), expectedDuration: 0.01)
        let overlap = Overlap()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<24 {
                group.addTask {
                    try await pool.run {
                        overlap.enter()
                        Thread.sleep(forTimeInterval: 0.01)
                        overlap.leave()
                        return index
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(results.sorted() == Array(0..<24))
        #expect(overlap.most == 2)
        #expect(pool.admitted == 0)
    }

    @Test("past the wait limit callers are refused at once with a Retry-After, and admitted again once it drains")
    func refusesBeyondTheWait() async throws {
        // One thread, 100 ms a hash, 0.3 s of waiting allowed: about three admitted at once.
        let pool = PasswordHashingPool(limits: .init(threads: 1, maximumWait: 0.3), expectedDuration: 0.1)
        let outcomes = await withTaskGroup(of: Result<Void, PasswordChecksBusy>.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    do {
                        try await pool.run { Thread.sleep(forTimeInterval: 0.1) }
                        return .success(())
                    } catch let busy as PasswordChecksBusy {
                        return .failure(busy)
                    } catch {
                        Issue.record("unexpected \(error)")
                        return .success(())
                    }
                }
            }
            return await group.reduce(into: [Result<Void, PasswordChecksBusy>]()) { $0.append($1) }
        }
        let refused = outcomes.compactMap { if case .failure(let busy) = $0 { busy } else { nil } }
        let done = outcomes.count - refused.count
        #expect(done >= 1 && done <= 4, "\(done) admitted")
        #expect(refused.count == 12 - done)
        #expect(refused.allSatisfy { $0.retryAfter >= 1 })
        #expect(pool.admitted == 0)
        try await pool.run { Thread.sleep(forTimeInterval: 0.01) }
    }

    @Test("asking whether a check would be refused admits nothing, and says so while the pool is full")
    func refusalWithoutAdmission() async throws {
        let pool = PasswordHashingPool(limits: .init(threads: 1, maximumWait: 0), expectedDuration: 0.05)
        #expect(pool.refusal() == nil)
        #expect(pool.admitted == 0)
        let running = Task { try await pool.run { Thread.sleep(forTimeInterval: 0.3) } }
        var busy: PasswordChecksBusy?
        for _ in 0..<100 where busy == nil {
            try await Task.sleep(for: .milliseconds(5))
            busy = pool.refusal()
        }
        #expect(busy != nil)
        #expect(pool.admitted == 1)
        try await running.value
        #expect(pool.refusal() == nil)
    }

        @Test("a pool that is let go ends its threads")
    func threadsEnd() async throws {
        let ended = Mutex(0)
        do {
            let pool = PasswordHashingPool(limits: .init(threads: 3), expectedDuration: 0.01, name: "pool-end-test",
                                           threadEnded: { ended.withLock { $0 += 1 } })
            #expect(try await pool.run { 7 } == 7)
            #expect(ended.withLock { $0 } == 0)
        }
        // The threads end once the pool is gone; a loaded machine may take a while to run them.
        let deadline = ContinuousClock.now + .seconds(60)
        while ended.withLock({ $0 }) < 3, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(ended.withLock { $0 } == 3)
    }
}
