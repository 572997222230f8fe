import Foundation

/// Which pending interaction a browser's login or consent page may act on: one that is live and
/// was started by this very browser (its binding cookie's digest is the interaction's
/// `browserBinding`), and, for a form, whose `csrf` field is that cookie (double submit).
/// Everything is compared in constant time; any mismatch is "no such interaction", so a page
/// opened in another browser or a forged form learns nothing.
public struct InteractionBinding: Sendable {
    let interactions: any InteractionStore
    let clients: any ClientStore
    let login: LoginService
    let clock: any SSOClock

    public init(interactions: any InteractionStore, clients: any ClientStore, login: LoginService, clock: any SSOClock) {
        self.interactions = interactions
        self.clients = clients
        self.login = login
        self.clock = clock
    }

    /// The interaction `id`, when it is live and belongs to the browser whose binding cookie is
    /// `browserSecret`; with `submittedCSRF` (a form's field), only when that is the cookie too.
    public func interaction(_ id: String?, browserSecret: String?, submittedCSRF: String? = nil) async throws -> Interaction? {
        guard let id, let browserSecret, let interaction = try await interactions.interaction(id: id),
            clock.now() < interaction.expiresAt,
            SecretDigest.constantTimeEquals(interaction.browserBinding, SecretDigest.sha256(browserSecret))
        else { return nil }
        if let submittedCSRF, !SecretDigest.constantTimeEquals(submittedCSRF, browserSecret) { return nil }
        return interaction
    }

    /// What the consent page acts on: the interaction (bound to this browser), its client, and
    /// the browser's session, which must be the very session that started or signed in the
    /// interaction, so a consent cannot be given under another user's session.
    public func consent(
        _ id: String?, browserSecret: String?, submittedCSRF: String? = nil, sessionSecret: String?
    ) async throws -> ConsentContext? {
        guard let interaction = try await interaction(id, browserSecret: browserSecret, submittedCSRF: submittedCSRF),
            let session = try await login.activeSession(secret: sessionSecret),
            interaction.sessionID == session.id,
            let client = try await clients.client(id: interaction.request.clientID)
        else { return nil }
        return ConsentContext(interaction: interaction, client: client, session: session)
    }
}

/// The consent page's subject: whose request, from which client, under which session.
public struct ConsentContext: Sendable {
    public var interaction: Interaction
    public var client: Client
    public var session: SSOSession

    public init(interaction: Interaction, client: Client, session: SSOSession) {
        self.interaction = interaction
        self.client = client
        self.session = session
    }
}
