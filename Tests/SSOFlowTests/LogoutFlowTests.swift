import Foundation
import SSOCore
import SSOTesting
import Testing

@Suite("Logout as a core flow: the question, the checked target, the end of the session")
struct LogoutFlowTests {
    @Test("a browser without a session goes to the registered target with state; an unregistered one is refused")
    func targets() async throws {
        let fixture = try await FlowFixture()
        let step = try await fixture.logout.request(FlowFixture.parameters([
            ("client_id", "rp"), ("post_logout_redirect_uri", "https://rp.test/bye"), ("state", "s 1"),
        ]), sessionSecret: nil)
        #expect(step == .signedOut(redirect: "https://rp.test/bye?state=s%201"))

        let foreign = try await fixture.logout.request(FlowFixture.parameters([
            ("client_id", "rp"), ("post_logout_redirect_uri", "https://other.test/bye"),
        ]), sessionSecret: nil)
        #expect(foreign == .refused(.unregisteredTarget))
        let unnamed = try await fixture.logout.request(FlowFixture.parameters([
            ("post_logout_redirect_uri", "https://rp.test/bye"),
        ]), sessionSecret: nil)
        #expect(unnamed == .refused(.unregisteredTarget))
    }

    @Test("without a hint a signed-in user is asked, and nothing ends until the answer")
    func question() async throws {
        let fixture = try await FlowFixture()
        let (session, secret) = try await fixture.session()
        let step = try await fixture.logout.request(FlowFixture.parameters([
            ("client_id", "rp"), ("post_logout_redirect_uri", "https://rp.test/bye"), ("state", "x"),
        ]), sessionSecret: secret)
        #expect(step == .confirm(LogoutQuestion(target: "https://rp.test/bye", state: "x", clientID: "rp")))
        #expect(try await fixture.login.activeSession(secret: secret)?.id == session.id)

        let answered = try await fixture.logout.confirmed(FlowFixture.parameters([
            ("client_id", "rp"), ("post_logout_redirect_uri", "https://rp.test/bye"), ("state", "x"),
        ]), sessionSecret: secret)
        #expect(answered == .signedOut(redirect: "https://rp.test/bye?state=x"))
        #expect(try await fixture.login.activeSession(secret: secret) == nil)
        #expect(fixture.events.events.contains { $0.kind == .logout && $0.detail == session.id })
    }

    @Test("a hint of this browser's user signs out at once; another user's hint asks; a bad or mismatched hint is refused")
    func hints() async throws {
        let fixture = try await FlowFixture()
        let (_, secret) = try await fixture.session()
        let other = try await fixture.logout.request(
            FlowFixture.parameters([("id_token_hint", try await fixture.idToken(for: "u2"))]), sessionSecret: secret)
        #expect(other == .confirm(LogoutQuestion(target: nil, state: nil, clientID: "rp")))

        let mismatch = try await fixture.logout.request(FlowFixture.parameters([
            ("id_token_hint", try await fixture.idToken()), ("client_id", "other"),
        ]), sessionSecret: secret)
        #expect(mismatch == .refused(.clientMismatch))
        let forged = try await fixture.logout.request(
            FlowFixture.parameters([("id_token_hint", "eyJhbGciOiJub25lIn0.e30.")]), sessionSecret: secret)
        #expect(forged == .refused(.invalidHint))
        #expect(try await fixture.login.activeSession(secret: secret) != nil)

        let own = try await fixture.logout.request(FlowFixture.parameters([
            ("id_token_hint", try await fixture.idToken()), ("post_logout_redirect_uri", "https://rp.test/bye"),
        ]), sessionSecret: secret)
        #expect(own == .signedOut(redirect: "https://rp.test/bye"))
        #expect(try await fixture.login.activeSession(secret: secret) == nil)
    }
}
