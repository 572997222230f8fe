import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Runs an application on its configured port (HummingbirdTesting's `.live` always picks a
/// random one, but an upstream provider must live at the address its issuer names) while
/// `body` runs, then shuts it down.
public enum RunningServer {
    public static func run<T: Sendable>(
        _ app: some ApplicationProtocol, ready: ReadySignal, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var logger = Logger(label: "test-server")
            logger.logLevel = .critical
            let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
            group.addTask { try await services.run() }
            await ready.wait()
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
}

/// Opened once the server listens.
public actor ReadySignal {
    public init() {}
    private var isReady = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public func signal() {
        isReady = true
        waiters.forEach { $0.resume() }
        waiters = []
    }

    public func wait() async {
        if isReady { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}
