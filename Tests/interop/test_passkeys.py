"""Passkeys in a real browser: headless Chromium with its virtual authenticator (DevTools'
WebAuthn domain: CTAP2, internal transport, resident keys, user verification) registers a passkey
on the server's passkeys page, then signs in with it for a relying party on another origin —
a discoverable credential, nothing typed — and the code reaches the party.

WebAuthn needs a secure context and an RP ID that is a host name, not an IP address: the server's
issuer is http://localhost:PORT (a potentially trustworthy origin), the relying party stays on
127.0.0.1, another origin."""
import json

import pytest

from browserlib import CHROMEDRIVER, Authorization, Chromium, RelyingParty
from conftest import PASSWORD, Server, cli, free_port

pytestmark = pytest.mark.skipif(CHROMEDRIVER is None, reason="chromium-driver is not installed (Scripts/setup --browser)")


@pytest.fixture
def localhost_server(data_dir):
    port = free_port()
    server = Server(data_dir, extra=["--issuer", f"http://localhost:{port}"], port=port)
    server.issuer = f"http://localhost:{port}"
    yield server
    server.stop()


@pytest.fixture
def browser():
    chromium = Chromium()
    chromium.driver.execute_cdp_cmd("WebAuthn.enable", {"enableUI": False})
    chromium.authenticator = chromium.driver.execute_cdp_cmd("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})["authenticatorId"]
    yield chromium
    chromium.quit()


@pytest.fixture
def rp():
    site = RelyingParty()
    yield site
    site.stop()


def credentials(browser):
    return browser.driver.execute_cdp_cmd("WebAuthn.getCredentials",
                                          {"authenticatorId": browser.authenticator})["credentials"]


def test_register_on_the_passkeys_page_then_sign_in_with_nothing_typed(data_dir, localhost_server, browser, rp):
    server = localhost_server
    client = json.loads(cli(data_dir, "client", "add", "--id", "rp", "--name", "Relying Party",
                            "--redirect-uri", rp.callback, "--scope", "openid profile email", "--skip-consent"))
    # A password sign-in first: registration needs a recent one.
    first = Authorization(server, "rp", rp.callback)
    browser.open(first.url)
    browser.sign_in_to(rp, rp.callback, "alice", PASSWORD)

    browser.open(server.issuer + "/account/passkeys")
    browser.wait_for_path("/account/passkeys")
    browser.element("#passkey-name").clear()
    browser.element("#passkey-name").send_keys("Virtual")
    browser.element("#passkey-add").click()
    browser.wait(lambda b: b.driver.find_elements("css selector", "li[data-id]"), "the new passkey in the list")
    assert "Virtual" in browser.text
    stored = credentials(browser)
    assert len(stored) == 1 and stored[0]["isResidentCredential"], stored

    # A browser with the passkey but no session. The login page starts a conditional-mediation
    # get() on load; Chromium's virtual authenticator answers it at once, so opening the
    # authorization request alone leads to the relying party: nothing typed, nothing clicked.
    browser.driver.delete_all_cookies()  # the server's, while its page is open
    assert not browser.driver.get_cookies()
    second = Authorization(server, "rp", rp.callback)
    callback = browser.open_to(second.url, rp, rp.callback)
    tokens, claims = second.tokens(callback, client["client_secret"])
    assert claims["amr"][0] in ("hwk", "swk") and "user" in claims["amr"], claims
    assert "pwd" not in claims["amr"], claims

    # Without conditional mediation (as in browsers that lack it), the passkey button does it.
    browser.open(server.issuer + "/.well-known/openid-configuration")
    browser.driver.delete_all_cookies()
    browser.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source":
        "PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);"})
    third = Authorization(server, "rp", rp.callback)
    browser.open(third.url)
    browser.wait(lambda b: b.path == "/login" and b.element("#passkey-signin").is_displayed(), "the passkey button")
    callback = browser.expecting(rp, rp.callback, lambda: browser.element("#passkey-signin").click(),
                                 "the passkey button to reach the relying party")
    tokens, claims = third.tokens(callback, client["client_secret"])
    assert "pwd" not in claims["amr"] and "user" in claims["amr"], claims
    assert credentials(browser)[0]["signCount"] >= 2


