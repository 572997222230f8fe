"""Signing-key rotation with `sso keys` while the server runs: no restart, no broken tokens."""
import base64
import json
import time

import requests
from authlib.jose import JsonWebKey, jwt

from conftest import Server, cli
from test_interop import authlib_session, sign_in


def kid(token):
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def jwks_kids(server):
    return {key["kid"] for key in requests.get(server.metadata["jwks_uri"]).json()["keys"]}


def wait_for(condition, seconds=10):
    deadline = time.time() + seconds
    while not condition():
        assert time.time() < deadline, "timed out"
        time.sleep(0.2)


def test_rotation_while_running(data_dir, confidential_client):
    server = Server(data_dir, extra=["--key-reload-interval", "1"])
    try:
        session = authlib_session(confidential_client)
        verifier = "k" * 50
        _, callback = sign_in(server, session, verifier)
        before = session.fetch_token(server.metadata["token_endpoint"], authorization_response=callback,
                                     code_verifier=verifier)
        old_kid = kid(before["access_token"])
        listed = [json.loads(line) for line in cli(data_dir, "keys", "list").splitlines()]
        assert {k["alg"] for k in listed} == {"ES256", "RS256", "EdDSA"}
        assert all(k["status"] == "active" for k in listed)

        # Published an hour before use by default: listed as pending, visible in the JWKS, not signing.
        pending = json.loads(cli(data_dir, "keys", "rotate", "--alg", "RS256"))
        assert pending["status"] == "pending" and pending["alg"] == "RS256"
        wait_for(lambda: pending["kid"] in jwks_kids(server))
        assert kid(session.refresh_token(server.metadata["token_endpoint"])["id_token"]) != pending["kid"]

        # An ES256 key that signs at once: the next access token carries it; the old one still works.
        rotated = json.loads(cli(data_dir, "keys", "rotate", "--alg", "ES256", "--activate-after", "0"))
        wait_for(lambda: rotated["kid"] in jwks_kids(server))
        time.sleep(1.2)
        after = session.refresh_token(server.metadata["token_endpoint"])
        assert kid(after["access_token"]) == rotated["kid"]
        assert old_kid in jwks_kids(server)   # its tokens have not expired yet
        for token in (before, after):
            info = requests.get(server.metadata["userinfo_endpoint"],
                                headers={"Authorization": "Bearer " + token["access_token"]})
            assert info.status_code == 200 and info.json()["sub"]
        keys = JsonWebKey.import_key_set(requests.get(server.metadata["jwks_uri"]).json())
        assert jwt.decode(after["access_token"], keys)["client_id"] == "rp"

        statuses = {k["kid"]: k for k in map(json.loads, cli(data_dir, "keys", "list").splitlines())}
        assert statuses[rotated["kid"]]["status"] == "active"
        assert statuses[old_kid]["status"] == "retiring" and statuses[old_kid]["published_until"]
        assert statuses[pending["kid"]]["status"] == "pending"
        events = [json.loads(line)["event"] for line in cli(data_dir, "audit", "tail").splitlines()]
        assert events.count("key.rotated") == 2
    finally:
        server.stop()
