import ArgumentParser
import Foundation
import SSOCore
import SSOServer

/// `sso user import`: brings users over from another system, with their password hashes and
/// TOTP seeds, from JSON lines (the format of `UserRecord`, which `sso user export` writes).
struct UserImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import users from JSON lines (one user per line; see docs/user-import.md).",
        discussion: """
            A line that cannot be imported is reported on standard error with its number and the reason, and the rest \
            is imported; the exit status is then 1. Users whose login is taken are skipped (or, with --update, \
            written over). A summary is printed on standard output as JSON.
            """)

    @Option(help: "The JSON lines file, or - for standard input.") var file: String
    @Flag(help: "Write over users whose login is taken (their id and creation time are kept).") var update = false
    @Option(name: .customLong("batch-size"), help: "Users per transaction.") var batchSize = 1000
    @OptionGroup var data: DataOption

    func validate() throws {
        guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 100000.") }
    }

    func run() async throws {
        let descriptor: Int32 = file == "-" ? STDIN_FILENO : Foundation.open(file, O_RDONLY)
        guard descriptor >= 0 else { throw ValidationFailure("Cannot open \(file): \(String(cString: strerror(errno))).") }
        defer { if descriptor != STDIN_FILENO { close(descriptor) } }
        let (storage, sealer) = try await Self.openStore(data)
        var importer = UserImporter(storage: storage, sealer: sealer, updateExisting: update, batchSize: batchSize)
        var reader = LineReader(descriptor: descriptor)
        let progress = isatty(STDERR_FILENO) == 1 ? ImportProgress() : nil
        while let line = try reader.next() {
            try await importer.add(line)
            progress?.show(lines: line.number)
        }
        try await importer.flush()
        progress?.finish(lines: importer.counts.lines)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(importer.counts), as: UTF8.self))
        if importer.counts.refused > 0 { throw ExitCode(1) }
    }

    static func openStore(_ data: DataOption) async throws -> (any SSOStore, any SecretSealer) {
        let directory = data.dataDirectory
        let storage = try await directory.openStorage()
        let sealer = try await directory.keySealer(
            storage: storage, environment: ProcessInfo.processInfo.environment, random: SystemSecureRandom())
        return (storage, sealer)
    }
}

/// Turns lines into users and writes them a batch at a time, counting what happened.
struct UserImporter {
    struct Counts: Encodable {
        var lines = 0
        var inserted = 0
        var updated = 0
        var skipped = 0
        var refused = 0
    }

    let storage: any SSOStore
    let sealer: any SecretSealer
    let updateExisting: Bool
    let batchSize: Int
    private(set) var counts = Counts()
    private var batch: [(line: Int, user: User)] = []
    private let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    init(storage: any SSOStore, sealer: any SecretSealer, updateExisting: Bool, batchSize: Int) {
        self.storage = storage
        self.sealer = sealer
        self.updateExisting = updateExisting
        self.batchSize = batchSize
        batch.reserveCapacity(batchSize)
    }

    mutating func add(_ line: LineReader.Line) async throws {
        counts.lines = line.number
        guard let bytes = line.bytes else { return refuse(line.number, "the line is longer than 1 MiB") }
        guard bytes.contains(where: { $0 != 32 && $0 != 9 }) else { return }   // a blank line
        do {
            let record = try decoder.decode(UserRecord.self, from: Data(bytes))
            batch.append((line.number, try record.user(sealer: sealer, now: Date())))
        } catch {
            return refuse(line.number, ImportRefusal.reason(error))
        }
        if batch.count >= batchSize { try await flush() }
    }

    mutating func flush() async throws {
        guard !batch.isEmpty else { return }
        let outcomes = try await storage.importUsers(batch.map(\.user), updateExisting: updateExisting)
        for (entry, outcome) in zip(batch, outcomes) {
            switch outcome {
            case .inserted: counts.inserted += 1
            case .updated: counts.updated += 1
            case .skipped: counts.skipped += 1
            case .idTaken: refuse(entry.line, "the id \"\(entry.user.id)\" belongs to another login")
            }
        }
        batch.removeAll(keepingCapacity: true)
    }

    private mutating func refuse(_ line: Int, _ reason: String) {
        counts.refused += 1
        FileHandle.standardError.write(Data("line \(line): \(reason)\n".utf8))
    }
}

/// The count and rate of lines read, on the terminal's standard error, at most twice a second.
final class ImportProgress {
    private let started = Date()
    private var shown = Date.distantPast

    func show(lines: Int) {
        guard lines % 256 == 0 else { return }
        let now = Date()
        guard now.timeIntervalSince(shown) >= 0.5 else { return }
        shown = now
        write(lines: lines, now: now, end: "")
    }

    func finish(lines: Int) { write(lines: lines, now: Date(), end: "\n") }

    private func write(lines: Int, now: Date, end: String) {
        let rate = Double(lines) / max(now.timeIntervalSince(started), 0.001)
        FileHandle.standardError.write(Data("\r\u{1B}[K\(lines) lines, \(Int(rate)) lines/s\(end)".utf8))
    }
}
