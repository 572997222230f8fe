import Foundation
import SSOCore
import SSOEndpointModel
import Testing

@Suite("The one place an error becomes an answer, by the route's audience")
struct EndpointFailureTests {
    struct Broken: Error {}

    func header(_ response: EndpointResponse, _ name: String) -> String? {
        response.headers.first { $0.0 == name }?.1
    }

    func json(_ response: EndpointResponse) throws -> [String: String] {
        guard case .bytes(let bytes, let type) = response.body else { throw Broken() }
        #expect(type == EndpointResponse.jsonContentType)
        return try JSONDecoder().decode([String: String].self, from: Data(bytes))
    }

    @Test("a client's failed authentication is 401 with a Basic challenge; other client errors keep the token endpoint's status")
    func client() throws {
        let refused = EndpointFailure.response(for: OAuthError.invalidClient("no"), audience: .client, realm: "https://sso.test")
        #expect(refused.status == 401)
        #expect(header(refused, "WWW-Authenticate") == "Basic realm=\"https://sso.test\", charset=\"UTF-8\"")
        #expect(try json(refused) == ["error": "invalid_client", "error_description": "no"])
        #expect(header(refused, "Cache-Control") == "no-store")

        let denied = EndpointFailure.response(for: OAuthError(.accessDenied, "denied"), audience: .client, realm: "r")
        #expect(denied.status == 400)
        #expect(header(denied, "WWW-Authenticate") == nil)
        let json = EndpointFailure.response(for: OAuthError(.accessDenied, "denied"), audience: .json, realm: "r")
        #expect(json.status == 403)
    }

    @Test("resource errors travel in a Bearer challenge naming the scope needed; a missing token gets the realm alone")
    func bearer() throws {
        let scope = EndpointFailure.response(
            for: OAuthError(.insufficientScope, "needs \"accounts\""), audience: .bearer(scope: "accounts"), realm: "r")
        #expect(scope.status == 403)
        #expect(header(scope, "WWW-Authenticate")
            == "Bearer error=\"insufficient_scope\", error_description=\"needs 'accounts'\", scope=\"accounts\"")
        let expired = EndpointFailure.response(for: OAuthError(.invalidToken, "expired"), audience: .bearer(scope: "openid"),
                                               realm: "r")
        #expect(header(expired, "WWW-Authenticate") == "Bearer error=\"invalid_token\", error_description=\"expired\"")
        let missing = EndpointFailure.response(for: MissingBearerToken(), audience: .bearer(scope: "openid"), realm: "https://sso.test")
        #expect(missing.status == 401)
        #expect(header(missing, "WWW-Authenticate") == "Bearer realm=\"https://sso.test\"")
        let broken = EndpointFailure.response(for: Broken(), audience: .bearer(scope: "openid"), realm: "r")
        #expect(broken.status == 500)
        #expect(header(broken, "WWW-Authenticate") == nil)
    }

    @Test("a browser gets the error page: the request's fault in words, the server's failure as a catalog message")
    func browser() throws {
        let fault = EndpointFailure.response(for: OAuthError.invalidRequest("repeated 'scope'"), audience: .browser, realm: "r")
        #expect(fault.status == 400)
        guard case .errorPage(.text("repeated 'scope'")) = fault.body else { throw Broken() }

        let failure = EndpointFailure.response(for: Broken(), audience: .browser, realm: "r")
        #expect(failure.status == 500)
        guard case .errorPage(.key("error_internal", nil)) = failure.body else { throw Broken() }

        let unavailable = EndpointFailure.response(for: StoreUnavailable(reason: "down"), audience: .browser, realm: "r")
        #expect(unavailable.status == 503)
        #expect(header(unavailable, "Retry-After") == "1")
        guard case .errorPage(.key("error_unavailable", nil)) = unavailable.body else { throw Broken() }
    }

    @Test("only failures of the server are logged, with their cause; the answer never carries the debug text")
    func logging() throws {
        #expect(EndpointFailure.isUnexpected(Broken()))
        #expect(!EndpointFailure.isUnexpected(OAuthError.invalidGrant("spent")))
        let wrapped = OAuthError.failure(Broken())
        #expect(EndpointFailure.isUnexpected(wrapped))
        #expect(wrapped.logDescription.contains("Broken"))

        let secret = OAuthError(.invalidGrant, "The refresh token is invalid.", debug: "family f1 revoked at 12:00")
        let answer = EndpointFailure.response(for: secret, audience: .client, realm: "r")
        #expect(try json(answer) == ["error": "invalid_grant", "error_description": "The refresh token is invalid."])
        #expect(secret == OAuthError.invalidGrant("The refresh token is invalid."))
        #expect(secret.logDescription.contains("family f1"))
    }
}
