"""Federation against real providers on loopback: a small Yandex-like provider written here,
and a second `sso` binary as an OpenID Connect upstream found through its discovery document."""
import base64
import hashlib
import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt

from conftest import PASSWORD, REDIRECT, Server, cli, free_port


@pytest.fixture
def yandex():
    """Behaves like Yandex ID: /authorize (the user consents at once), /token, /info with 'OAuth' tokens."""
    codes = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, status, body=None, location=None):
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            if body is not None:
                self.wfile.write(json.dumps(body).encode())

        def do_GET(self):
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/authorize":
                code = secrets.token_urlsafe(16)
                codes[code] = query.get("code_challenge")
                self.answer(302, location=query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]}))
            elif url.path == "/info" and self.headers.get("Authorization", "").startswith("OAuth token-"):
                self.answer(200, {"id": "1130000012345", "login": "pavel", "real_name": "Pavel Durov",
                                  "default_email": "pavel@yandex.ru"})
            else:
                self.answer(401, {"error": "unauthorized"})

        def do_POST(self):
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
            challenge = codes.pop(form.get("code"), "missing")
            verifier = form.get("code_verifier", "")
            expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge == "missing" or form.get("client_secret") != "yandex-secret" or challenge != expected:
                return self.answer(400, {"error": "invalid_grant", "error_description": "bad code, secret or verifier"})
            self.answer(200, {"access_token": "token-" + secrets.token_urlsafe(8), "token_type": "bearer"})

    server = HTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_the_federation_api_with_client_authentication_and_a_provider_added_while_running(
        server, yandex, confidential_client):
    cli(server.data_dir, "provider", "add", "--name", "yandex", "--client-id", "yandex-id",
        "--client-secret", "yandex-secret", "--authorize-url", yandex + "/authorize", "--token-url", yandex + "/token",
        "--userinfo-url", yandex + "/info")
    auth = ("rp", confidential_client["client_secret"])
    api = server.issuer + "/api/v1/oauth/authorize-url/"
    # The API is off for a client until switched on; it also needs the client's authentication.
    off = requests.post(api, data={"provider": "yandex", "client_redirect_url": REDIRECT}, auth=auth)
    assert off.status_code == 400 and off.json()["error"] == "unauthorized_client"
    shown = json.loads(cli(server.data_dir, "client", "update", "--id", "rp", "--federation-api", "--skip-consent"))
    assert shown["federation_api"] is True
    anonymous = requests.post(api, data={"provider": "yandex", "client_redirect_url": REDIRECT})
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Basic realm=")

    start = requests.post(api, data={"provider": "yandex", "client_redirect_url": REDIRECT}, auth=auth)
    assert start.status_code == 200, start.text
    state, authorize_url = start.json()["state"], start.json()["authorize_url"]
    assert authorize_url.startswith(yandex + "/authorize?") and "code_challenge=" in authorize_url
    callback = requests.get(authorize_url, allow_redirects=False).headers["Location"]
    assert callback.startswith(server.issuer + "/federation/yandex/callback?")
    at_site = requests.get(callback, allow_redirects=False).headers["Location"]
    assert at_site.startswith(REDIRECT + "?")
    params = {k: v[0] for k, v in parse_qs(urlparse(at_site).query).items()}
    assert params["state"] == state

    form = {"provider": "yandex", "state": params["state"], "code": params["code"]}
    stolen = requests.post(server.issuer + "/api/v1/oauth/authorize/", data=form)
    assert stolen.status_code == 401 and "access_token" not in stolen.json()
    tokens = requests.post(server.issuer + "/api/v1/oauth/authorize/", data=form, auth=auth)
    assert tokens.status_code == 200, tokens.text
    assert set(tokens.json()) >= {"access_token", "refresh_token"}
    info = requests.get(server.issuer + "/userinfo", headers={"Authorization": "Bearer " + tokens.json()["access_token"]})
    assert info.json()["name"] == "Pavel Durov"

    replay = requests.post(server.issuer + "/api/v1/oauth/authorize/", data=form, auth=auth)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    open_redirect = requests.post(api, data={"provider": "yandex", "client_redirect_url": "https://evil.example/cb"},
                                  auth=auth)
    assert open_redirect.status_code == 400

    cli(server.data_dir, "provider", "remove", "--name", "yandex")
    gone = requests.post(api, data={"provider": "yandex", "client_redirect_url": REDIRECT}, auth=auth)
    assert gone.status_code == 400 and gone.json()["error"] == "unknown_provider"


def test_a_second_sso_binary_as_openid_connect_upstream(tmp_path, server, confidential_client):
    upstream_data = tmp_path / "upstream"
    cli(upstream_data, "user", "add", "--login", "bob", "--password-stdin", "--email", "bob@corp.example",
        "--email-verified", "--name", "Bob", stdin=PASSWORD + "\n")
    upstream = Server(upstream_data)
    try:
        callback = server.issuer + "/federation/corp/callback"
        down = json.loads(cli(upstream_data, "client", "add", "--id", "downstream", "--redirect-uri", callback,
                              "--skip-consent"))
        cli(server.data_dir, "provider", "add", "--name", "corp", "--display-name", "Corp SSO", "--client-id", "downstream",
            "--client-secret=" + down["client_secret"],  # a secret may begin with "-"
            "--discovery", upstream.issuer + "/.well-known/openid-configuration")

        session = OAuth2Session("rp", confidential_client["client_secret"], scope="openid profile email",
                                redirect_uri=REDIRECT, code_challenge_method="S256")
        verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(12)
        url, _ = session.create_authorization_url(server.metadata["authorization_endpoint"], code_verifier=verifier,
                                                  nonce=nonce)
        ours, theirs = requests.Session(), requests.Session()  # cookies do not separate ports
        login_page = ours.get(urljoin(server.issuer, ours.get(url, allow_redirects=False).headers["Location"]))
        link = re.search(r'href="(/federation/corp/start\?interaction=[^"]+)"', login_page.text).group(1)
        assert "Corp SSO" in login_page.text
        at_provider = ours.get(server.issuer + link, allow_redirects=False).headers["Location"]
        assert at_provider.startswith(upstream.issuer + "/authorize?")
        their_login = theirs.get(urljoin(upstream.issuer, theirs.get(at_provider, allow_redirects=False)
                                         .headers["Location"]))
        fields = dict(re.findall(r'name="(interaction|csrf)" value="([^"]+)"', their_login.text))
        back = theirs.post(upstream.issuer + "/login", data={**fields, "login": "bob", "password": PASSWORD},
                           allow_redirects=False).headers["Location"]
        assert back.startswith(callback + "?")
        consent = ours.get(back, allow_redirects=False)
        location = consent.headers["Location"]
        if location.startswith("/consent"):
            page = ours.get(server.issuer + location)
            fields = dict(re.findall(r'name="(interaction|csrf)" value="([^"]+)"', page.text))
            location = ours.post(server.issuer + "/consent", data={**fields, "decision": "approve"},
                                 allow_redirects=False).headers["Location"]
        assert location.startswith(REDIRECT + "?code=")

        token = session.fetch_token(server.metadata["token_endpoint"], authorization_response=location,
                                    code_verifier=verifier)
        keys = JsonWebKey.import_key_set(requests.get(server.metadata["jwks_uri"]).json())
        claims = jwt.decode(token["id_token"], keys)
        claims.validate()
        assert claims["idp"] == "corp" and claims["amr"] == ["fed"] and claims["nonce"] == nonce
        assert claims["email"] == "bob@corp.example"
    finally:
        upstream.stop()
