import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Runs an application on its configured port (HummingbirdTesting's `.live` always picks a
/// random one, but an upstream provider must live at the address its issuer names) while
/// `body` runs, then shuts it down.
///
/// A server that fails to start (its port taken: `EADDRINUSE`) or stops before it is ready
/// ends the run with that failure: `body` waits for the server to be ready, and nothing else
/// would ever tell it that the server is not coming.
public enum RunningServer {
    public static func run<T: Sendable>(
        _ app: some ApplicationProtocol, ready: ReadySignal, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var logger = Logger(label: "test-server")
            logger.logLevel = .critical
            let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
            group.addTask {
                do {
                    try await services.run()
                } catch {
                    await ready.fail(error)
                    throw error
                }
                await ready.fail(ServerStopped())
            }
            try await ready.wait()
            do {
                let value = try await body()
                await services.triggerGracefulShutdown()
                try await group.waitForAll()
                return value
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
        }
    }

    /// The server returned before it was ready, with no error of its own.
    public struct ServerStopped: Error, CustomStringConvertible {
        public var description: String { "the server stopped before it was ready" }
    }
}

/// Opened once the server listens, or failed when it will not.
public actor ReadySignal {
    public init() {}
    private enum State {
        case waiting
        case ready
        case failed(any Error)
    }
    private var state = State.waiting
    private var waiters: [CheckedContinuation<Void, any Error>] = []

    /// The server listens.
    public func signal() {
        guard case .waiting = state else { return }
        state = .ready
        waiters.forEach { $0.resume() }
        waiters = []
    }

    /// The server will not listen (it failed to start, or stopped): `wait()` throws `error`.
    /// Once the server has been ready, this changes nothing.
    public func fail(_ error: any Error) {
        guard case .waiting = state else { return }
        state = .failed(error)
        waiters.forEach { $0.resume(throwing: error) }
        waiters = []
    }

    /// Returns once the server listens; throws why it will not.
    public func wait() async throws {
        switch state {
        case .ready: return
        case .failed(let error): throw error
        case .waiting: try await withCheckedThrowingContinuation { waiters.append($0) }
        }
    }
}
