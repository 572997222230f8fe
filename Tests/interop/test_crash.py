"""Kill -9 during a burst of token requests, restart, and check what was promised held:
no code redeemed twice, no refresh-token family split, every answered token still works."""
import base64
import hashlib
import json
import os
import secrets
import signal
import subprocess
import threading
import time
from urllib.parse import parse_qs, urlencode, urlparse

import requests

from conftest import REDIRECT, Browser, Server, cli

CODES = 40
REFRESHES = 20


def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def new_code(server, browser, client_id):
    verifier, challenge = pkce()
    query = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "scope": "openid",
                       "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"})
    # The first call signs in through the login page; then the session cookie answers at once.
    location = browser.follow(browser.open_authorize(f"{server.issuer}/authorize?{query}"))
    return parse_qs(urlparse(location).query)["code"][0], verifier


def test_kill_during_a_burst_keeps_every_promise(data_dir):
    client = json.loads(cli(data_dir, "client", "add", "--id", "burst", "--redirect-uri", REDIRECT,
                            "--scope", "openid", "--skip-consent"))
    auth = (client["client_id"], client["client_secret"])
    server = Server(data_dir)
    try:
        browser = Browser(server)
        first_code, first_verifier = new_code(server, browser, "burst")
        codes = [(first_code, first_verifier)] + [new_code(server, browser, "burst") for _ in range(CODES - 1)]
        refresh_tokens = []
        for _ in range(REFRESHES):
            code, verifier = new_code(server, browser, "burst")
            refresh_tokens.append(requests.post(server.metadata["token_endpoint"], auth=auth, data={
                "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                "code_verifier": verifier}).json()["refresh_token"])

        # The burst: every code once (a second use is a replay, which rightly revokes what the
        # first issued), every refresh token from two workers at once (two tabs).
        jobs = [("code", code, verifier) for code, verifier in codes]
        jobs += [("refresh", token, None) for token in refresh_tokens for _ in range(2)]
        jobs = jobs[::2] + jobs[1::2]
        answers, lock, started = [], threading.Lock(), threading.Event()

        def worker(mine):
            started.wait()
            for kind, value, verifier in mine:
                form = ({"grant_type": "authorization_code", "code": value, "redirect_uri": REDIRECT,
                         "code_verifier": verifier} if kind == "code"
                        else {"grant_type": "refresh_token", "refresh_token": value})
                try:
                    response = requests.post(server.metadata["token_endpoint"], auth=auth, data=form, timeout=5)
                except requests.RequestException:
                    continue   # killed in flight: no answer was given
                with lock:
                    answers.append((kind, value, response.status_code, response.json()))

        threads = [threading.Thread(target=worker, args=(jobs[i::8],)) for i in range(8)]
        for t in threads:
            t.start()
        started.set()
        deadline = time.time() + 20
        while len(answers) < len(jobs) // 3 and time.time() < deadline:
            time.sleep(0.005)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        for t in threads:
            t.join()
        assert 0 < len(answers) < len(jobs), "the kill should land mid-burst"
        server.log.close()
    finally:
        if server.process.poll() is None:
            server.stop()

    restarted = Server(data_dir, port=server.port)   # the same issuer
    try:
        token_endpoint = restarted.metadata["token_endpoint"]
        # No code gave tokens twice.
        granted = [value for kind, value, status, _ in answers if kind == "code" and status == 200]
        assert len(granted) == len(set(granted))
        # No family split: every presented refresh token has at most one successor.
        successors = {}
        for kind, value, status, body in answers:
            if kind == "refresh" and status == 200:
                successors.setdefault(value, set()).add(body["refresh_token"])
        assert all(len(s) == 1 for s in successors.values()), successors
        # Every answered token still works after the restart.
        answered = [(kind, body) for kind, _, status, body in answers if status == 200]
        assert answered
        failing = []
        for kind, body in answered:
            info = requests.get(restarted.metadata["userinfo_endpoint"],
                                headers={"Authorization": "Bearer " + body["access_token"]})
            if info.status_code != 200:
                failing.append((kind, body["access_token"][-10:]))
        assert not failing, (failing, len(answered))
        for successor in {next(iter(s)) for s in successors.values()}:
            refreshed = requests.post(token_endpoint, auth=auth, data={"grant_type": "refresh_token",
                                                                        "refresh_token": successor})
            assert refreshed.status_code == 200, refreshed.text
        for body in (b for kind, _, status, b in answers if kind == "code" and status == 200):
            refreshed = requests.post(token_endpoint, auth=auth, data={"grant_type": "refresh_token",
                                                                        "refresh_token": body["refresh_token"]})
            assert refreshed.status_code == 200, refreshed.text
        # Now every code, answered or not, is spent or redeemable exactly once more.
        for code, verifier in codes:
            again = requests.post(token_endpoint, auth=auth, data={
                "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier})
            if code in granted:
                assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    finally:
        restarted.stop()
