"""Kontur-style OpenID Connect: the exchange with a registered custom scope (extern.api), as Kontur's clients
send it."""
import base64
import json
import re
import time
from urllib.parse import parse_qs, urljoin, urlparse

import requests

from conftest import PASSWORD, REDIRECT, cli


def test_kontur_style_exchange_with_a_registered_scope(server):
    data = server.data_dir
    cli(data, "scope", "add", "--name", "extern.api", "--description", "Use Kontur.Extern on your behalf",
        "--description-ru", "Работать с Контур.Экстерном от вашего имени")
    kontur = json.loads(cli(data, "client", "add", "--id", "yourClientId", "--redirect-uri", "http://www.example.com/",
                            "--scope", "openid extern.api", "--pkce", "optional", "--token-endpoint-auth",
                            "client_secret_post"))
    http = requests.Session()
    # Kontur's authorization request, parameter for parameter (no PKCE: the client is registered without it).
    start = http.get(server.issuer + "/connect/authorize", allow_redirects=False, params={
        "response_type": "code", "scope": "openid extern.api", "client_id": "yourClientId",
        "redirect_uri": "http://www.example.com/", "state": "af0ifjsldkj", "nonce": "n-0S6_WzA2Mj"})
    login = http.get(urljoin(server.issuer, start.headers["Location"]))
    fields = dict(re.findall(r'name="(interaction|csrf)" value="([^"]+)"', login.text))
    consent_url = http.post(server.issuer + "/login", data={**fields, "login": "alice", "password": PASSWORD},
                            allow_redirects=False).headers["Location"]
    consent = http.get(server.issuer + consent_url, headers={"Accept-Language": "ru"})
    assert "Работать с Контур.Экстерном от вашего имени" in consent.text
    assert "Use Kontur.Extern on your behalf" in http.get(server.issuer + consent_url).text
    fields = dict(re.findall(r'name="(interaction|csrf)" value="([^"]+)"', consent.text))
    back = http.post(server.issuer + "/consent", data={**fields, "decision": "approve"}, allow_redirects=False)
    query = parse_qs(urlparse(back.headers["Location"]).query)
    assert back.headers["Location"].startswith("http://www.example.com/?") and query["state"] == ["af0ifjsldkj"]

    # Kontur's token request, form-encoded with the secret in the body.
    answer = requests.post(server.issuer + "/token", data={
        "grant_type": "authorization_code", "code": query["code"][0], "client_id": "yourClientId",
        "client_secret": kontur["client_secret"], "redirect_uri": "http://www.example.com/"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert {"access_token", "id_token"} <= set(body)
    claims = json.loads(base64.urlsafe_b64decode(body["id_token"].split(".")[1] + "=="))
    assert claims["nonce"] == "n-0S6_WzA2Mj" and claims["aud"] == "yourClientId"
    # Discovery reads the registered scopes at most once a second.
    time.sleep(1.1)
    assert "extern.api" in requests.get(server.metadata["issuer"] + "/.well-known/openid-configuration").json()["scopes_supported"]

    # An unregistered scope is refused, and so is one that was unregistered.
    cli(data, "scope", "remove", "--name", "extern.api")
    refused = http.get(server.issuer + "/authorize", allow_redirects=False, params={
        "response_type": "code", "scope": "openid extern.api", "client_id": "yourClientId",
        "redirect_uri": "http://www.example.com/", "state": "s"})
    assert parse_qs(urlparse(refused.headers["Location"]).query)["error"] == ["invalid_scope"]
