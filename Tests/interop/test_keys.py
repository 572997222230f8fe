"""Signing-key rotation with `sso keys` while the server runs: no restart, no broken tokens."""
import base64
import json
import subprocess
import time

import requests
from authlib.jose import JsonWebKey, jwt

from conftest import SSO_BIN, Server, cli
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


def test_revoking_a_leaked_key_takes_effect_at_once(data_dir, confidential_client):
    """`sso keys revoke` on a running server with the default check interval: within a few seconds
    the key leaves the JWKS, tokens it signed stop working (even ones already used), and a
    replacement signs."""
    server = Server(data_dir)
    try:
        session = authlib_session(confidential_client)
        verifier = "r" * 50
        _, callback = sign_in(server, session, verifier)
        tokens = session.fetch_token(server.metadata["token_endpoint"], authorization_response=callback,
                                     code_verifier=verifier)
        leaked = kid(tokens["access_token"])
        userinfo = server.metadata["userinfo_endpoint"]
        bearer = {"Authorization": "Bearer " + tokens["access_token"]}
        assert requests.get(userinfo, headers=bearer).status_code == 200

        lines = [json.loads(line) for line in cli(data_dir, "keys", "revoke", "--kid", leaked).splitlines()]
        assert lines[0]["kid"] == leaked and lines[0]["status"] == "revoked" and lines[0]["revoked_at"]
        replacement = lines[1]
        assert replacement["alg"] == "ES256" and replacement["status"] == "active"

        wait_for(lambda: leaked not in jwks_kids(server), seconds=6)
        refused = requests.get(userinfo, headers=bearer)
        assert refused.status_code == 401 and "invalid_token" in refused.headers["WWW-Authenticate"]
        fresh = session.refresh_token(server.metadata["token_endpoint"])
        assert kid(fresh["access_token"]) == replacement["kid"]
        assert requests.get(userinfo, headers={"Authorization": "Bearer " + fresh["access_token"]}).status_code == 200
        statuses = {k["kid"]: k["status"] for k in map(json.loads, cli(data_dir, "keys", "list").splitlines())}
        assert statuses[leaked] == "revoked" and statuses[replacement["kid"]] == "active"
        again = subprocess.run([SSO_BIN, "keys", "revoke", "--kid", leaked, "--data", str(data_dir)],
                               capture_output=True, text=True, timeout=60)
        assert again.returncode != 0 and "revoked already" in again.stderr
    finally:
        server.stop()
