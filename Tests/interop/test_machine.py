"""Machine clients: the client_credentials grant (RFC 6749 section 4.4), registered with the
command line and driven by Authlib, an independent OAuth 2.0 client, against the real binary."""
import json

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt

from conftest import Server, cli
from test_cli import run


def test_authlib_obtains_a_client_credentials_token_for_a_machine_client(tmp_path):
    data = tmp_path / "data"
    cli(data, "scope", "add", "--name", "quotes.read", "--description", "Read quotes")
    # No redirect URI: a machine client never sees a browser.
    service = json.loads(cli(data, "client", "add", "--id", "terminal-script", "--grant-types", "client_credentials",
                             "--scope", "quotes.read", "--audience", "https://quotes.example"))
    assert service["grant_types"] == ["client_credentials"] and service["audience"] == "https://quotes.example"
    server = Server(data)
    try:
        assert "client_credentials" in server.metadata["grant_types_supported"]
        session = OAuth2Session(service["client_id"], service["client_secret"],
                                token_endpoint_auth_method="client_secret_basic")
        token = session.fetch_token(server.metadata["token_endpoint"], grant_type="client_credentials")
        assert token["token_type"] == "Bearer" and token["scope"] == "quotes.read"
        assert "refresh_token" not in token and "id_token" not in token
        keys = JsonWebKey.import_key_set(requests.get(server.metadata["jwks_uri"]).json())
        claims = jwt.decode(token["access_token"], keys)
        claims.validate(leeway=5)
        assert claims["sub"] == "terminal-script" and claims["aud"] == "https://quotes.example"
        assert claims.header["typ"] == "at+jwt"

        # client_secret_post works the same; a scope outside the policy is invalid_scope.
        post = OAuth2Session(service["client_id"], service["client_secret"],
                             token_endpoint_auth_method="client_secret_post")
        assert post.fetch_token(server.metadata["token_endpoint"], grant_type="client_credentials",
                                scope="quotes.read")["access_token"]
        refused = requests.post(server.metadata["token_endpoint"], auth=(service["client_id"], service["client_secret"]),
                                data={"grant_type": "client_credentials", "scope": "openid"})
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"
    finally:
        server.stop()


def test_the_command_line_refuses_client_credentials_for_a_public_client(tmp_path):
    result = run(tmp_path, "client", "add", "--id", "spa", "--public", "--grant-types", "client_credentials")
    assert result.returncode != 0 and "confidential" in result.stderr
    # A code-flow client still needs its redirect URI.
    assert run(tmp_path, "client", "add", "--id", "web").returncode != 0
