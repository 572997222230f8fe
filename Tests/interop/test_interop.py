"""Interoperability: Authlib, an independent and widely used OAuth 2.0 / OpenID Connect client,
completes the authorization code flow with PKCE against the real `sso` binary."""
import json
import secrets
import time
from urllib.parse import parse_qs, urlparse

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

from conftest import REDIRECT, Browser, Server, cli


def authlib_session(client, scope="openid profile email"):
    return OAuth2Session(client["client_id"], client["client_secret"], scope=scope, redirect_uri=REDIRECT,
                         code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic")


def sign_in(server, session, verifier, nonce="n", browser=None, **credentials):
    """Sends a browser through /authorize, login and consent; returns the browser and the callback URL."""
    url, state = session.create_authorization_url(server.metadata["authorization_endpoint"], code_verifier=verifier,
                                                  nonce=nonce)
    browser = browser or Browser(server)
    callback = browser.follow(browser.open_authorize(url), **credentials)
    assert parse_qs(urlparse(callback).query)["state"] == [state]
    return browser, callback


def verify_id_token(server, token, client_id, nonce):
    keys = JsonWebKey.import_key_set(requests.get(server.metadata["jwks_uri"]).json())
    claims = jwt.decode(token["id_token"], keys, claims_cls=CodeIDToken,
                        claims_options={"iss": {"essential": True, "value": server.issuer}},
                        claims_params={"nonce": nonce, "client_id": client_id, "access_token": token["access_token"]})
    claims.validate(leeway=5)
    return claims


def test_authlib_completes_the_flow_and_refreshes(server, confidential_client):
    session = authlib_session(confidential_client)
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    browser, callback = sign_in(server, session, verifier, nonce)
    assert callback.startswith(REDIRECT + "?")

    token = session.fetch_token(server.metadata["token_endpoint"], authorization_response=callback,
                                code_verifier=verifier)
    assert token["token_type"] == "Bearer" and token["refresh_token"]
    claims = verify_id_token(server, token, "rp", nonce)
    assert claims["email"] == "alice@example.com"

    info = session.get(server.metadata["userinfo_endpoint"]).json()
    assert info["sub"] == claims["sub"] and info["name"] == "Alice"

    refreshed = session.refresh_token(server.metadata["token_endpoint"])
    assert refreshed["access_token"] != token["access_token"]
    assert refreshed["refresh_token"] != token["refresh_token"]

    # Single sign-on: a second client, registered while the server runs, gets a code with no login page.
    second = json.loads(cli(server.data_dir, "client", "add", "--id", "rp2", "--redirect-uri", REDIRECT,
                            "--skip-consent"))
    session2 = authlib_session(second)
    url2, _ = session2.create_authorization_url(server.metadata["authorization_endpoint"], code_verifier=verifier,
                                                nonce=nonce)
    direct = browser.open_authorize(url2)
    assert direct.status_code == 302 and direct.headers["Location"].startswith(REDIRECT + "?code=")
    token2 = session2.fetch_token(server.metadata["token_endpoint"], authorization_response=direct.headers["Location"],
                                  code_verifier=verifier)
    assert verify_id_token(server, token2, "rp2", nonce)["sub"] == claims["sub"]


def test_code_replay_and_bad_client_over_the_wire(server, confidential_client):
    session = authlib_session(confidential_client)
    verifier = secrets.token_urlsafe(48)
    _, callback = sign_in(server, session, verifier)
    code = parse_qs(urlparse(callback).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}
    auth = (confidential_client["client_id"], confidential_client["client_secret"])

    bad = requests.post(server.metadata["token_endpoint"], data=form, auth=("rp", "wrong-secret"))
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    assert bad.headers["WWW-Authenticate"].startswith("Basic")

    first = requests.post(server.metadata["token_endpoint"], data=form, auth=auth)
    assert first.status_code == 200
    replay = requests.post(server.metadata["token_endpoint"], data=form, auth=auth)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    revoked = requests.get(server.metadata["userinfo_endpoint"],
                           headers={"Authorization": "Bearer " + first.json()["access_token"]})
    assert revoked.status_code == 401 and 'error="invalid_token"' in revoked.headers["WWW-Authenticate"]


def test_open_redirects_are_refused_with_a_page(server, confidential_client):
    for redirect in ["https://evil.example/callback", REDIRECT + "/../evil", REDIRECT + "?x=1"]:
        response = requests.get(server.metadata["authorization_endpoint"], allow_redirects=False, params={
            "response_type": "code", "client_id": "rp", "redirect_uri": redirect, "scope": "openid",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"})
        assert response.status_code == 400
        assert "Location" not in response.headers
        assert response.headers["Content-Type"].startswith("text/html")


def test_state_survives_a_restart(data_dir, confidential_client):
    server = Server(data_dir)
    try:
        session = authlib_session(confidential_client)
        verifier = secrets.token_urlsafe(48)
        _, callback = sign_in(server, session, verifier)
        token = session.fetch_token(server.metadata["token_endpoint"], authorization_response=callback,
                                    code_verifier=verifier)
        jwks = requests.get(server.metadata["jwks_uri"]).json()
    finally:
        server.stop()
    restarted = Server(data_dir)
    try:
        assert requests.get(restarted.metadata["jwks_uri"]).json() == jwks
        response = requests.post(restarted.metadata["token_endpoint"], auth=(
            confidential_client["client_id"], confidential_client["client_secret"]),
            data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
        assert response.status_code == 200, response.text
    finally:
        restarted.stop()


def test_demo_mode_signs_in_the_demo_user(tmp_path):
    server = Server(tmp_path / "demo", extra=["--demo"])
    try:
        page = requests.get(server.issuer + "/demo")
        assert page.status_code == 200 and "/static/demo.js" in page.text
        verifier = secrets.token_urlsafe(48)
        session = OAuth2Session("demo", scope="openid profile email", redirect_uri=server.issuer + "/demo",
                                code_challenge_method="S256", token_endpoint_auth_method="none")
        _, callback = sign_in(server, session, verifier, login="demo", password="demo-password")
        token = session.fetch_token(server.metadata["token_endpoint"], authorization_response=callback,
                                    code_verifier=verifier)
        assert token["id_token"] and token["refresh_token"]
    finally:
        server.stop()
