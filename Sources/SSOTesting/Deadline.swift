import Synchronization

/// `work`'s result if it ends within `limit`; `nil` if it does not, and it is left running: a
/// test of something that could wait for ever fails with a message instead of stalling the
/// run (a suspended task cannot be stopped from outside; it stays suspended).
public func outcome<T: Sendable>(
    within limit: Duration, _ work: @escaping @Sendable () async throws -> T
) async -> Result<T, any Error>? {
    let first = FirstOutcome<T>()
    return await withCheckedContinuation { continuation in
        first.set(continuation)
        Task {
            do { first.resume(.success(try await work())) } catch { first.resume(.failure(error)) }
        }
        Task {
            try? await Task.sleep(for: limit)
            first.resume(nil)
        }
    }
}

/// The first of the work and the deadline resumes the waiting test; the other is ignored.
private final class FirstOutcome<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<Result<T, any Error>?, Never>?>(nil)

    func set(_ continuation: CheckedContinuation<Result<T, any Error>?, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func resume(_ value: Result<T, any Error>?) {
        continuation.withLock { $0.take() }?.resume(returning: value)
    }
}
