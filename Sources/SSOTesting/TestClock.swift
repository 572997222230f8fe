import Foundation
import SSOCore

/// A clock the test moves by hand, so expiry is tested without sleeping.
public final class TestClock: SSOClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = start }

    public func now() -> Date { lock.withLock { current } }

    public func advance(seconds: Double) { lock.withLock { current = current.addingTimeInterval(seconds) } }
}
