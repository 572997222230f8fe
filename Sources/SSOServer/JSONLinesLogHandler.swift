import Foundation
import Logging
import SSOCore

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

    /// One log line: `ts`, `level`, `label` and `message` first, then the fields sorted by name
    /// (a field of one of those four names is left out rather than overwrite it). Written
    /// directly rather than through `JSONSerialization`, whose `.sortedKeys` compares keys with
    /// ICU's collator: a megabyte and more of locale data mapped by the first line logged.
    static func line(at time: Date, level: Logger.Level, label: String, message: String, fields: Logger.Metadata) -> String {
        var object = JSONObjectWriter(capacity: 256)
        object.add("ts", timestamp(time))
        object.add("level", level.rawValue)
        object.add("label", label)
        object.add("message", message)
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) where !reserved.contains(key) {
            object.add(key, json: json(value))
        }
        return String(decoding: object.finish(), as: UTF8.self)
    }

    private static let reserved: Set<String> = ["ts", "level", "label", "message"]

    /// RFC 3339 in UTC with milliseconds (`2026-12-06T05:58:00.123Z`), from the C library's
    /// calendar, as the text log's timestamps: Foundation's formatters resolve the time zone
    /// through ICU.
    static func timestamp(_ time: Date) -> String {
        let milliseconds = Int64((time.timeIntervalSince1970 * 1000).rounded(.down))
        let (quotient, remainder) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        // Before 1970 the remainder is negative: borrow a second.
        var seconds = time_t(remainder < 0 ? quotient - 1 : quotient)
        let fraction = String(remainder < 0 ? remainder + 1000 : remainder)
        var utc = tm()
        var buffer = [CChar](repeating: 0, count: 32)
        guard gmtime_r(&seconds, &utc) != nil else { return "1970-01-01T00:00:00.000Z" }
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S", &utc)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            + "." + String(repeating: "0", count: 3 - fraction.count) + fraction + "Z"
    }

    private static func json(_ value: Logger.Metadata.Value) -> [UInt8] {
        switch value {
        case .string(let string): return JSONObjectWriter.string(string)
        case .stringConvertible(let convertible): return JSONObjectWriter.string(convertible.description)
        case .array(let values):
            var bytes: [UInt8] = [UInt8(ascii: "[")]
            for (index, element) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes += json(element)
            }
            return bytes + [UInt8(ascii: "]")]
        case .dictionary(let dictionary):
            var object = JSONObjectWriter(capacity: 64)
            for (key, element) in dictionary.sorted(by: { $0.key < $1.key }) { object.add(key, json: json(element)) }
            return object.finish()
        }
    }
}
