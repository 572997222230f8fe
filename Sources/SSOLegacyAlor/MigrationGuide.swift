import Foundation
import SSOCore
import SSOEndpointModel

/// `/docs/migration`: what each legacy endpoint does now and what replaces it. The
/// `Link` header of every legacy response points here.
enum MigrationGuide {
    static let rows: [(String, String, String)] = [
        ("GET /auth/actions/2factor/?login=L", "Answers {\"twoFactorRequired\": bool}; unknown logins answer false; 30 requests a minute per address.",
         "Nothing: the login page asks for the code itself."),
        ("POST /auth/actions/login", "Checks password and twoFactorPin, opens the SSO session (cookie), answers {jwt, refreshToken, expiresIn, tokenType, idToken}.",
         "GET /authorize, then POST /token (authorization_code with PKCE)."),
        ("POST /devapi/v1/oauth/code?interaction=ID", "Grants the listed scopes to the pending /authorize request ID; answers {redirectUrl, code, state}.",
         "The consent page of /authorize."),
        ("POST /sso-auth/client", "Opens the SSO session for a registered public client and returns {refreshToken, jwt, expiresIn, redirectUrl}.",
         "GET /authorize, then POST /token."),
        ("POST /auth/actions/refresh", "Rotates {\"refreshToken\"}: answers {jwt, refreshToken, expiresIn}; reuse revokes the family.",
         "POST /token with grant_type=refresh_token."),
        ("GET /login?url=URL", "The login page; returns to URL (registered for the legacy client) after sign-in.",
         "GET /authorize."),
    ]

    static func page() -> EndpointResponse {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        let body = rows.map { "<tr><td><code>\(escape($0.0))</code></td><td>\(escape($0.1))</td><td>\(escape($0.2))</td></tr>" }
            .joined(separator: "\n")
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Migrating from the legacy endpoints</title>
            <link rel="stylesheet" href="/static/style.css"></head><body><main class="card wide">
            <h1>Migrating from the legacy login endpoints</h1>
            <p>These endpoints keep working as adapters over the standard OAuth 2.0 / OpenID Connect flow; each
            answer carries a <code>Deprecation</code> header. Move to the standard flow described at
            <a href="/.well-known/openid-configuration">/.well-known/openid-configuration</a>.</p>
            <table><tr><th>Legacy endpoint</th><th>What it does now</th><th>Replaced by</th></tr>
            \(body)
            </table></main></body></html>
            """
        return EndpointResponse(status: 200, headers: [("Cache-Control", "public, max-age=3600")],
                                body: .data(Data(html.utf8), contentType: "text/html; charset=utf-8"))
    }
}
