import Logging
import SSOServer
import Testing

/// The text log keeps swift-log's `StreamLogHandler` layout, so log readers set up for it
/// still parse our lines; only when the metadata is rendered changed.
@Suite("Plain-text log lines")
struct TextLogHandlerTests {
    @Test("time, level, label, sorted metadata, source and message, as StreamLogHandler writes them")
    func layout() {
        let line = TextLogHandler.line(
            time: "2026-12-06T01:02:03+0000", level: .warning, label: "sso",
            fields: ["user_id": "u-1", "event": "login.failed", "hb.request.id": "r-9"], source: "SSOCore",
            message: "security event")
        #expect(line == "2026-12-06T01:02:03+0000 warning sso: event=login.failed hb.request.id=r-9 user_id=u-1 [SSOCore] security event\n")
        let bare = TextLogHandler.line(time: "t", level: .info, label: "", fields: [:], source: "s", message: "m")
        #expect(bare == "t info: [s] m\n")
    }

    @Test("a value with a line break, a space, '=' or a quote cannot forge a line or a field")
    func hostileValues() {
        let line = TextLogHandler.line(
            time: "t", level: .warning, label: "sso",
            fields: ["detail": "alice\n2026-12-06T01:02:03+0000 info sso: event=login.succeeded [SSOCore] ok",
                     "login": "bob status=200", "note": "say \"hi\" \\ \r\t\u{2028}\u{7}", "empty": ""],
            source: "SSOCore", message: "first\nsecond")
        #expect(line.filter { $0 == "\n" }.count == 1 && line.hasSuffix("\n"))
        #expect(line == #"t warning sso: detail="alice\n2026-12-06T01:02:03+0000 info sso: event=login.succeeded [SSOCore] ok" "#
            + #"empty="" login="bob status=200" note="say \"hi\" \\ \r\t\u{2028}\u{7}" [SSOCore] first\nsecond"# + "\n")
    }

    @Test("metadata is kept as set and removed when set to nil")
    func metadata() {
        var handler = TextLogHandler(label: "sso")
        handler[metadataKey: "a"] = "1"
        handler[metadataKey: "b"] = "2"
        handler[metadataKey: "a"] = nil
        #expect(handler.metadata == ["b": "2"])
        #expect(handler[metadataKey: "b"] == "2")
    }

    @Test("a line's fields: the logger's, then the provider's, then the event's own, and the error's")
    func fields() {
        struct Failure: Error, CustomStringConvertible { var description: String { "disk full" } }
        let provider = Logger.MetadataProvider { ["trace": "t-1", "shared": "provider"] }
        let event = LogEvent(level: .error, message: "m", error: Failure(), metadata: ["shared": "event", "own": "1"],
                             source: "s", file: "f", function: "g", line: 1)
        let fields = event.fields(logger: ["shared": "logger", "base": "b"], provider: provider)
        #expect(fields["base"] == "b" && fields["trace"] == "t-1" && fields["own"] == "1")
        #expect(fields["shared"] == "event")
        #expect(fields["error.message"] == "disk full")
        #expect(fields["error.type"]?.description.hasSuffix("Failure") == true)
        let quiet = LogEvent(level: .info, message: "m", metadata: nil, source: "s", file: "f", function: "g", line: 1)
        #expect(quiet.fields(logger: ["base": "b"], provider: nil) == ["base": "b"])
    }
}
