import SSOCore

/// A ceremony's challenge: 32 bytes from the system CSPRNG, sent base64url to the browser.
///
/// The server must keep the challenge it issued (bound to the session that asked for it),
/// hand it to the verifier, and then discard it whatever the outcome: a challenge is good for
/// one ceremony only, and this module cannot know whether it was used before.
public struct WebAuthnChallenge: Sendable, Hashable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// A fresh challenge of 32 random bytes.
    public static func generate(random: any SecureRandom = SystemSecureRandom()) -> WebAuthnChallenge {
        WebAuthnChallenge(bytes: random.bytes(32))
    }

    /// The challenge base64url-encoded without padding, as `PublicKeyCredentialCreationOptions`
    /// and `...RequestOptions` carry it in JSON.
    public var base64URL: String { Self.encode(bytes) }

    static func encode(_ bytes: [UInt8]) -> String { Base64URL.encode(bytes) }
}
