"""Starts the real `sso` executable on a free loopback port with a fresh data directory.

The binary comes from SSO_BIN, or from the debug build at the package root; `Scripts/test`
builds it before running these tests.
"""
import json
import os
import re
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SSO_BIN = os.environ.get("SSO_BIN", str(ROOT / ".build" / "debug" / "sso"))
REDIRECT = "https://rp.example/callback"
PASSWORD = "correct-horse-battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(data_dir, *args, stdin=None):
    result = subprocess.run([SSO_BIN, *args, "--data", str(data_dir)], input=stdin, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


class Server:
    def __init__(self, data_dir, extra=(), port=None):
        self.data_dir = data_dir
        self.port = port or free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        self.log = open(Path(data_dir) / "server.log", "a")
        self.process = subprocess.Popen(
            [SSO_BIN, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data", str(data_dir), *extra],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.time() + 60
        while True:
            try:
                requests.get(self.issuer + "/.well-known/openid-configuration", timeout=1).raise_for_status()
                break
            except requests.RequestException:
                if self.process.poll() is not None or time.time() > deadline:
                    raise RuntimeError("server did not start: " + (Path(data_dir) / "server.log").read_text())
                time.sleep(0.1)
        self.metadata = requests.get(self.issuer + "/.well-known/openid-configuration").json()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "data"
    cli(d, "user", "add", "--login", "alice", "--password-stdin", "--email", "alice@example.com",
        "--email-verified", "--name", "Alice", stdin=PASSWORD + "\n")
    return d


@pytest.fixture
def confidential_client(data_dir):
    return json.loads(cli(data_dir, "client", "add", "--id", "rp", "--name", "Relying Party",
                          "--redirect-uri", REDIRECT, "--scope", "openid profile email"))


@pytest.fixture
def server(data_dir, confidential_client):
    s = Server(data_dir)
    yield s
    s.stop()


class Browser:
    """A user agent: a cookie jar that follows our own pages and stops at the client's redirect."""

    def __init__(self, server):
        self.server = server
        self.http = requests.Session()

    def open_authorize(self, url):
        return self.http.get(url, allow_redirects=False)

    def follow(self, response, password=PASSWORD, login="alice", approve=True):
        """Follows login and consent pages until the browser is sent to the client; returns that URL."""
        for _ in range(6):
            assert response.status_code in (302, 303), (response.status_code, response.text[:500])
            location = response.headers["Location"]
            if not location.startswith("/"):
                return location
            page = self.http.get(urljoin(self.server.issuer, location), allow_redirects=False)
            assert page.status_code == 200, page.text[:500]
            fields = dict(re.findall(r'name="(interaction|csrf)" value="([^"]+)"', page.text))
            if location.startswith("/login"):
                response = self.http.post(self.server.issuer + "/login", allow_redirects=False,
                                          data={**fields, "login": login, "password": password})
            else:
                response = self.http.post(self.server.issuer + "/consent", allow_redirects=False,
                                          data={**fields, "decision": "approve" if approve else "deny"})
        raise AssertionError("too many hops")
