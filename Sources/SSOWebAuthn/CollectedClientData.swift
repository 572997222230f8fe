import Foundation

/// The client data a browser collected and the authenticator signed over (clientDataJSON,
/// WebAuthn Level 3 section 5.8.1): the ceremony's type, the challenge, the caller's origin and
/// where it was framed. Members other than these are ignored, as the specification asks.
public struct CollectedClientData: Sendable, Decodable {
    /// `webauthn.create` for a registration, `webauthn.get` for an assertion.
    public let type: String
    /// The challenge, base64url without padding, as the browser received it.
    public let challenge: String
    /// The origin of the page that called the API.
    public let origin: String
    /// Whether the caller was in a frame not same-origin with all its ancestors.
    public let crossOrigin: Bool?
    /// The top-level origin, present when the caller was framed cross-origin.
    public let topOrigin: String?

    public static let registrationType = "webauthn.create"
    public static let assertionType = "webauthn.get"

    /// The client data encoded as `json`, a UTF-8 JSON object.
    public init(json: [UInt8]) throws(WebAuthnError) {
        do {
            self = try JSONDecoder().decode(CollectedClientData.self, from: Data(json))
        } catch {
            throw .malformedClientData("not a JSON object with string type, challenge and origin")
        }
    }

    /// Checks type, challenge and origin against what this ceremony expects (registration
    /// steps 7–10, assertion steps 11–14). The challenge is compared in constant time with
    /// the base64url encoding of `challenge`.
    public func verify(type expectedType: String, challenge expected: [UInt8], relyingParty: RelyingParty) throws(WebAuthnError) {
        guard type == expectedType else { throw .wrongType(expected: expectedType, received: type) }
        guard ConstantTime.equal(Array(challenge.utf8), Array(WebAuthnChallenge.encode(expected).utf8)) else {
            throw .challengeMismatch
        }
        guard relyingParty.origins.contains(origin) else { throw .originNotAllowed(origin) }
        if crossOrigin == true && !relyingParty.allowsCrossOrigin { throw .crossOriginNotAllowed }
        if let topOrigin {
            guard relyingParty.allowsCrossOrigin && relyingParty.topOrigins.contains(topOrigin) else {
                throw .topOriginNotAllowed(topOrigin)
            }
        }
    }
}
