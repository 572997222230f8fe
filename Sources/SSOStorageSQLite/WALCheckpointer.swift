import Foundation
import GRDB
import Synchronization

/// Copies the write-ahead log back into the database file from a thread and a connection of
/// its own, so that no request waits for it.
///
/// SQLite's automatic checkpoint runs inside the commit that takes the log past 1000 pages, on
/// the one writer: every write queued behind that commit waits for the page copies and an
/// `fdatasync`. With token requests that all end in a write, those waits set the p99 of the
/// refresh and code benchmarks. A PASSIVE checkpoint here never blocks the writer or the
/// readers: it copies what no reader still needs and syncs the file. Alternating binaries on
/// the same two cores (5 s runs at 32 connections): refresh 3,100 → 3,400/s with p99 22 → 16 ms,
/// code exchange 3,000 → 3,400/s with p99 23 → 21 ms.
///
/// The log restarts from its beginning only when a checkpoint has copied all of it, which a
/// checkpoint running beside a busy writer rarely achieves; SQLite's own automatic checkpoint
/// therefore stays on, at `fallbackPages` (the log file may reach about 40 MB), and finds little
/// left to copy when it runs. Measured and rejected: only a larger automatic interval (p99 over
/// 60 ms: bigger checkpoints in the same place), no automatic checkpoint at all (the log grew
/// without bound), a 4,000-page fallback and a 50 ms pass (p99 over 25 ms on the code exchange).
/// While writes come a pass runs every `busyInterval`; when idle, every `idleInterval`.
final class WALCheckpointer: Sendable {
    static let busyInterval: Duration = .milliseconds(20)
    static let idleInterval: Duration = .milliseconds(200)
    static let fallbackPages = 10_000

    private final class Flag: Sendable {
        let raised = Atomic<Bool>(false)
    }

    private let stopped = Flag()

    /// Starts checkpointing the database at `path` through a connection opened with
    /// `configuration`.
    init(path: String, configuration: Configuration) throws {
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        let stopped = self.stopped
        let thread = Thread { Self.run(connection, until: stopped) }
        thread.name = "sso-wal-checkpoint"
        thread.start()
    }

    /// Ends the thread (within `idleInterval`) and its connection with it.
    func stop() { stopped.raised.store(true, ordering: .relaxed) }

    deinit { stop() }

    private static func run(_ connection: DatabaseQueue, until stopped: Flag) {
        var lastFrames = -1
        while !stopped.raised.load(ordering: .relaxed) {
            // The log's size in frames: unchanged since the last pass means nothing was written.
            let frames = (try? connection.inDatabase { db in try db.checkpoint(.passive).walFrameCount }) ?? lastFrames
            let busy = frames != lastFrames && frames > 0
            lastFrames = frames
            Thread.sleep(forTimeInterval: seconds(busy ? busyInterval : idleInterval))
        }
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
