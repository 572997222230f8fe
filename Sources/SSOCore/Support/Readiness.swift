import Synchronization

/// Whether the server can serve: named checks, each passing or failing with a short reason.
/// The composition root decides what is checked (the database answers, signing keys are
/// loaded); `/readyz` reports the result.
public struct Readiness: Sendable {
    public typealias Check = @Sendable () async throws -> Void

    let checks: [(name: String, check: Check)]

    public init(_ checks: [(name: String, check: Check)]) { self.checks = checks }

    /// Each check's name with `ok` or why it failed. A check that takes longer than `timeout`
    /// fails: a database that does not answer must not hold the probe.
    public func check(timeout: Duration = .seconds(2)) async -> [String: String] {
        await withTaskGroup(of: (String, String).self) { group in
            for (name, check) in checks {
                group.addTask {
                    await Self.run(check, timeout: timeout).map { (name, $0) } ?? (name, "ok")
                }
            }
            var results: [String: String] = [:]
            for await (name, result) in group { results[name] = result }
            return results
        }
    }

    /// `nil` when the check passed in time, the reason otherwise. The check runs in a task of
    /// its own that is abandoned (cancelled, not awaited) at the deadline, so a call stuck in a
    /// driver cannot hold the probe either.
    static func run(_ check: @escaping Check, timeout: Duration) async -> String? {
        let outcome = Outcome()
        return await withCheckedContinuation { continuation in
            let work = Task {
                let result: String?
                do { try await check(); result = nil } catch { result = "failed: " + String("\(error)".prefix(200)) }
                outcome.finish(result, continuation)
            }
            Task {
                try? await Task.sleep(for: timeout)
                if outcome.finish("no answer within \(timeout)", continuation) { work.cancel() }
            }
        }
    }
}

/// The first of the check and the deadline to finish resumes the probe; the other is ignored.
private final class Outcome: Sendable {
    private let done = Mutex(false)

    @discardableResult
    func finish(_ result: String?, _ continuation: CheckedContinuation<String?, Never>) -> Bool {
        let first = done.withLock { done in
            defer { done = true }
            return !done
        }
        if first { continuation.resume(returning: result) }
        return first
    }
}

/// A readiness check failed for a stated reason.
public struct NotReady: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
