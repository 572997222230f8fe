import SSOCore
import Foundation

/// Keeps every security event in memory, for tests that assert an event was recorded.
public final class RecordingEvents: SecurityEventRecorder, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [SecurityEvent] = []

    public init() {}

    public func record(_ event: SecurityEvent) async { lock.withLock { stored.append(event) } }

    public var events: [SecurityEvent] { lock.withLock { stored } }
    public func kinds() -> [SecurityEvent.Kind] { events.map(\.kind) }
}
