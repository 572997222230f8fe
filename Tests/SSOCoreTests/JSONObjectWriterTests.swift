import Foundation
import SSOCore
import Testing

/// The hand-written JWT payloads say exactly what `JSONEncoder` said: the same members and
/// values, escapes included, and they decode back to the same claims.
@Suite("JSON payloads without JSONEncoder")
struct JSONObjectWriterTests {
    static let awkward = "quote \" backslash \\ slash / tab \t newline \n bell \u{07} del \u{7F} кириллица 🙂"

    func sameJSON(_ written: [UInt8], _ encoded: Data) throws -> Bool {
        let mine = try JSONSerialization.jsonObject(with: Data(written)) as? NSDictionary
        let theirs = try JSONSerialization.jsonObject(with: encoded) as? NSDictionary
        return mine != nil && mine == theirs
    }

    @Test("access token claims, with every optional and with none")
    func accessToken() throws {
        let full = AccessTokenClaims(
            iss: "https://sso.example", sub: Self.awkward, aud: "https://api.example/x", exp: 1_800_003_600,
            iat: 1_800_000_000, jti: "j-1", clientID: "app\"1", scope: "openid profile", authTime: 1_799_999_000,
            sid: "s-1", grantID: "g-1", roles: ["admin", Self.awkward])
        let bare = AccessTokenClaims(
            iss: "i", sub: "s", aud: "a", exp: 2, iat: -1, jti: "j", clientID: "c", scope: "", authTime: nil, sid: nil,
            grantID: nil, roles: nil)
        for claims in [full, bare] {
            #expect(try sameJSON(claims.jsonObject, JSONEncoder().encode(claims)))
            #expect(try JSONDecoder().decode(AccessTokenClaims.self, from: Data(claims.jsonObject)) == claims)
        }
        let text = String(decoding: bare.jsonObject, as: UTF8.self)
        #expect(text == #"{"aud":"a","client_id":"c","exp":2,"iat":-1,"iss":"i","jti":"j","scope":"","sub":"s"}"#)
    }

    @Test("ID token claims with the user's claims merged in, and without them")
    func idToken() throws {
        let user = User(id: "u-1", login: Self.awkward, passwordHash: nil, email: "a@b.example", emailVerified: true, name: "Алиса \"A\"",
                        createdAt: Date())
        let full = IDTokenClaims(
            iss: "https://sso.example", sub: "u-1", aud: "app", exp: 10, iat: 5, authTime: 4, nonce: Self.awkward,
            atHash: "h", azp: "app", sid: "s", amr: ["pwd", "otp"], idp: "yandex",
            user: UserClaims(user: user, scopes: ScopeSet(["openid", "profile", "email"])))
        let bare = IDTokenClaims(iss: "i", sub: "s", aud: "a", exp: 1, iat: 0, authTime: nil, nonce: nil, atHash: nil,
                                 azp: nil, sid: nil, amr: nil, user: nil)
        for claims in [full, bare] {
            #expect(try sameJSON(claims.jsonObject, JSONEncoder().encode(claims)))
            // Decoding always reads the user's claims (at least `sub`), so compare with the encoder's round trip.
            #expect(try JSONDecoder().decode(IDTokenClaims.self, from: Data(claims.jsonObject))
                == JSONDecoder().decode(IDTokenClaims.self, from: JSONEncoder().encode(claims)))
        }
    }

    @Test("token responses, with and without the optional tokens")
    func tokenResponse() throws {
        for response in [
            TokenResponse(accessToken: "a.b.c", expiresIn: 3600, refreshToken: "r/1", scope: "openid profile", idToken: "i.d.t"),
            TokenResponse(accessToken: Self.awkward, expiresIn: 0, refreshToken: nil, scope: "", idToken: nil),
        ] {
            #expect(try sameJSON(response.jsonObject, JSONEncoder().encode(response)))
            #expect(try JSONDecoder().decode(TokenResponse.self, from: Data(response.jsonObject)) == response)
        }
    }

    @Test("logout token claims, with the back-channel logout event and with more events")
    func logoutToken() throws {
        var several = LogoutTokenClaims(iss: "https://sso.example", sub: Self.awkward, aud: "app\"1", iat: 5, exp: 125,
                                        jti: "j-1", sid: "s-1")
        several.events["https://example.com/z"] = ["b": Self.awkward, "a": "1"]
        for claims in [LogoutTokenClaims(iss: "i", sub: "s", aud: "a", iat: 0, exp: 1, jti: "j", sid: "s"), several] {
            #expect(try sameJSON(claims.jsonObject, JSONEncoder().encode(claims)))
            #expect(try JSONDecoder().decode(LogoutTokenClaims.self, from: Data(claims.jsonObject)) == claims)
        }
        let text = String(decoding: LogoutTokenClaims(iss: "i", sub: "s", aud: "a", iat: 0, exp: 1, jti: "j", sid: "s").jsonObject,
                          as: UTF8.self)
        #expect(text == #"{"aud":"a","events":{"http://schemas.openid.net/event/backchannel-logout":{}},"exp":1,"iat":0,"iss":"i","jti":"j","sid":"s","sub":"s"}"#)
    }

    @Test("UserInfo claims, with every scope's claims and with only sub")
    func userInfo() throws {
        let user = User(id: "u-1", login: Self.awkward, passwordHash: nil, email: "a@b.example", emailVerified: false,
                        name: "Алиса \"A\"", createdAt: Date())
        for claims in [UserClaims(user: user, scopes: ScopeSet(["openid", "profile", "email"])),
                       UserClaims(user: user, scopes: ScopeSet(["openid"]))] {
            #expect(try sameJSON(claims.jsonObject, JSONEncoder().encode(claims)))
            #expect(try JSONDecoder().decode(UserClaims.self, from: Data(claims.jsonObject)) == claims)
        }
    }

    @Test("introspection answers, active with every member and inactive")
    func introspection() throws {
        for response in [
            IntrospectionResponse(active: true, scope: "openid", clientID: Self.awkward, username: "алиса", tokenType: "Bearer",
                                  exp: 20, iat: 10, sub: "u-1", aud: "app", iss: "https://sso.example/", jti: "j"),
            IntrospectionResponse.inactive,
        ] {
            #expect(try sameJSON(response.jsonObject, JSONEncoder().encode(response)))
        }
        #expect(String(decoding: IntrospectionResponse.inactive.jsonObject, as: UTF8.self) == #"{"active":false}"#)
    }

    @Test("every control character is escaped")
    func controls() throws {
        var writer = JSONObjectWriter()
        let all = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self)
        writer.add("k", all)
        let parsed = try JSONSerialization.jsonObject(with: Data(writer.finish())) as? [String: String]
        #expect(parsed == ["k": all])
        #expect(!writer.finish().contains { $0 < 0x20 })
    }

    @Test("strings outside an object and members holding JSON written elsewhere")
    func nested() {
        #expect(JSONObjectWriter.string("a\"b\\c\u{1}") == Array(#""a\"b\\c\u0001""#.utf8))
        var inner = JSONObjectWriter()
        inner.add("x", 1)
        var outer = JSONObjectWriter()
        outer.add("inner", json: inner.finish())
        outer.add("list", json: Array("[true]".utf8))
        #expect(String(decoding: outer.finish(), as: UTF8.self) == #"{"inner":{"x":1},"list":[true]}"#)
    }
}
