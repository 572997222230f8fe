/// Mints the tokens for an authorized grant: the same way for every grant type.
public protocol TokenIssuer: Sendable {
    func issue(_ grant: AuthorizedGrant, for client: Client) async throws -> TokenResponse
}
