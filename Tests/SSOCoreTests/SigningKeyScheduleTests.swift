import Foundation
import SSOCore
import Testing

@Suite("Which signing key signs and which are published")
struct SigningKeyScheduleTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func key(_ kid: String, _ algorithm: SigningAlgorithm = .es256, created: TimeInterval, activates: TimeInterval? = nil)
        -> SigningKeyRecord
    {
        SigningKeyRecord(kid: kid, algorithm: algorithm, sealedPrivateKey: Data(), publicKeyPEM: "",
                         createdAt: start.addingTimeInterval(created),
                         activatesAt: activates.map { start.addingTimeInterval($0) })
    }

    @Test("a rotated key is pending, then signs; the old one is published until its tokens have expired")
    func lifecycle() {
        let old = key("old", created: 0)
        let new = key("new", created: 100, activates: 1000)
        let rsa = key("rsa", .rs256, created: 0)
        let schedule = SigningKeySchedule(keys: [new, rsa, old], retention: 3600)
        func at(_ offset: TimeInterval) -> Date { start.addingTimeInterval(offset) }

        #expect(schedule.signingKey(.es256, at: at(500))?.kid == "old")
        #expect(schedule.status(of: new, at: at(500)) == .pending)
        #expect(Set(schedule.published(at: at(500)).map(\.kid)) == ["old", "new", "rsa"])

        #expect(schedule.signingKey(.es256, at: at(1000))?.kid == "new")
        #expect(schedule.status(of: old, at: at(1000)) == .retiring(until: at(4600)))
        #expect(schedule.signingKey(.rs256, at: at(1000))?.kid == "rsa")

        #expect(schedule.status(of: old, at: at(4600)) == .retired)
        #expect(Set(schedule.published(at: at(4600)).map(\.kid)) == ["new", "rsa"])
    }

    @Test("with only pending keys the first one signs; a key activated later than a newer one's is the signer")
    func edges() {
        let pending = key("p", created: 0, activates: 50)
        #expect(SigningKeySchedule(keys: [pending], retention: 10).signingKey(.es256, at: start)?.kid == "p")
        // Ordered by activation, not creation: a key created later but activated earlier is replaced.
        let late = key("late", created: 0, activates: 200)
        let early = key("early", created: 10, activates: 100)
        let schedule = SigningKeySchedule(keys: [late, early], retention: 10)
        #expect(schedule.signingKey(.es256, at: start.addingTimeInterval(150))?.kid == "early")
        #expect(schedule.signingKey(.es256, at: start.addingTimeInterval(250))?.kid == "late")
        #expect(schedule.status(of: early, at: start.addingTimeInterval(205)) == .retiring(until: start.addingTimeInterval(210)))
        #expect(schedule.signingKey(.edDSA, at: start) == nil)
    }
}
