import Foundation
import SSOCore
import Testing

@Suite("Readiness checks and request ids")
struct OperationsTests {
    @Test("each check reports ok or why it failed; a check that hangs fails at the deadline without holding the probe")
    func readiness() async {
        let readiness = Readiness([
            ("fine", {}),
            ("broken", { throw NotReady("disk on fire") }),
            ("stuck", { try await Task.sleep(for: .seconds(30)) }),
        ])
        let started = ContinuousClock.now
        let results = await readiness.check(timeout: .milliseconds(200))
        // Not held by the stuck check (it would answer after 30 s): the probe ends at its own deadline.
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(results["fine"] == "ok")
        #expect(results["broken"] == "failed: disk on fire")
        #expect(results["stuck"]?.hasPrefix("no answer within") == true)
        #expect(await Readiness([]).check().isEmpty)
    }

    @Test("request ids are unique per process; an incoming one is kept only when it is a sane token")
    func requestIDs() {
        let ids = (0..<1000).map { _ in RequestID.next() }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy(RequestID.isAcceptable))
        for good in ["abc", "f00d-1", "proxy:42.7_x", String(repeating: "a", count: 128)] {
            #expect(RequestID.isAcceptable(good), "\(good)")
        }
        for bad in ["", "a b", "a\r\nSet-Cookie: x", "é", String(repeating: "a", count: 129), "a\"b"] {
            #expect(!RequestID.isAcceptable(bad), "\(bad)")
        }
    }
}
