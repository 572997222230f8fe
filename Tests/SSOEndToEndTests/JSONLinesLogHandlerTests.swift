import Foundation
import Logging
@testable import SSOServer
import Testing

/// JSON log lines are written directly (no `JSONSerialization`, no Foundation date formatter);
/// these pin the layout log collectors read.
@Suite("JSON log lines")
struct JSONLinesLogHandlerTests {
    @Test("ts, level, label and message first, then the fields by name; nested values as JSON")
    func layout() throws {
        let line = JSONLinesLogHandler.line(
            at: Date(timeIntervalSince1970: 1_796_000_000.1239), level: .warning, label: "sso", message: "security event",
            fields: ["user_id": "u-1", "event": "login.failed", "message": "not me", "ts": "not me",
                     "detail": .dictionary(["b": "2", "a": .array(["x", "y\"z\n"])])])
        #expect(line == #"{"ts":"2026-11-30T00:53:20.123Z","level":"warning","label":"sso","message":"security event","#
            + #""detail":{"a":["x","y\"z\n"],"b":"2"},"event":"login.failed","user_id":"u-1"}"#)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(parsed["message"] as? String == "security event" && parsed["ts"] as? String == "2026-11-30T00:53:20.123Z")
    }

    @Test("timestamps are UTC with milliseconds, before 1970 too")
    func timestamps() {
        #expect(JSONLinesLogHandler.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(JSONLinesLogHandler.timestamp(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
        #expect(JSONLinesLogHandler.timestamp(Date(timeIntervalSince1970: 951_782_399.75)) == "2000-02-28T23:59:59.750Z")
        #expect(JSONLinesLogHandler.timestamp(Date(timeIntervalSince1970: 951_868_800)) == "2000-03-01T00:00:00.000Z")
    }
}
