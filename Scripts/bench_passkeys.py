"""The passkey half of the sign-in storm (Scripts/bench --storm): users sign in with passkeys,
which pay no password hash.

Each sign-in is prepared as a browser does it: /authorize, the login page and the passkey
options (the server's single-use challenge bound to this browser and interaction), then the
authenticator's assertion, signed here with the user's P-256 key. wrk posts the prepared
assertions to /login/passkey from many clients at once, each the next as soon as the last is
answered. The server's CPU is counted for both halves, so the figure per sign-in is the whole
flow's, not only the last request's."""
import hashlib
import json
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlparse

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (AttestationObject, AttestedCredentialData, AuthenticatorData, CollectedClientData,
                            PublicKeyCredentialCreationOptions, PublicKeyCredentialRequestOptions)

FLAGS = AuthenticatorData.FLAG


class PasskeyUser:
    """A storm user with one passkey: its key, credential id and user handle."""

    def __init__(self, login, key, credential_id, user_handle):
        self.login, self.key, self.credential_id, self.user_handle = login, key, credential_id, user_handle


def authorize_url(issuer, client_id, redirect, challenge):
    return f"{issuer}/authorize?" + urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect, "scope": "openid profile",
        "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"})


def login_page(session, url):
    """Follows /authorize to the login page: the interaction and the browser's CSRF cookie."""
    page = session.get(url)
    interaction = re.search(r'name="interaction" value="([^"]+)"', page.text).group(1)
    return interaction, session.cookies["sso_csrf"]


def register(issuer, client_id, redirect, challenge, login, password):
    """Signs `login` in with its password, then registers a passkey: the user for the storm."""
    origin = issuer
    rp_hash = hashlib.sha256(urlparse(issuer).hostname.encode()).digest()
    session = requests.Session()
    interaction, csrf = login_page(session, authorize_url(issuer, client_id, redirect, challenge))
    session.post(f"{issuer}/login", data={"interaction": interaction, "csrf": csrf, "login": login, "password": password},
                 allow_redirects=False).raise_for_status()
    answer = session.post(f"{issuer}/passkeys/register/options", json={"csrf": csrf})
    answer.raise_for_status()
    creation = PublicKeyCredentialCreationOptions.from_dict(answer.json())
    key = ec.generate_private_key(ec.SECP256R1())
    credential_id = os.urandom(16)
    auth_data = AuthenticatorData.create(rp_hash, FLAGS.UP | FLAGS.UV | FLAGS.AT, 0, AttestedCredentialData.create(
        b"\0" * 16, credential_id, ES256.from_cryptography_key(key.public_key())))
    client_data = CollectedClientData.create("webauthn.create", creation.challenge, origin)
    answer = session.post(f"{issuer}/passkeys/register", json={"csrf": csrf, "name": "bench", "credential": {
        "id": websafe_encode(credential_id), "type": "public-key", "response": {
            "clientDataJSON": websafe_encode(client_data),
            "attestationObject": websafe_encode(AttestationObject.create("none", auth_data, {}))}}})
    answer.raise_for_status()
    handle = creation.user.id
    return PasskeyUser(login, key, credential_id, websafe_decode(handle) if isinstance(handle, str) else handle)


LOCAL = threading.local()


def prepare(issuer, client_id, redirect, challenge, user):
    """One sign-in up to the assertion: "cookie<TAB>json" for storm.lua. Each sign-in is a new
    browser (no cookies) over a kept-open connection of this thread, as browsers arrive through
    a proxy that keeps its connections to the server open."""
    session = getattr(LOCAL, "session", None) or requests.Session()
    LOCAL.session = session
    session.cookies.clear()
    interaction, csrf = login_page(session, authorize_url(issuer, client_id, redirect, challenge))
    answer = session.post(f"{issuer}/login/passkey/options", json={"csrf": csrf, "interaction": interaction})
    answer.raise_for_status()
    options = PublicKeyCredentialRequestOptions.from_dict(answer.json())
    rp_hash = hashlib.sha256(options.rp_id.encode()).digest()
    # Counter 0: an authenticator without a counter (as synced passkeys are), so sign-ins of one
    # user may arrive in any order.
    auth_data = AuthenticatorData.create(rp_hash, FLAGS.UP | FLAGS.UV, 0)
    client_data = CollectedClientData.create("webauthn.get", options.challenge, issuer)
    signature = user.key.sign(bytes(auth_data) + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
    body = json.dumps({"csrf": csrf, "interaction": interaction, "credential": {
        "id": websafe_encode(user.credential_id), "type": "public-key", "response": {
            "clientDataJSON": websafe_encode(client_data), "authenticatorData": websafe_encode(auth_data),
            "signature": websafe_encode(signature), "userHandle": websafe_encode(user.user_handle)}}},
        separators=(",", ":"))
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    return cookie + "\t" + body


def prepare_all(issuer, client_id, redirect, challenge, users, count, workers=4):
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda n: prepare(issuer, client_id, redirect, challenge, users[n % len(users)]),
                             range(count)))
