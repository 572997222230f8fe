import Foundation
import Logging

/// A swift-log handler that writes one JSON object per line to standard output: what log
/// collectors (journald, Loki, Elasticsearch) read without parsing rules. Security events
/// arrive as lines with `"message":"security event"` and their fields at the top level.
public struct JSONLinesLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let fields = event.fields(logger: metadata, provider: metadataProvider)
        // One unbuffered write per line: lines reach a file or pipe at once and never interleave.
        let line = Self.line(at: Date(), level: event.level, label: label, message: event.message.description, fields: fields)
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// One log line. `ts`, `level`, `label` and `message` come first and are never overwritten
    /// by metadata of the same name.
    static func line(at time: Date, level: Logger.Level, label: String, message: String, fields: Logger.Metadata) -> String {
        var object: [String: Any] = fields.mapValues(json)
        object["ts"] = time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        object["level"] = level.rawValue
        object["label"] = label
        object["message"] = message
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return "{\"level\":\"error\",\"message\":\"unencodable log line\"}" }
        return String(decoding: data, as: UTF8.self)
    }

    private static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(json)
        case .dictionary(let dictionary): dictionary.mapValues(json)
        }
    }
}