def test_python_fido2_client_registers_and_signs_in_through_the_json_calls(data_dir, localhost_server):
    """A second, independent client: python-fido2 parses the server's options and encodes the
    authenticator's answers (its CBOR, COSE key, authenticator data and client data), the key is
    the cryptography package's; nothing of the server's own WebAuthn code is on this side."""
    pytest.importorskip("fido2")
    import hashlib
    import os
    import re
    from urllib.parse import urlparse

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from fido2.cose import ES256
    from fido2.utils import websafe_decode, websafe_encode
    from fido2.webauthn import (AttestationObject, AttestedCredentialData, AuthenticatorData, CollectedClientData,
                                PublicKeyCredentialCreationOptions, PublicKeyCredentialRequestOptions)

    from browserlib import single_values
    from conftest import Browser as HTTPUserAgent
    from conftest import REDIRECT

    from test_openapi import Conformance

    server = localhost_server
    spec = Conformance(server)
    client = json.loads(cli(data_dir, "client", "add", "--id", "rp", "--name", "Relying Party",
                            "--redirect-uri", REDIRECT, "--scope", "openid profile email", "--skip-consent"))
    origin = server.issuer
    flags = AuthenticatorData.FLAG

    def call(agent, path, body):
        # Every answer is also checked against the OpenAPI description of its status.
        return spec.check(agent.http.post(server.issuer + path, json=body, allow_redirects=False), path, "POST")

    # Registration after a password sign-in.
    agent = HTTPUserAgent(server)
    agent.follow(agent.open_authorize(Authorization(server, "rp", REDIRECT).url))
    csrf = agent.http.cookies["sso_csrf"]
    answer = call(agent, "/passkeys/register/options", {"csrf": csrf})
    assert answer.status_code == 200, answer.text
    creation = PublicKeyCredentialCreationOptions.from_dict(answer.json())
    assert creation.rp.id == "localhost"
    assert creation.authenticator_selection.resident_key == "required"
    assert [p.alg for p in creation.pub_key_cred_params] == [-7, -8, -257]

    key = ec.generate_private_key(ec.SECP256R1())
    credential_id = os.urandom(16)
    rp_hash = hashlib.sha256(creation.rp.id.encode()).digest()
    auth_data = AuthenticatorData.create(
        rp_hash, flags.UP | flags.UV | flags.AT, 0,
        AttestedCredentialData.create(b"\0" * 16, credential_id, ES256.from_cryptography_key(key.public_key())))
    client_data = CollectedClientData.create("webauthn.create", creation.challenge, origin)
    attestation = AttestationObject.create("none", auth_data, {})
    answer = call(agent, "/passkeys/register", {"csrf": csrf, "name": "python-fido2", "credential": {
        "id": websafe_encode(credential_id), "type": "public-key", "response": {
            "clientDataJSON": websafe_encode(client_data), "attestationObject": websafe_encode(attestation),
            "transports": ["usb"]}}})
    assert answer.status_code == 201, answer.text

    # Sign-in in a fresh user agent: the discoverable credential, nothing typed.
    fresh = HTTPUserAgent(server)
    authorization = Authorization(server, "rp", REDIRECT)
    location = fresh.open_authorize(authorization.url).headers["Location"]
    page = fresh.http.get(server.issuer + location)
    interaction = re.search(r'name="interaction" value="([^"]+)"', page.text).group(1)
    csrf = fresh.http.cookies["sso_csrf"]
    answer = call(fresh, "/login/passkey/options", {"csrf": csrf, "interaction": interaction})
    assert answer.status_code == 200, answer.text
    request = PublicKeyCredentialRequestOptions.from_dict(answer.json())
    assert request.rp_id == "localhost" and not request.allow_credentials
    auth_data = AuthenticatorData.create(rp_hash, flags.UP | flags.UV, 1)
    client_data = CollectedClientData.create("webauthn.get", request.challenge, origin)
    signature = key.sign(bytes(auth_data) + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
    user_handle = websafe_decode(creation.user.id) if isinstance(creation.user.id, str) else creation.user.id
    answer = call(fresh, "/login/passkey", {"csrf": csrf, "interaction": interaction, "credential": {
        "id": websafe_encode(credential_id), "type": "public-key", "response": {
            "clientDataJSON": websafe_encode(client_data), "authenticatorData": websafe_encode(auth_data),
            "signature": websafe_encode(signature), "userHandle": websafe_encode(user_handle)}}})
    assert answer.status_code == 200, answer.text
    callback = single_values(urlparse(answer.json()["location"]).query)
    tokens, claims = authorization.tokens(callback, client["client_secret"])
    assert claims["amr"] == ["hwk", "user"], claims
