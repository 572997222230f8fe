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

    @Test("metadata is kept as set and removed when set to nil")
    func metadata() {
        var handler = TextLogHandler(label: "sso")
        handler[metadataKey: "a"] = "1"
        handler[metadataKey: "b"] = "2"
        handler[metadataKey: "a"] = nil
        #expect(handler.metadata == ["b": "2"])
        #expect(handler[metadataKey: "b"] == "2")
    }
}
