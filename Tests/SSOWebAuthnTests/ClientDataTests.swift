import Foundation
import SSOWebAuthn
import Testing

@Suite("Client data")
struct ClientDataTests {
    static func verify(_ json: [UInt8], type: String = "webauthn.create", relyingParty: RelyingParty = Fixture.relyingParty) throws {
        try CollectedClientData(json: json).verify(type: type, challenge: Fixture.challenge.bytes, relyingParty: relyingParty)
    }

    @Test("the expected type, challenge and an allowed origin pass; unknown members are ignored")
    func accepted() throws {
        try Self.verify(Fixture.clientDataJSON())
        try Self.verify(Fixture.clientDataJSON(origin: "https://example.com", extra: #","crossOrigin":false,"other":[1]"#))
        try Self.verify(Fixture.clientDataJSON(type: "webauthn.get"), type: "webauthn.get")
        let data = try CollectedClientData(json: Fixture.clientDataJSON(extra: #","topOrigin":"https://a.example""#))
        #expect(data.topOrigin == "https://a.example")
        #expect(data.crossOrigin == nil)
    }

    @Test("the other ceremony's type, or any other, is refused")
    func wrongType() {
        #expect(throws: WebAuthnError.wrongType(expected: "webauthn.create", received: "webauthn.get")) {
            try Self.verify(Fixture.clientDataJSON(type: "webauthn.get"))
        }
        #expect(throws: WebAuthnError.wrongType(expected: "webauthn.get", received: "payment.get")) {
            try Self.verify(Fixture.clientDataJSON(type: "payment.get"), type: "webauthn.get")
        }
    }

    @Test("a different challenge, or the same one in another encoding, is refused")
    func wrongChallenge() {
        let other = WebAuthnChallenge(bytes: Array(repeating: 0x2B, count: 32)).base64URL
        let padded = Fixture.challenge.base64URL + "="
        let standard = Fixture.challenge.base64URL.replacingOccurrences(of: "q", with: "+")
        for challenge in [other, padded, standard, "", String(Fixture.challenge.base64URL.dropLast())] {
            #expect(throws: WebAuthnError.challengeMismatch, "\(challenge)") { try Self.verify(Fixture.clientDataJSON(challenge: challenge)) }
        }
    }

    @Test("origins match exactly")
    func wrongOrigin() {
        for origin in ["https://evil.example", "http://login.example.com", "https://login.example.com:443", "https://login.example.com/",
                       "https://LOGIN.example.com", "https://sub.login.example.com"] {
            #expect(throws: WebAuthnError.originNotAllowed(origin)) { try Self.verify(Fixture.clientDataJSON(origin: origin)) }
        }
    }

    @Test("cross-origin frames are refused unless the top origin is allowed")
    func crossOrigin() throws {
        let framed = Fixture.clientDataJSON(extra: #","crossOrigin":true,"topOrigin":"https://shop.example""#)
        #expect(throws: WebAuthnError.crossOriginNotAllowed) { try Self.verify(framed) }
        #expect(throws: WebAuthnError.crossOriginNotAllowed) { try Self.verify(Fixture.clientDataJSON(extra: #","crossOrigin":true"#)) }
        #expect(throws: WebAuthnError.topOriginNotAllowed("https://shop.example")) {
            try Self.verify(Fixture.clientDataJSON(extra: #","topOrigin":"https://shop.example""#))
        }
        let allowing = RelyingParty(id: Fixture.rpID, origins: [Fixture.origin], topOrigins: ["https://shop.example"])
        try Self.verify(framed, relyingParty: allowing)
        #expect(throws: WebAuthnError.topOriginNotAllowed("https://other.example")) {
            try Self.verify(Fixture.clientDataJSON(extra: #","crossOrigin":true,"topOrigin":"https://other.example""#), relyingParty: allowing)
        }
    }

    @Test("JSON that is not client data is an error")
    func malformed() {
        for json in ["", "[]", "{}", #"{"type":"webauthn.create","challenge":"x"}"#, #"{"type":1,"challenge":"x","origin":"o"}"#,
                     #"{"type":"webauthn.create","challenge":"x","origin":"o","crossOrigin":"yes"}"#, "\u{FF}"] {
            #expect(throws: WebAuthnError.malformedClientData("not a JSON object with string type, challenge and origin"), "\(json)") {
                try CollectedClientData(json: Array(json.utf8))
            }
        }
    }
}
