"""The soak benchmark behind Scripts/soak: steady load, short lifetimes, database size over time."""
import argparse
import json
import re
import sqlite3
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import requests

from scriptlib import cli, free_port, pkce, wait_until_serving

REDIRECT = "https://soak.example/cb"
TABLES = ["authorization_codes", "grants", "refresh_tokens", "sessions", "interactions", "security_events"]


def sign_in(issuer, session, client_id):
    """One browser sign-in through the login page; the session cookie then gives codes at once."""
    verifier, challenge = pkce()
    query = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT, "scope": "openid",
                       "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"})
    page = session.get(f"{issuer}/authorize?{query}")
    fields = dict(re.findall(r'name="(interaction|csrf)" value="([^"]+)"', page.text))
    answer = session.post(f"{issuer}/login", data={**fields, "login": "soak", "password": "soak-password-1"},
                          allow_redirects=False)
    assert answer.status_code in (302, 303), answer.text[:300]


def one_flow(issuer, session, client, refreshes):
    verifier, challenge = pkce()
    query = urlencode({"response_type": "code", "client_id": client["client_id"], "redirect_uri": REDIRECT,
                       "scope": "openid", "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"})
    answer = session.get(f"{issuer}/authorize?{query}", allow_redirects=False)
    location = answer.headers.get("Location", "")
    if not location.startswith(REDIRECT):   # the session ended: sign in again
        sign_in(issuer, session, client["client_id"])
        return 0
    code = parse_qs(urlparse(location).query)["code"][0]
    auth = (client["client_id"], client["client_secret"])
    tokens = requests.post(f"{issuer}/token", auth=auth, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}).json()
    count = 1
    for _ in range(refreshes):
        tokens = requests.post(f"{issuer}/token", auth=auth, data={
            "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).json()
        count += 1
    return count


def sizes(data):
    files = [data / "sso.sqlite", data / "sso.sqlite-wal"]
    size = sum(f.stat().st_size for f in files if f.exists())
    with sqlite3.connect(f"file:{data / 'sso.sqlite'}?mode=ro", uri=True, timeout=10) as db:
        rows = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}
    return size, rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--sample", type=int, default=10)
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="sso-soak-")) / "data"
    cli(args.binary, data, "user", "add", "--login", "soak", "--password-stdin", stdin="soak-password-1\n")
    client = json.loads(cli(args.binary, data, "client", "add", "--id", "soak", "--redirect-uri", REDIRECT,
                            "--scope", "openid", "--skip-consent"))
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    log = open(data / "server.log", "w")
    # Lifetimes in seconds instead of hours, so that a few minutes cover many generations.
    server = subprocess.Popen([args.binary, "serve", "--port", str(port), "--data", str(data), "--code-ttl", "5",
                               "--access-token-ttl", "10", "--refresh-token-ttl", "20", "--session-ttl", "30",
                               "--purge-interval", "2", "--audit-retention-days", "0.001"], stdout=log, stderr=log)
    try:
        wait_until_serving(issuer + "/jwks", server, lambda: (data / "server.log").read_text()[-3000:])
        stop = time.time() + args.seconds
        issued = [0] * args.workers

        def worker(index):
            session = requests.Session()
            sign_in(issuer, session, "soak")
            while time.time() < stop:
                issued[index] += one_flow(issuer, session, client, refreshes=3)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.workers)]
        for t in threads:
            t.start()
        print(f"{'t (s)':>6} {'tokens':>8} {'file (KiB)':>11} " + " ".join(f"{t[:14]:>14}" for t in TABLES))
        samples = []
        started = time.time()
        while any(t.is_alive() for t in threads):
            time.sleep(args.sample)
            size, rows = sizes(data)
            samples.append(size)
            print(f"{time.time() - started:6.0f} {sum(issued):8d} {size / 1024:11.0f} "
                  + " ".join(f"{rows[t]:14d}" for t in TABLES), flush=True)
        for t in threads:
            t.join()
        third = samples[len(samples) // 3] if samples else 0
        print(f"\ntokens issued: {sum(issued)}; file after a third of the run: {third / 1024:.0f} KiB, "
              f"at the end: {samples[-1] / 1024:.0f} KiB, largest: {max(samples) / 1024:.0f} KiB")
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


if __name__ == "__main__":
    main()
