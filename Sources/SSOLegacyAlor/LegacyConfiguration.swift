/// Settings of the legacy adapters.
public struct LegacyConfiguration: Sendable {
    /// The public client the legacy logins issue tokens to and whose registered URLs the
    /// cabinet may return to: `SingleSignOn`, as the personal cabinet calls itself.
    public var clientID: String
    /// The issuer, for the documentation link of the deprecation headers.
    public var issuer: String

    public init(clientID: String = "SingleSignOn", issuer: String) {
        self.clientID = clientID
        self.issuer = issuer
    }

    /// Where the migration guide is served.
    public var documentationURL: String { issuer + "/docs/migration" }
}
