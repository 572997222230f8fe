"""Writes Resources/openapi.json, the OpenAPI 3.1 description of every JSON endpoint that the
server serves at /openapi.json. Edit the description here, run `python3 Scripts/openapi.py`,
and commit both; `--check` exits non-zero when the committed file differs. The description is
kept true by Tests/interop/test_openapi.py (live answers against it, and schemathesis)."""
import json
import sys
from pathlib import Path

def ref(name): return {"$ref": f"#/components/schemas/{name}"}
def jsonc(schema): return {"application/json": {"schema": schema}}
def resp(desc, schema=None, headers=None):
    r = {"description": desc}
    if schema is not None: r["content"] = jsonc(schema)
    if headers: r["headers"] = headers
    return r
oauth_error = resp("An RFC 6749 error", ref("OAuthError"))
bearer_error = resp("RFC 6750: a missing, invalid or expired access token", ref("OAuthError"),
                    {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer challenge"}})
form = lambda schema: {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": schema}}}
jsonbody = lambda schema: {"required": True, "content": {"application/json": {"schema": schema}}}
basic = [{"clientSecretBasic": []}, {"clientSecretPost": []}, {}]
string = {"type": "string"}
required_string = {"type": "string", "minLength": 1}
paths = {}

discovery = {"get": {"summary": "OpenID Connect Discovery 1.0 / RFC 8414 metadata", "tags": ["discovery"],
             "responses": {"200": resp("The server's metadata", ref("Discovery"))}}}
paths["/.well-known/openid-configuration"] = discovery
paths["/.well-known/oauth-authorization-server"] = json.loads(json.dumps(discovery))
paths["/jwks"] = {"get": {"summary": "Public signing keys (RFC 7517)", "tags": ["discovery"],
                  "responses": {"200": {"description": "The key set",
                                        "content": {"application/jwk-set+json": {"schema": ref("JWKSet")}}}}}}
token_op = lambda: {"post": {"summary": "Token endpoint (RFC 6749 section 3.2)", "tags": ["oauth"], "security": basic,
    "requestBody": form(ref("TokenRequest")),
    "responses": {"200": resp("Tokens", ref("TokenResponse")), "400": oauth_error,
                  "401": resp("invalid_client with Basic credentials", ref("OAuthError")),
                  "429": resp("Too many failures from this address or for this client", ref("OAuthError"))}}}
for p in ["/token", "/oauth/token", "/connect/token"]: paths[p] = token_op()
userinfo_op = lambda: {
    "get": {"summary": "OpenID Connect UserInfo", "tags": ["oidc"], "security": [{"bearer": []}],
            "responses": {"200": resp("The user's claims for the token's scopes", ref("UserInfo")),
                          "400": bearer_error, "401": bearer_error}},
    "post": {"summary": "OpenID Connect UserInfo (token in the form)", "tags": ["oidc"], "security": [{"bearer": []}, {}],
             "requestBody": {"required": False, "content": {"application/x-www-form-urlencoded": {"schema": {
                 "type": "object", "properties": {"access_token": string}}}}},
             "responses": {"200": resp("The user's claims for the token's scopes", ref("UserInfo")),
                           "400": bearer_error, "401": bearer_error}}}
for p in ["/userinfo", "/connect/userinfo"]: paths[p] = userinfo_op()
for p in ["/auth", "/profile"]:
    paths[p] = {"get": {"summary": "The partner profile: the user and their trading accounts, for a token granted the accounts scope", "tags": ["partners"],
                        "security": [{"bearer": []}],
                        "responses": {"200": resp("The profile", ref("Profile")), "400": bearer_error, "401": bearer_error,
                                      "403": resp("insufficient_scope: the token was not granted the accounts scope",
                                                  ref("OAuthError"), {"WWW-Authenticate": {"schema": {"type": "string"}}})}}}
intro = lambda: {"post": {"summary": "Token introspection (RFC 7662), for confidential clients", "tags": ["oauth"],
    "security": basic[:2], "requestBody": form({"type": "object", "required": ["token"], "properties": {
        "token": string, "token_type_hint": {"type": "string", "enum": ["access_token", "refresh_token"]}}}),
    "responses": {"200": resp("Whether the token is active, and its facts", ref("Introspection")),
                  "400": oauth_error, "401": resp("invalid_client", ref("OAuthError")),
                  "429": resp("Too many failures", ref("OAuthError"))}}}
for p in ["/introspect", "/connect/introspect"]: paths[p] = intro()
revoke = lambda: {"post": {"summary": "Token revocation (RFC 7009); revoking a token ends its grant", "tags": ["oauth"],
    "security": basic, "requestBody": form({"type": "object", "required": ["token"], "properties": {
        "token": string, "token_type_hint": {"type": "string", "enum": ["access_token", "refresh_token"]},
        "client_id": string}}),
    "responses": {"200": {"description": "Revoked, or the token was unknown (RFC 7009 section 2.2)"},
                  "400": oauth_error, "401": resp("invalid_client", ref("OAuthError")),
                  "429": resp("Too many failures", ref("OAuthError"))}}}
for p in ["/revoke", "/connect/revocation"]: paths[p] = revoke()
paths["/device_authorization"] = {"post": {"summary": "Device authorization (RFC 8628 section 3.1): a device code, a user "
    "code and the verification page; the device then polls /token", "tags": ["oauth"], "security": basic,
    "requestBody": form({"type": "object", "properties": {"client_id": string, "client_secret": string, "scope": string}}),
    "responses": {"200": resp("The codes and where the user enters the user code", ref("DeviceAuthorization")),
                  "400": oauth_error, "401": resp("invalid_client", ref("OAuthError")),
                  "429": resp("Too many failures from this address or for this client", ref("OAuthError"))}}}
paths["/healthz"] = {"get": {"summary": "Liveness", "tags": ["operations"], "responses": {"200": resp("Alive", ref("Health"))}}}
paths["/readyz"] = {"get": {"summary": "Readiness: the database answers and signing keys are loaded", "tags": ["operations"],
    "responses": {"200": resp("Ready", ref("Health")), "503": resp("Not ready; the failing check is named", ref("Health"))}}}
paths["/openapi.json"] = {"get": {"summary": "This description", "tags": ["operations"],
    "responses": {"200": resp("OpenAPI 3.1", {"type": "object"})}}}
# The broker's old login endpoints
legacy_error = resp("An error: {error, error_description}", ref("OAuthError"))
paths["/auth/actions/2factor"] = {"get": {"summary": "Legacy: whether an account wants a TOTP code (deprecated)", "tags": ["legacy"],
    "deprecated": True, "parameters": [{"name": "login", "in": "query", "required": True, "schema": required_string}],
    "responses": {"200": resp("The answer", ref("TwoFactorAnswer")), "400": legacy_error,
                  "429": resp("Too many probes from this address", ref("OAuthError"))}}}
legacy_login_responses = {"200": resp("The session's tokens", ref("LegacyTokens")), "400": legacy_error,
                          "401": resp("Wrong credentials or TOTP code", ref("OAuthError")),
                          "429": resp("The account or address is locked", ref("OAuthError"))}
paths["/auth/actions/login"] = {"post": {"summary": "Legacy: the developer site's login (deprecated)", "tags": ["legacy"],
    "deprecated": True, "requestBody": jsonbody(ref("LegacyLogin")), "responses": legacy_login_responses}}
paths["/sso-auth/client"] = {"post": {"summary": "Legacy: the personal cabinet's login (deprecated)", "tags": ["legacy"],
    "deprecated": True, "requestBody": jsonbody(ref("CabinetLogin")),
    "responses": {**legacy_login_responses, "200": resp("The session's tokens and where to go", ref("LegacyTokens"))}}}
paths["/auth/actions/refresh"] = {"post": {"summary": "Legacy: refresh (deprecated; use /token)", "tags": ["legacy"],
    "deprecated": True, "requestBody": jsonbody({"type": "object", "required": ["refreshToken"],
                                                 "properties": {"refreshToken": string}}),
    "responses": {"200": resp("New tokens", ref("LegacyTokens")), "400": legacy_error,
                  "401": resp("The refresh token is not valid", ref("OAuthError")),
                  "429": resp("Too many failures", ref("OAuthError"))}}}
paths["/devapi/v1/oauth/code"] = {"post": {"summary": "Legacy: the consent call of developer apps (deprecated)", "tags": ["legacy"],
    "deprecated": True, "parameters": [{"name": "interaction", "in": "query", "required": False, "schema": string}],
    "requestBody": jsonbody({"type": "array", "minItems": 1, "uniqueItems": True, "items": {"type": "string", "pattern": "^[!#-\\[\\]-~]+$"}}),
    "responses": {"200": resp("The code and where to send it", ref("DevCode")), "400": legacy_error,
                  "401": resp("Not signed in", ref("OAuthError"))}}}
# The federation JSON API: the client authenticates as at the token endpoint (a public client
# sends client_id and binds PKCE) and must have federation_api switched on.
federation_401 = resp("invalid_client, with a Basic challenge", ref("OAuthError"))
paths["/api/v1/oauth/authorize-url"] = {"post": {"summary": "Federation API: the upstream provider's authorization URL", "tags": ["federation"],
    "security": basic,
    "requestBody": form({"type": "object", "required": ["provider", "client_redirect_url"], "properties": {
        "provider": required_string, "client_redirect_url": required_string, "scope": string,
        "client_id": string, "client_secret": string,
        "code_challenge": {"type": "string", "description": "PKCE S256 challenge; required of public clients"},
        "code_challenge_method": {"type": "string", "enum": ["S256"]}}}),
    "responses": {"200": resp("A state and the URL", ref("AuthorizeURL")), "400": legacy_error, "401": federation_401,
                  "429": resp("Too many failed federation calls from this address", ref("OAuthError"))}}}
paths["/api/v1/oauth/authorize"] = {"post": {"summary": "Federation API: exchange the provider's code for our tokens", "tags": ["federation"],
    "security": basic,
    "requestBody": form({"type": "object", "required": ["provider", "state", "code"], "properties": {
        "provider": required_string, "state": required_string, "code": required_string, "device_id": string,
        "client_id": string, "client_secret": string,
        "code_verifier": {"type": "string", "description": "PKCE verifier, when the first call bound a challenge"}}}),
    "responses": {"200": resp("Tokens", ref("FederationTokens")), "400": legacy_error, "401": federation_401,
                  "429": resp("Too many failed federation calls from this address", ref("OAuthError")),
                  "502": resp("The upstream provider failed", ref("OAuthError")),
                  "504": resp("The upstream provider did not answer in time", ref("OAuthError"))}}}

# Passkeys: JSON calls of the server's own pages, authorized by the browser's session cookie and
# the page's CSRF token (the binding cookie) in the body.
session_cookie = [{"sessionCookie": []}]
passkey_call = lambda required: jsonbody({"type": "object", "required": required, "properties": {
    "csrf": {"type": "string", "description": "The page's CSRF token: the value of the browser's sso_csrf cookie"},
    "interaction": string, "name": {"type": "string", "maxLength": 64},
    "credential": {"$ref": "#/components/schemas/PasskeyCredential"}}})
signin_required = resp("Not signed in, or the CSRF token is not this browser's", {"$ref": "#/components/schemas/OAuthError"})
passkey_400 = resp("The body is not a passkey call, or the credential was refused", {"$ref": "#/components/schemas/OAuthError"})
paths["/passkeys"] = {"get": {"summary": "The signed-in user's passkeys", "tags": ["passkeys"], "security": session_cookie,
    "responses": {"200": resp("The passkeys, without key material", {"type": "object", "required": ["passkeys"],
                                                                     "properties": {"passkeys": {"type": "array", "items": {"$ref": "#/components/schemas/PasskeySummary"}}}}),
                  "401": signin_required}}}
paths["/passkeys/register/options"] = {"post": {"summary": "Options for navigator.credentials.create(): a single-use challenge",
    "tags": ["passkeys"], "security": session_cookie, "requestBody": passkey_call(["csrf"]),
    "responses": {"200": resp("PublicKeyCredentialCreationOptionsJSON", {"$ref": "#/components/schemas/PasskeyCreationOptions"}),
                  "400": passkey_400, "401": signin_required,
                  "403": resp("The last sign-in is not recent: sign in again first", {"$ref": "#/components/schemas/OAuthError"})}}}
paths["/passkeys/register"] = {"post": {"summary": "Registers the new credential (none or packed attestation)",
    "tags": ["passkeys"], "security": session_cookie, "requestBody": passkey_call(["csrf", "credential"]),
    "responses": {"201": resp("The passkey", {"$ref": "#/components/schemas/PasskeySummary"}),
                  "400": passkey_400, "401": signin_required,
                  "403": resp("The last sign-in is not recent: sign in again first", {"$ref": "#/components/schemas/OAuthError"})}}}
for action, member in [("rename", "renamed"), ("remove", "removed")]:
    paths[f"/passkeys/{{id}}/{action}"] = {"post": {"summary": f"The user's own passkey {action}d", "tags": ["passkeys"],
        "security": session_cookie, "parameters": [{"name": "id", "in": "path", "required": True, "schema": string}],
        "requestBody": passkey_call(["csrf"]),
        "responses": {"200": resp("Done", {"type": "object", "required": [member], "additionalProperties": False,
                                           "properties": {member: {"type": "boolean"}}}),
                      "400": passkey_400, "401": signin_required,
                      "404": resp("No such passkey of this user", {"$ref": "#/components/schemas/OAuthError"})}}}
paths["/login/passkey/options"] = {"post": {"summary": "Options for navigator.credentials.get() on the login page",
    "tags": ["passkeys"], "requestBody": passkey_call(["csrf", "interaction"]),
    "responses": {"200": resp("PublicKeyCredentialRequestOptionsJSON", {"$ref": "#/components/schemas/PasskeyRequestOptions"}),
                  "400": resp("The body is not a passkey call, or the interaction expired or belongs to another browser",
                              {"$ref": "#/components/schemas/OAuthError"})}}}
paths["/login/passkey"] = {"post": {"summary": "Signs in with a passkey: the login page's interaction continues",
    "tags": ["passkeys"], "requestBody": passkey_call(["csrf", "interaction", "credential"]),
    "responses": {"200": resp("Signed in (the session cookie is set): where the browser goes next",
                              {"type": "object", "required": ["location"], "additionalProperties": False,
                               "properties": {"location": string}}),
                  "400": passkey_400,
                  "403": resp("The passkey was not accepted", {"$ref": "#/components/schemas/OAuthError"}),
                  "429": resp("Too many refused sign-ins from this address", {"$ref": "#/components/schemas/OAuthError"})}}}

S = {}
S["OAuthError"] = {"type": "object", "required": ["error"], "properties": {
    "error": string, "error_description": string}}
S["TokenRequest"] = {"type": "object", "required": ["grant_type"], "properties": {
    "grant_type": {"type": "string", "minLength": 1, "examples": [
        "authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code"]},
    "code": string, "device_code": string, "redirect_uri": string, "code_verifier": string, "refresh_token": string, "scope": string,
    "client_id": string, "client_secret": string}}
S["TokenResponse"] = {"type": "object", "required": ["access_token", "token_type", "expires_in", "scope"],
    "additionalProperties": False, "properties": {
    "access_token": string, "token_type": {"const": "Bearer"}, "expires_in": {"type": "integer", "minimum": 1},
    "refresh_token": string, "scope": string, "id_token": string}}
S["DeviceAuthorization"] = {"type": "object", "additionalProperties": False,
    "required": ["device_code", "user_code", "verification_uri", "verification_uri_complete", "expires_in", "interval"],
    "properties": {"device_code": string, "user_code": {"type": "string", "pattern": "^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$"},
        "verification_uri": string, "verification_uri_complete": string, "expires_in": {"type": "integer", "minimum": 1},
        "interval": {"type": "integer", "minimum": 1}}}
S["UserInfo"] = {"type": "object", "required": ["sub"], "properties": {
    "sub": string, "name": string, "preferred_username": string, "email": string, "email_verified": {"type": "boolean"}}}
S["Profile"] = {"type": "object", "required": ["id", "login", "accounts", "application"], "additionalProperties": False,
    "properties": {"id": string, "login": string, "email": string, "domestic": {"type": "boolean"},
        "accounts": {"type": "array", "items": {"type": "object", "required": ["account_number", "trade_platform"],
            "additionalProperties": False, "properties": {"account_number": string, "trade_platform": string}}},
        "application": {"type": "object", "additionalProperties": False, "properties": {"status": string}}}}
S["Introspection"] = {"type": "object", "required": ["active"], "additionalProperties": False, "properties": {
    "active": {"type": "boolean"}, "scope": string, "client_id": string, "username": string, "token_type": string,
    "exp": {"type": "integer"}, "iat": {"type": "integer"}, "sub": string, "aud": string, "iss": string, "jti": string,
    # The sign-in behind an access token (RFC 9470 section 6).
    "acr": string, "amr": {"type": "array", "items": string}, "auth_time": {"type": "integer"}}}
S["Health"] = {"type": "object", "required": ["status"], "additionalProperties": False, "properties": {
    "status": {"type": "string", "enum": ["ok", "ready", "unavailable"]},
    "checks": {"type": "object", "additionalProperties": string}}}
S["Discovery"] = {"type": "object", "required": ["issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
    "response_types_supported", "grant_types_supported"], "properties": {
    "issuer": string, "authorization_endpoint": string, "token_endpoint": string, "userinfo_endpoint": string,
    "jwks_uri": string, "end_session_endpoint": string, "introspection_endpoint": string, "revocation_endpoint": string,
    "device_authorization_endpoint": string, "scopes_supported": {"type": "array", "items": string}, "response_types_supported": {"type": "array", "items": string},
    "grant_types_supported": {"type": "array", "items": string},
    "code_challenge_methods_supported": {"type": "array", "items": string}}}
S["JWKSet"] = {"type": "object", "required": ["keys"], "properties": {"keys": {"type": "array", "items": {
    "type": "object", "required": ["kty", "kid", "alg", "use"], "properties": {
        "kty": {"type": "string", "enum": ["EC", "RSA", "OKP"]}, "kid": string, "alg": string, "use": {"const": "sig"},
        "crv": string, "x": string, "y": string, "n": string, "e": string}}}}}
S["TwoFactorAnswer"] = {"type": "object", "required": ["twoFactorRequired"], "additionalProperties": False,
    "properties": {"twoFactorRequired": {"type": "boolean"}}}
creds = {"type": "object", "required": ["login", "password"], "properties": {
    "login": required_string, "password": required_string, "twoFactorPin": {"type": ["string", "integer", "null"]}}}
S["LegacyLogin"] = {"type": "object", "required": ["credentials"], "properties": {
    "credentials": creds, "requiredServices": {"type": "array", "items": string}}}
S["CabinetLogin"] = {"type": "object", "required": ["credentials", "client_id", "redirect_url"], "properties": {
    "credentials": creds, "client_id": string, "redirect_url": string}}
S["LegacyTokens"] = {"type": "object", "required": ["jwt", "expiresIn", "tokenType"], "additionalProperties": False,
    "properties": {"jwt": string, "refreshToken": string, "expiresIn": {"type": "integer"}, "tokenType": {"const": "Bearer"},
                   "idToken": string, "redirectUrl": string}}
S["DevCode"] = {"type": "object", "required": ["redirectUrl", "code"], "additionalProperties": False,
    "properties": {"redirectUrl": string, "code": string, "state": string}}
S["AuthorizeURL"] = {"type": "object", "required": ["state", "authorize_url"], "additionalProperties": False,
    "properties": {"state": string, "authorize_url": string}}
S["FederationTokens"] = {"type": "object", "required": ["access_token", "token_type", "expires_in", "scope"],
    "additionalProperties": False, "properties": {"access_token": string, "refresh_token": string, "token_type": string,
                                                  "expires_in": {"type": "integer"}, "scope": string}}

b64url = {"type": "string", "pattern": "^[A-Za-z0-9_-]*$"}
S["PasskeyCredential"] = {"type": "object", "required": ["id", "type", "response"], "properties": {
    "id": b64url, "rawId": b64url, "type": {"type": "string", "enum": ["public-key"]},
    "response": {"type": "object", "required": ["clientDataJSON"], "properties": {
        "clientDataJSON": b64url, "attestationObject": b64url, "transports": {"type": "array", "items": string},
        "authenticatorData": b64url, "signature": b64url, "userHandle": b64url}}}}
S["PasskeySummary"] = {"type": "object", "required": ["id", "name", "synced", "createdAt"], "additionalProperties": False,
    "properties": {"id": string, "name": string, "synced": {"type": "boolean"}, "createdAt": {"type": "integer"},
                   "lastUsedAt": {"type": "integer"}}}
descriptor = {"type": "object", "required": ["type", "id"], "properties": {
    "type": string, "id": b64url, "transports": {"type": "array", "items": string}}}
S["PasskeyCreationOptions"] = {"type": "object", "required": ["rp", "user", "challenge", "pubKeyCredParams"], "properties": {
    "rp": {"type": "object", "required": ["name"]}, "user": {"type": "object", "required": ["id", "name"]},
    "challenge": b64url, "pubKeyCredParams": {"type": "array", "items": {"type": "object", "required": ["type", "alg"]}},
    "timeout": {"type": "integer"}, "excludeCredentials": {"type": "array", "items": descriptor},
    "authenticatorSelection": {"type": "object"}, "attestation": string}}
S["PasskeyRequestOptions"] = {"type": "object", "required": ["challenge", "rpId"], "properties": {
    "challenge": b64url, "rpId": string, "timeout": {"type": "integer"}, "userVerification": string,
    "allowCredentials": {"type": "array", "items": descriptor}}}

# No "servers": the server splices in its own issuer when it loads this file.
doc = {"openapi": "3.1.0",
       "info": {"title": "UnifiedSSO", "version": "1.0.0",
                "description": "The JSON endpoints of UnifiedSSO: OAuth 2.0 and OpenID Connect, the partners' conventions, "
                               "the legacy endpoints kept for existing clients, upstream sign-in (the federation JSON API), the "
                               "passkey calls of the server's own pages and the operator's probes. Browser pages (/authorize, /login, /consent, /logout) are HTML and not "
                               "described here. Every answer carries X-Request-Id."},
       "tags": [{"name": t} for t in ["discovery", "oauth", "oidc", "partners", "legacy", "federation", "passkeys", "operations"]],
       "paths": paths,
       "components": {"schemas": S, "securitySchemes": {
           "clientSecretBasic": {"type": "http", "scheme": "basic", "description": "client_id and client_secret, form-urlencoded, as Basic credentials"},
           "clientSecretPost": {"type": "apiKey", "in": "query", "name": "client_secret",
                                "description": "client_id and client_secret in the form body (modelled as a key; OpenAPI has no body scheme)"},
           "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT or opaque reference token"},
           "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "sso_session",
                             "description": "The browser's session at the authorization site"}}}}
TARGET = Path(__file__).resolve().parents[1] / "Resources" / "openapi.json"
TEXT = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
if __name__ == "__main__":
    if "--check" in sys.argv:   # the committed file is what this script writes
        sys.exit(0 if TARGET.read_text() == TEXT else "Resources/openapi.json is stale: run Scripts/openapi.py")
    TARGET.write_text(TEXT)
    print(f"wrote {TARGET} ({len(paths)} paths)")
