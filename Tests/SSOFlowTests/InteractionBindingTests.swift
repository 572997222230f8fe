import Foundation
import SSOCore
import SSOTesting
import Testing

@Suite("Interaction binding and the consent context as core services")
struct InteractionBindingTests {
    @Test("only the browser that started an interaction, while it lives, with its own form, may act on it")
    func binding() async throws {
        let fixture = try await FlowFixture()
        let browser = fixture.random.token()
        let interaction = try await fixture.interaction(browserSecret: browser)

        #expect(try await fixture.binding.interaction(interaction.id, browserSecret: browser)?.id == interaction.id)
        #expect(try await fixture.binding.interaction(interaction.id, browserSecret: browser, submittedCSRF: browser) != nil)
        #expect(try await fixture.binding.interaction(interaction.id, browserSecret: fixture.random.token()) == nil)
        #expect(try await fixture.binding.interaction(interaction.id, browserSecret: nil) == nil)
        #expect(try await fixture.binding.interaction(interaction.id, browserSecret: browser, submittedCSRF: "forged") == nil)
        #expect(try await fixture.binding.interaction("unknown", browserSecret: browser) == nil)
        #expect(try await fixture.binding.interaction(nil, browserSecret: browser) == nil)

        fixture.clock.advance(seconds: 601)
        #expect(try await fixture.binding.interaction(interaction.id, browserSecret: browser) == nil)
    }

    @Test("the consent page acts only under the session that started the interaction")
    func consent() async throws {
        let fixture = try await FlowFixture()
        let browser = fixture.random.token()
        let (session, secret) = try await fixture.session()
        let (_, otherSecret) = try await fixture.session(for: "u2")
        let interaction = try await fixture.interaction(browserSecret: browser, sessionID: session.id)

        let context = try #require(await fixture.binding.consent(
            interaction.id, browserSecret: browser, submittedCSRF: browser, sessionSecret: secret))
        #expect(context.client.id == "rp")
        #expect(context.session.id == session.id)
        #expect(try await fixture.binding.consent(interaction.id, browserSecret: browser, sessionSecret: otherSecret) == nil)
        #expect(try await fixture.binding.consent(interaction.id, browserSecret: browser, sessionSecret: nil) == nil)
        #expect(try await fixture.binding.consent(
            interaction.id, browserSecret: browser, submittedCSRF: "forged", sessionSecret: secret) == nil)
    }
}
