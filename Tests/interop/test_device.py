"""The device authorization grant (RFC 8628) driven by independent clients against the real
binary: oauthlib's DeviceClient as the trading terminal (a public client that polls), Authlib
as a confidential script, a requests session as the user's browser on the verification page."""
import json
import re
import time
from urllib.parse import parse_qsl, urljoin, urlparse

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from oauthlib.oauth2 import DeviceClient
from oauthlib.oauth2.rfc6749.errors import OAuth2Error

from conftest import PASSWORD, Server, cli

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture
def device_server(data_dir):
    cli(data_dir, "client", "add", "--id", "terminal", "--name", "Trading Terminal", "--public",
        "--grant-types", DEVICE_GRANT + ",refresh_token", "--scope", "openid profile offline_access")
    script = json.loads(cli(data_dir, "client", "add", "--id", "script", "--name", "Nightly Script",
                            "--grant-types", DEVICE_GRANT, "--scope", "openid profile"))
    server = Server(data_dir, ["--device-poll-interval", "1"])
    yield server, script
    server.stop()


def user_answers(server, verification_uri_complete, approve=True):
    """The user opens the link (or scans its QR code), signs in, reads the question and answers."""
    browser = requests.Session()
    page = browser.get(verification_uri_complete, allow_redirects=False)
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?interaction="), page.text[:300]
    login = browser.get(urljoin(server.issuer, page.headers["Location"]))
    fields = dict(re.findall(r'name="(interaction|csrf)" value="([^"]+)"', login.text))
    back = browser.post(server.issuer + "/login", allow_redirects=False,
                        data={**fields, "login": "alice", "password": PASSWORD})
    assert back.status_code in (302, 303) and back.headers["Location"].startswith("/device?user_code="), back.text[:300]
    question = browser.get(urljoin(server.issuer, back.headers["Location"]), headers={"Accept-Language": "ru"})
    assert question.status_code == 200 and ("Trading Terminal" in question.text or "Nightly Script" in question.text)
    form = dict(re.findall(r'name="(user_code|csrf)" value="([^"]+)"', question.text))
    done = browser.post(server.issuer + "/device", data={**form, "decision": "approve" if approve else "deny"})
    assert done.status_code == 200, done.text[:300]
    return question


def poll_until_answered(server, client, device_code, interval, auth=None):
    """Polls as RFC 8628 section 3.5 says: wait `interval`, add 5 s on slow_down; returns the
    token answer or the final error, and every error seen on the way."""
    seen = []
    for _ in range(30):
        time.sleep(interval)
        body = client.prepare_request_body(device_code, include_client_id=auth is None)
        answer = requests.post(server.metadata["token_endpoint"], data=body, auth=auth,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            return client.parse_request_body_response(answer.text), seen
        except OAuth2Error as error:
            seen.append(error.error)
            assert answer.status_code == 400, answer.text
            if error.error == "slow_down":
                interval += 5
            elif error.error != "authorization_pending":
                return error.error, seen
    raise AssertionError("no answer: " + ", ".join(seen))


def test_the_terminal_signs_in_through_the_device_flow_with_oauthlib(device_server):
    server, _ = device_server
    assert server.metadata["device_authorization_endpoint"] == server.issuer + "/device_authorization"
    assert DEVICE_GRANT in server.metadata["grant_types_supported"]
    client = DeviceClient("terminal", scope=["openid", "profile", "offline_access"])
    # oauthlib composes the device authorization request (as a URI: RFC 8628 wants it POSTed as a
    # form, so its parameters become the body; oauthlib refuses plain http, the test server's).
    composed = client.prepare_request_uri("https://sso.invalid/device_authorization")
    start = requests.post(server.metadata["device_authorization_endpoint"], data=parse_qsl(urlparse(composed).query))
    assert start.status_code == 200, start.text
    codes = start.json()
    assert re.fullmatch(r"[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}", codes["user_code"])
    assert codes["interval"] == 1 and codes["expires_in"] == 600
    assert codes["verification_uri_complete"] == codes["verification_uri"] + "?user_code=" + codes["user_code"]

    # Before the user answers, the terminal is told to wait.
    early = requests.post(server.metadata["token_endpoint"],
                          data=client.prepare_request_body(codes["device_code"], include_client_id=True),
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert early.status_code == 400 and early.json()["error"] == "authorization_pending"

    question = user_answers(server, codes["verification_uri_complete"])
    assert "Разрешить" in question.text and codes["user_code"] in question.text
    tokens, seen = poll_until_answered(server, client, codes["device_code"], codes["interval"])
    assert set(seen) <= {"authorization_pending"}, seen
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"] and tokens["id_token"]
    assert tokens["scope"] == ["openid", "profile", "offline_access"]   # oauthlib splits the scope
    profile = requests.get(server.metadata["userinfo_endpoint"],
                           headers={"Authorization": "Bearer " + tokens["access_token"]}).json()
    assert profile["preferred_username"] == "alice"
    # A terminal keeps its session with the refresh token, without the user.
    refreshed = requests.post(server.metadata["token_endpoint"], data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": "terminal"})
    assert refreshed.status_code == 200, refreshed.text


def test_a_confidential_script_polls_with_authlib_and_is_refused(device_server):
    server, script = device_server
    session = OAuth2Session(script["client_id"], script["client_secret"], scope="openid profile")
    start = session.post(server.metadata["device_authorization_endpoint"], data={"scope": "openid"},
                         auth=(script["client_id"], script["client_secret"]))
    assert start.status_code == 200, start.text
    codes = start.json()
    user_answers(server, codes["verification_uri_complete"], approve=False)
    with pytest.raises(Exception) as refused:
        session.fetch_token(server.metadata["token_endpoint"], grant_type=DEVICE_GRANT,
                            device_code=codes["device_code"])
    assert "access_denied" in str(refused.value)
    # Another client cannot poll with the script's device code.
    stolen = requests.post(server.metadata["token_endpoint"], data={
        "grant_type": DEVICE_GRANT, "device_code": codes["device_code"], "client_id": "terminal"})
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"


def test_polling_too_fast_is_slowed_down(device_server):
    server, _ = device_server
    client = DeviceClient("terminal")
    codes = requests.post(server.metadata["device_authorization_endpoint"], data={"client_id": "terminal"}).json()
    body = client.prepare_request_body(codes["device_code"], include_client_id=True)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    answers = [requests.post(server.metadata["token_endpoint"], data=body, headers=headers).json()["error"]
               for _ in range(3)]
    assert answers == ["authorization_pending", "slow_down", "slow_down"]
