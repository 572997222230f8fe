import Synchronization

/// The connections open now, in all and by TCP peer address, under one lock: connections are
/// accepted on every event loop. A connection is counted when it is accepted and uncounted when
/// it closes, however it closes.
///
/// The address is the TCP peer's, never `X-Forwarded-For`: nothing has been read when a
/// connection is admitted, and a header is the client's word. Behind a reverse proxy every
/// connection comes from the proxy, so there the per-address cap is 0 (off) or at least the
/// connections the proxy may open, and the proxy limits each client.
final class ConnectionTable: Sendable {
    enum Admission: Equatable {
        case admitted
        /// `maximum` connections are open.
        case serverFull
        /// `maximumPerAddress` connections from this address are open.
        case addressFull
    }

    private struct State {
        var open = 0
        var byAddress: [String: Int] = [:]
        /// Refusals since the last one that was logged, and when that was.
        var refusedUnlogged = 0
        var lastLogged: ContinuousClock.Instant?
    }

    let maximum: Int
    /// 0: no cap per address.
    let maximumPerAddress: Int
    private let state = Mutex(State())

    init(maximum: Int, maximumPerAddress: Int) {
        self.maximum = maximum
        self.maximumPerAddress = maximumPerAddress
    }

    /// Counts a new connection from `address` unless a cap is reached.
    func admit(_ address: String) -> Admission {
        state.withLock { state in
            guard state.open < maximum else { return .serverFull }
            let fromAddress = state.byAddress[address, default: 0]
            guard maximumPerAddress == 0 || fromAddress < maximumPerAddress else { return .addressFull }
            state.open += 1
            state.byAddress[address] = fromAddress + 1
            return .admitted
        }
    }

    /// Uncounts an admitted connection that has closed.
    func release(_ address: String) {
        state.withLock { state in
            state.open -= 1
            let fromAddress = state.byAddress[address, default: 1] - 1
            state.byAddress[address] = fromAddress > 0 ? fromAddress : nil
        }
    }

    /// Connections open now.
    var open: Int { state.withLock { $0.open } }

    /// Connections open now from `address`.
    func open(from address: String) -> Int { state.withLock { $0.byAddress[address, default: 0] } }

    /// Notes a refusal; returns how many refusals to report (this one included) when the last
    /// report is at least `interval` old, so that a flood of refusals logs a line now and then.
    func noteRefusal(now: ContinuousClock.Instant = .now, interval: Duration = .seconds(10)) -> Int? {
        state.withLock { state in
            state.refusedUnlogged += 1
            if let last = state.lastLogged, now - last < interval { return nil }
            state.lastLogged = now
            defer { state.refusedUnlogged = 0 }
            return state.refusedUnlogged
        }
    }
}
