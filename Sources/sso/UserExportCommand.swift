import ArgumentParser
import Foundation
import SSOCore

/// `sso user export`: every user as JSON lines, in the format `sso user import` reads, a page at
/// a time.
struct UserExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every user as JSON lines (password hashes and TOTP seeds included: keep the file secret).")

    @Option(help: "The file to write (created with mode 0600), or - for standard output.") var file = "-"
    @OptionGroup var data: DataOption

    func run() async throws {
        let descriptor: Int32 = file == "-" ? STDOUT_FILENO : Foundation.open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw ValidationFailure("Cannot create \(file): \(String(cString: strerror(errno))).") }
        defer { if descriptor != STDOUT_FILENO { close(descriptor) } }
        let (storage, sealer) = try await UserImportCommand.openStore(data)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var after: String?
        var output = Data()
        while true {
            let page = try await storage.users(afterID: after, limit: 1000)
            guard let last = page.last else { break }
            for user in page {
                output.append(try encoder.encode(try UserRecord(user, sealer: sealer)))
                output.append(UInt8(ascii: "\n"))
            }
            try Self.write(output, to: descriptor)
            output.removeAll(keepingCapacity: true)
            after = last.id
        }
    }

    static func write(_ data: Data, to descriptor: Int32) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                guard written > 0 else { throw ValidationFailure("Writing failed: \(String(cString: strerror(errno))).") }
                offset += written
            }
        }
    }
}
