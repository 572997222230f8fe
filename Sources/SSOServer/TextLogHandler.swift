import Foundation
import Logging

/// The plain-text log lines, in swift-log's `StreamLogHandler` layout
/// (`time level label: key=value [source] message`) on standard error.
///
/// `StreamLogHandler` renders its metadata to text whenever the metadata changes; Hummingbird
/// sets a request id on every request's logger, so every request paid for that rendering
/// (2% of a UserInfo call) even when nothing was logged. Here metadata is rendered only for a
/// line that is written.
public struct TextLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String

    public init(label: String) {
        self.label = label
        self.metadataProvider = LoggingSystem.metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let fields = event.fields(logger: metadata, provider: metadataProvider)
        let line = Self.line(time: Self.timestamp(), level: event.level, label: label, fields: fields,
                             source: event.source, message: event.message.description)
        // One write per line: lines from concurrent requests never interleave.
        FileHandle.standardError.write(Data(line.utf8))
    }

    public static func line(time: String, level: Logger.Level, label: String, fields: Logger.Metadata, source: String,
                     message: String) -> String {
        let rendered = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "\(time) \(level)\(label.isEmpty ? "" : " ")\(label):\(rendered.isEmpty ? "" : " " + rendered) [\(source)] \(message)\n"
    }

    private static func timestamp() -> String {
        var now = time(nil)
        var local = tm()
        guard localtime_r(&now, &local) != nil else { return "<unknown>" }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
