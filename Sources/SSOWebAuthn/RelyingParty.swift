import Crypto

/// The relying party a ceremony is verified for: its RP ID and the web origins that may run
/// its ceremonies.
public struct RelyingParty: Sendable, Hashable {
    /// The RP ID (a registrable domain suffix of the origins, e.g. `example.com`).
    public var id: String
    /// The exact origins (`https://login.example.com`) the client data may name.
    public var origins: Set<String>
    /// The top-level origins that may frame the ceremony cross-origin. Empty, the default,
    /// means cross-origin frames are refused: client data with `crossOrigin: true` or any
    /// `topOrigin` fails.
    public var topOrigins: Set<String>

    public init(id: String, origins: Set<String>, topOrigins: Set<String> = []) {
        self.id = id
        self.origins = origins
        self.topOrigins = topOrigins
    }

    var allowsCrossOrigin: Bool { !topOrigins.isEmpty }

    /// SHA-256 of the RP ID, which authenticator data must start with.
    public var idHash: [UInt8] { Array(SHA256.hash(data: Array(id.utf8))) }
}
