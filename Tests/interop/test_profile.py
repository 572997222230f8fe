"""The partners' profile endpoint and roles, configured with the command line."""
import base64
import json
import secrets

import requests
from authlib.integrations.requests_client import OAuth2Session

from conftest import REDIRECT, cli
from test_interop import sign_in


def test_profile_and_roles(server, confidential_client):
    data = server.data_dir
    cli(data, "user", "set", "--login", "alice", "--domestic", "true", "--application-status", "process")
    cli(data, "user", "account", "add", "--login", "alice", "--number", "12345678@vision", "--platform", "ETNA")
    cli(data, "user", "account", "add", "--login", "alice", "--number", "D-777", "--platform", "MT5")
    shown = json.loads(cli(data, "user", "role", "add", "--login", "alice", "--role", "trader"))
    assert shown["roles"] == ["trader"]

    # The profile is for tokens granted its own scope, accounts.
    cli(data, "client", "update", "--id", "rp", "--scope", "openid profile email accounts")
    session = OAuth2Session("rp", confidential_client["client_secret"], scope="openid accounts", redirect_uri=REDIRECT,
                            code_challenge_method="S256")
    verifier = secrets.token_urlsafe(48)
    _, callback = sign_in(server, session, verifier)
    token = session.fetch_token(server.metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    payload = json.loads(base64.urlsafe_b64decode(token["access_token"].split(".")[1] + "=="))
    assert payload["roles"] == ["trader"]

    for path in ("/auth", "/profile"):
        profile = requests.get(server.issuer + path, headers={"Authorization": "Bearer " + token["access_token"]})
        assert profile.status_code == 200, profile.text
        body = profile.json()
        assert body["login"] == "alice" and body["email"] == "alice@example.com" and body["domestic"] is True
        assert body["accounts"] == [{"account_number": "12345678@vision", "trade_platform": "ETNA"},
                                    {"account_number": "D-777", "trade_platform": "MT5"}]
        assert body["application"] == {"status": "process"} and body["id"] == payload["sub"]
    plain = OAuth2Session("rp", confidential_client["client_secret"], scope="openid", redirect_uri=REDIRECT,
                          code_challenge_method="S256")
    _, callback = sign_in(server, plain, verifier)
    openid_only = plain.fetch_token(server.metadata["token_endpoint"], authorization_response=callback,
                                    code_verifier=verifier)
    refused = requests.get(server.issuer + "/auth", headers={"Authorization": "Bearer " + openid_only["access_token"]})
    assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"
    assert 'scope="accounts"' in refused.headers["WWW-Authenticate"] and "login" not in refused.json()
    unauthenticated = requests.get(server.issuer + "/auth")
    assert unauthenticated.status_code == 401 and unauthenticated.headers["WWW-Authenticate"].startswith("Bearer")
    bad = requests.get(server.issuer + "/auth", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401 and 'error="invalid_token"' in bad.headers["WWW-Authenticate"]

    cli(data, "user", "role", "remove", "--login", "alice", "--role", "trader")
    cli(data, "user", "account", "remove", "--login", "alice", "--number", "D-777")
    refreshed = session.refresh_token(server.metadata["token_endpoint"])
    payload = json.loads(base64.urlsafe_b64decode(refreshed["access_token"].split(".")[1] + "=="))
    assert "roles" not in payload
    profile = requests.get(server.issuer + "/auth", headers={"Authorization": "Bearer " + refreshed["access_token"]})
    assert [a["account_number"] for a in profile.json()["accounts"]] == ["12345678@vision"]
