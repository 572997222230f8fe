"""The broker's old login endpoints, with the request bodies its front ends send, against the real binary.
TOTP codes are computed here, independently of the server, from the secret `sso user totp enroll` printed."""
import base64
import hashlib
import hmac
import json
import struct
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from conftest import PASSWORD, Server, cli

CABINET = "//lk.example/"


def totp(base32_secret, at=None, step=30, digits=6):
    """RFC 6238 with HMAC-SHA-1, written from the RFC, not from the server's code."""
    key = base64.b32decode(base32_secret + "=" * (-len(base32_secret) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 10 ** digits
    return str(value).zfill(digits)


def legacy_login_body(login, password, pin=None):
    return {"credentials": {"login": login, "password": password, "twoFactorPin": pin},
            "requiredServices": ["clientApi", "Warp"]}


def legacy_cabinet_body(login, password, pin=None, redirect=CABINET):
    return {"credentials": {"login": login, "password": password, "twoFactorPin": pin},
            "client_id": "SingleSignOn", "redirect_url": redirect}


def add_legacy_clients(data_dir, cabinet_scope="openid profile email ordersread trades personal",
                       developer_scope="openid ordersread trades personal"):
    """The personal cabinet's public client (SingleSignOn) and a developer site; returns the latter."""
    cli(data_dir, "client", "add", "--id", "SingleSignOn", "--public", "--skip-consent",
        "--redirect-uri", "https:" + CABINET, "--scope", cabinet_scope)
    return json.loads(cli(data_dir, "client", "add", "--id", "devsite", "--redirect-uri", "https://dev.example/cb",
                          "--scope", developer_scope, "--pkce", "optional"))


@pytest.fixture
def legacy_server(data_dir):
    dev = add_legacy_clients(data_dir)
    server = Server(data_dir)
    server.dev = dev
    yield server
    server.stop()


def test_old_developer_flow(legacy_server):
    s, http = legacy_server, requests.Session()
    start = http.get(s.issuer + "/authorize", allow_redirects=False, params={
        "client_id": "devsite", "redirect_uri": "https://dev.example/cb", "response_type": "code", "state": "",
        "scope": "ordersread trades personal"})
    interaction = parse_qs(urlparse(start.headers["Location"]).query)["interaction"][0]
    assert http.get(s.issuer + "/auth/actions/2factor/", params={"login": "alice"}).json() == {"twoFactorRequired": False}
    login = http.post(s.issuer + "/auth/actions/login", json=legacy_login_body("alice", PASSWORD))
    assert login.status_code == 200 and login.headers["Deprecation"].startswith("@")
    assert 'rel="deprecation"' in login.headers["Link"]
    granted = http.post(s.issuer + "/devapi/v1/oauth/code", params={"interaction": interaction},
                        json=["ordersread", "trades", "personal"])
    assert granted.status_code == 200, granted.text
    code = parse_qs(urlparse(granted.json()["redirectUrl"]).query)["code"][0]
    tokens = requests.post(s.issuer + "/token", data={
        "code": code, "grant_type": "authorization_code", "redirect_uri": "https://dev.example/cb",
        "client_id": "devsite", "client_secret": s.dev["client_secret"]})
    assert tokens.status_code == 200 and tokens.json()["scope"] == "ordersread trades personal"


def test_cabinet_flow_with_totp_and_sso(legacy_server, data_dir):
    s = legacy_server
    uri = cli(data_dir, "user", "totp", "enroll", "--login", "alice").splitlines()[0]
    secret = parse_qs(urlparse(uri).query)["secret"][0]
    assert uri.startswith("otpauth://totp/")
    http = requests.Session()
    assert http.get(s.issuer + "/auth/actions/2factor/?login=alice").json() == {"twoFactorRequired": True}
    assert http.get(s.issuer + "/auth/actions/2factor/?login=nobody").json() == {"twoFactorRequired": False}

    no_pin = http.post(s.issuer + "/sso-auth/client", json=legacy_cabinet_body("alice", PASSWORD))
    assert no_pin.status_code == 401 and no_pin.json()["error"] == "two_factor_required"
    pin = totp(secret)
    login = http.post(s.issuer + "/sso-auth/client", json=legacy_cabinet_body("alice", PASSWORD, pin=pin))
    if login.status_code == 401:  # the step turned between computing the pin and checking it: one more try
        login = http.post(s.issuer + "/sso-auth/client", json=legacy_cabinet_body("alice", PASSWORD, pin=totp(secret)))
    assert login.status_code == 200, login.text
    assert login.json()["redirectUrl"] == "https:" + CABINET
    replay = requests.post(s.issuer + "/auth/actions/login", json=legacy_login_body("alice", PASSWORD, pin=pin))
    assert replay.status_code == 401 and replay.json()["error"] == "invalid_two_factor_pin"

    refreshed = requests.post(s.issuer + "/auth/actions/refresh", json={"refreshToken": login.json()["refreshToken"]})
    assert refreshed.status_code == 200
    info = requests.get(s.issuer + "/userinfo", headers={"Authorization": "Bearer " + refreshed.json()["jwt"]})
    assert info.status_code == 200 and info.json()["preferred_username"] == "alice"

    # The cabinet's session is the SSO session: a standard /authorize of another client returns a code at once.
    cli(data_dir, "client", "add", "--id", "terminal", "--public", "--skip-consent", "--redirect-uri", "https://t.example/cb")
    sso = http.get(s.issuer + "/authorize", allow_redirects=False, params={
        "client_id": "terminal", "redirect_uri": "https://t.example/cb", "response_type": "code", "scope": "openid",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"})
    assert sso.status_code == 302 and sso.headers["Location"].startswith("https://t.example/cb?code=")


def test_hostile_legacy_requests(legacy_server):
    s = legacy_server
    foreign = requests.post(s.issuer + "/sso-auth/client", json=legacy_cabinet_body("alice", PASSWORD, redirect="//evil.example/"))
    assert foreign.status_code == 400 and foreign.json()["error"] == "invalid_redirect_url"
    broken = requests.post(s.issuer + "/auth/actions/login", data="{\"credentials\":", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.json()["error"] == "invalid_request"
    as_form = requests.post(s.issuer + "/auth/actions/login", data={"credentials": "x"})
    assert as_form.status_code == 400
    for _ in range(5):
        assert requests.post(s.issuer + "/auth/actions/login", json=legacy_login_body("alice", "wrong")).status_code == 401
    locked = requests.post(s.issuer + "/auth/actions/login", json=legacy_login_body("alice", PASSWORD))
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
