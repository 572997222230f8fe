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

    /// One line, whatever the values hold: a value with a space, `=`, a quote or a control
    /// character is quoted with its quotes, backslashes and control characters escaped, and the
    /// message's control characters are escaped, so that a login such as "x\nFORGED" or
    /// "x status=200" can neither start a line of its own nor pass for another field.
    public static func line(time: String, level: Logger.Level, label: String, fields: Logger.Metadata, source: String,
                     message: String) -> String {
        let rendered = fields.sorted { $0.key < $1.key }
            .map { "\(quoted($0.key))=\(quoted($0.value.description))" }.joined(separator: " ")
        return "\(time) \(level)\(label.isEmpty ? "" : " ")\(label):\(rendered.isEmpty ? "" : " " + rendered) "
            + "[\(escaped(source))] \(escaped(message))\n"
    }

    /// `text` as it is when it needs no quotes, else in quotes with `"` and `\` escaped.
    static func quoted(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value != 0x7F && scalar != "=" && scalar != "\"" && scalar != "\\"
                && !scalar.properties.isWhitespace && scalar.properties.generalCategory != .control
        }
        if plain { return text }
        return "\"" + escaped(text).replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Control characters (line breaks among them, U+2028 and U+2029 too) as `\n`, `\r`, `\t`
    /// or `\u{XX}`; backslashes doubled.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.properties.generalCategory == .control || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
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
