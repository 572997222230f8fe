/// Authorization requests waiting on the login or consent page.
public protocol InteractionStore: Sendable {
    func insert(_ interaction: Interaction) async throws
    func interaction(id: String) async throws -> Interaction?
    func update(_ interaction: Interaction) async throws
    func removeInteraction(id: String) async throws
}
