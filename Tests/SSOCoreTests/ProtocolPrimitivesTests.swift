import Foundation
import SSOCore
import SSOTesting
import Testing

@Suite("Scopes, PKCE, parameters, redirects")
struct ProtocolPrimitivesTests {
    @Test("scope parsing follows RFC 6749 3.3: space-delimited, no quote or backslash, de-duplicated")
    func scopes() {
        #expect(ScopeSet(parsing: "openid  profile openid")?.values == ["openid", "profile"])
        #expect(ScopeSet(parsing: "openid \"x\"") == nil)
        #expect(ScopeSet(parsing: "a\\b") == nil)
        #expect(ScopeSet(parsing: "ordersread trades personal")?.description == "ordersread trades personal")
        let wide = ScopeSet(["openid", "email"])
        #expect(ScopeSet(["openid"]).isSubset(of: wide))
        #expect(ScopeSet(["openid", "admin"]).subtracting(wide) == ["admin"])
    }

    @Test("PKCE S256 matches RFC 7636 appendix B and refuses malformed verifiers")
    func pkce() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        #expect(PKCE.challenge(for: verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCE.verify(verifier: verifier, challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"))
        #expect(!PKCE.verify(verifier: verifier + "x", challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"))
        #expect(!PKCE.isWellFormed("short"))
        #expect(!PKCE.isWellFormed(String(repeating: "a", count: 129)))
        #expect(!PKCE.isWellFormed(String(repeating: "a", count: 42) + "+"))
    }

    @Test("a repeated parameter is invalid_request; an empty one counts as absent")
    func parameters() throws {
        let parameters = RequestParameters([("a", "1"), ("a", "2"), ("b", ""), ("c", "3")])
        #expect(throws: OAuthError.self) { try parameters.value("a") }
        #expect(try parameters.value("b") == nil)
        #expect(try parameters.value("c") == "3")
        #expect(throws: OAuthError.invalidRequest("The 'd' parameter is missing.")) { try parameters.required("d") }
    }

    @Test("redirects keep the registered URI's own query and percent-encode our values")
    func redirects() {
        #expect(RedirectURL.build("https://a.example/cb?x=1", parameters: [("code", "a b&c"), ("state", nil)])
                == "https://a.example/cb?x=1&code=a%20b%26c")
        #expect(RedirectURL.build("https://a.example/cb", parameters: [("code", "z")]) == "https://a.example/cb?code=z")
        #expect(RedirectURL.build("https://a.example/cb?", parameters: [("code", "z")]) == "https://a.example/cb?code=z")
        #expect(RedirectURL.build("https://a.example/cb#f", parameters: [("code", "z")]) == "https://a.example/cb?code=z")
    }

    @Test("each authorization step names where the browser goes, with the interaction id encoded")
    func stepLocations() {
        #expect(AuthorizationStep.redirect("https://a.example/cb?code=1").location == "https://a.example/cb?code=1")
        #expect(AuthorizationStep.login(interactionID: "a+b/c").location == "/login?interaction=a%2Bb%2Fc")
        #expect(AuthorizationStep.consent(interactionID: "x").location == "/consent?interaction=x")
    }

    @Test("OAuth errors carry the status RFC 6749 and RFC 6750 give them")
    func statuses() {
        #expect(OAuthError.invalidClient("x").httpStatus == 401)
        #expect(OAuthError.invalidGrant("x").httpStatus == 400)
        #expect(OAuthError(.invalidToken, "x").httpStatus == 401)
        #expect(OAuthError(.serverError, "x").httpStatus == 500)
    }

    @Test("secret digests compare in constant time and only equal inputs match")
    func digests() {
        let digest = SecretDigest.sha256("token")
        #expect(digest.count == 64)
        #expect(SecretDigest.matches("token", digest: digest))
        #expect(!SecretDigest.matches("tokem", digest: digest))
        #expect(!SecretDigest.constantTimeEquals("abc", "abcd"))
        // FIPS 180-2 test vector.
        #expect(SecretDigest.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("base64url agrees with Foundation's base64 made URL-safe, for every length and byte")
    func base64url() {
        var generator = SeededGenerator(seed: SeededGenerator.runSeed)
        for length in 0..<70 {
            for _ in 0..<20 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let reference = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                    .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
                #expect(Base64URL.encode(bytes) == reference)
                #expect(Base64URL.decode(reference) == Data(bytes))
            }
        }
    }

    @Test("Authorization headers split into a case-insensitive scheme and trimmed credentials")
    func authorizationHeader() throws {
        let bearer = try #require(AuthorizationHeader("bEaRer \t abc.def.ghi \t"))
        #expect(bearer.isScheme("bearer") && !bearer.isScheme("basic") && !bearer.isScheme("bearers"))
        #expect(bearer.scheme == "bEaRer" && bearer.credentials == "abc.def.ghi")
        #expect(AuthorizationHeader("Basic  a b ")?.credentials == "a b")
        #expect(AuthorizationHeader("Bearer ")?.credentials == "")
        #expect(AuthorizationHeader("Bearer") == nil)
        #expect(AuthorizationHeader(" Bearer x") == nil)
        #expect(AuthorizationHeader("Bé x")?.isScheme("bé") == true)
    }

    @Test("media types lose their parameters and case; a bare ';' is an empty type, not a crash")
    func mediaType() {
        #expect(MediaType.of("Application/X-WWW-Form-Urlencoded ; charset=UTF-8") == "application/x-www-form-urlencoded")
        #expect(MediaType.of("application/json") == "application/json")
        #expect(MediaType.of(";") == "")
        #expect(MediaType.of("") == "")
    }

    @Test("stored scope lists split on spaces only, keep order and drop repeats and empties")
    func storedScopes() {
        #expect(ScopeSet(stored: "openid  profile openid é") .values == ["openid", "profile", "é"])
        #expect(ScopeSet(stored: "").isEmpty)
        #expect(ScopeSet.words(" a b ") == ["a", "b"])
    }

    @Test("random tokens carry 256 bits and do not repeat")
    func randomTokens() {
        let random = SystemSecureRandom()
        let tokens = Set((0..<1000).map { _ in random.token() })
        #expect(tokens.count == 1000)
        #expect(tokens.allSatisfy { Base64URL.decode($0)?.count == 32 })
        #expect(Set([5, 8, 13, 64].map { random.bytes($0).count }) == [5, 8, 13, 64])
    }

    @Test("a failure that is not the request's fault: 503 with Retry-After when the store is away, 500 otherwise")
    func failures() {
        let away = OAuthError.failure(StoreUnavailable(reason: "connection refused"))
        #expect(away.code == .temporarilyUnavailable && away.httpStatus == 503 && away.retryAfter == 1)
        #expect(!away.description.contains("connection refused"), "the driver's reason stays in the log")
        struct Broken: Error {}
        let broken = OAuthError.failure(Broken(), "The device authorization could not start.")
        #expect(broken.code == .serverError && broken.httpStatus == 500 && broken.retryAfter == nil)
        #expect(broken.description == "The device authorization could not start.")
        struct Driver: TransientStoreFailure { var isTransient: Bool }
        #expect(OAuthError.failure(Driver(isTransient: true)).httpStatus == 503)
        #expect(OAuthError.failure(Driver(isTransient: false)).httpStatus == 500)
    }
}

struct StubGrant: Grant {
    let grantType: GrantType
    func authorize(_ request: TokenRequest) async throws -> GrantOutcome {
        .issue(AuthorizedGrant(grantID: nil, clientID: request.client.id, userID: nil, scopes: ScopeSet([]), authTime: nil,
                               issueRefreshToken: false))
    }
}

@Suite("The grant registry")
struct GrantRegistryTests {
    @Test("two modules claiming one grant_type is a start-up error")
    func duplicate() {
        #expect(throws: DuplicateGrantTypeError.self) {
            try GrantRegistry([StubGrant(grantType: "x"), StubGrant(grantType: "x")])
        }
    }

    @Test("dispatch is by grant_type; unknown types find nothing")
    func lookup() throws {
        let registry = try GrantRegistry([StubGrant(grantType: "b"), StubGrant(grantType: "a")])
        #expect(registry.grant(for: "a")?.grantType == "a")
        #expect(registry.grant(for: "c") == nil)
        #expect(registry.grantTypes == ["a", "b"])
    }
}
