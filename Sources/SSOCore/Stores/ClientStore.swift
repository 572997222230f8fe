/// Registered clients. `nil` means not found; a thrown error means the store itself failed.
public protocol ClientStore: Sendable {
    func client(id: String) async throws -> Client?
    /// Inserts or replaces the client with this id.
    func save(_ client: Client) async throws
    func clients() async throws -> [Client]
    /// Whether a client was removed.
    func removeClient(id: String) async throws -> Bool
}
