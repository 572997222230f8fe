"""Interoperability with oidc-agent (Debian package oidc-agent), a command-line OpenID Connect
client nobody here wrote: oidc-gen creates accounts against the real `sso` binary with the device
flow and with the authorization code flow, and oidc-token gets access tokens from the agent,
refreshing them. Everything runs non-interactively: a private agent on its own socket, its
configuration under tmp_path, the encryption password from the environment, and a requests
session as the user's browser."""
import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from conftest import Server, cli, free_port
from relying_parties import UserAgent, stop_group

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SCOPE = "openid profile email offline_access"
TOOLS = ("oidc-agent", "oidc-gen", "oidc-token")


class Running:
    """A command whose combined output is collected while it runs."""

    def __init__(self, args, env):
        self.args = args
        self.process = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, errors="replace",
                                        start_new_session=True)
        self.lines = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True)
        self.reader.start()

    @property
    def output(self):
        # Without the terminal colours of the QR code oidc-gen draws.
        return re.sub(r"\x1b\[[0-9;]*m", "", "".join(self.lines))

    def wait_for(self, pattern, seconds=20):
        deadline = time.time() + seconds
        while time.time() < deadline:
            found = re.search(pattern, self.output)
            if found:
                return found
            if self.process.poll() is not None:
                self.reader.join(2)
                found = re.search(pattern, self.output)
                if found:
                    return found
                break
            time.sleep(0.1)
        raise AssertionError(f"{self.args[0]} never printed {pattern!r} (exit {self.process.poll()}):\n{self.output}")

    def finish(self, seconds=30):
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(f"{self.args[0]} did not finish in {seconds} s:\n{self.output}")
        self.reader.join(2)
        return self.process.returncode

    def stop(self):
        stop_group(self.process)


class Agent:
    def __init__(self, tmp_path):
        self.config_dir = tmp_path / "oidc-agent"
        home = tmp_path / "home"
        home.mkdir()
        # A short private directory: Unix socket paths are limited to about 100 characters.
        self.socket_dir = Path(tempfile.mkdtemp(prefix="oidc-agent-"))
        socket_path = self.socket_dir / "agent.sock"
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("OIDC")}
        self.env.update(HOME=str(home), OIDC_CONFIG_DIR=str(self.config_dir), OIDC_SOCK=str(socket_path),
                        OIDC_ENCRYPTION_PW="agent-config-password")
        self.log_path = tmp_path / "oidc-agent.log"
        with open(self.log_path, "w") as log:
            # In the foreground, in its own process group: it forks a helper, stopped with it.
            self.process = subprocess.Popen(["oidc-agent", "--console", "--socket-path", str(socket_path)],
                                            env=self.env, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 10
        while not socket_path.exists():
            if self.process.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError("oidc-agent did not create its socket: " + self.log_path.read_text())
            time.sleep(0.05)

    def gen(self, *args):
        return Running(["oidc-gen", *args, "--pw-env", "--confirm-default", "--no-url-call", "--prompt=none"],
                       self.env)

    def run(self, *args, timeout=30):
        return subprocess.run(list(args), env=self.env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout)

    def token(self, account, *options):
        result = self.run("oidc-token", *options, account)
        assert result.returncode == 0, result.stdout + result.stderr
        token = result.stdout.strip()
        assert token.count(".") == 2, token
        return token

    def saved_account(self, account):
        """The account configuration as stored (encrypted) and as oidc-gen decrypts it."""
        stored = (self.config_dir / account).read_text()
        shown = self.run("oidc-gen", "--print", account, "--pw-env")
        assert shown.returncode == 0, shown.stdout + shown.stderr
        return stored, json.loads(shown.stdout)

    def stop(self):
        stop_group(self.process)
        shutil.rmtree(self.socket_dir, ignore_errors=True)


@pytest.fixture
def agent(tmp_path):
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (Debian package oidc-agent or oidc-agent-cli; "
                    "Scripts/setup --servers installs it)")
    a = Agent(tmp_path)
    yield a
    a.stop()


@pytest.fixture
def server_for(data_dir):
    running = []

    def start():
        server = Server(data_dir, ["--device-poll-interval", "1"])
        running.append(server)
        return server

    yield start
    for server in running:
        server.stop()


def server_log(server):
    lines = (server.data_dir / "server.log").read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def token_requests(server):
    return [(e["method"], e["path"], e["status"]) for e in server_log(server) if e.get("message") == "request"]


def refused_client_authentications(server):
    return [f'{e.get("client_id")}: {e.get("detail")}' for e in server_log(server)
            if e.get("event") == "client.auth_failed"]


def userinfo(server, token):
    answer = requests.get(server.metadata["userinfo_endpoint"], headers={"Authorization": "Bearer " + token},
                          timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def assert_refreshed(server, agent, account, old, *options):
    """oidc-token got a new access token from the agent through the refresh token alone: the token
    endpoint was called once more and nothing else of the server's (no authorization request)."""
    before = len(token_requests(server))
    new = agent.token(account, *options)
    assert new != old
    calls = token_requests(server)[before:]
    assert ("POST", "/token", "200") in calls and all(path in ("/token", "/.well-known/openid-configuration")
                                                     for _, path, _ in calls), calls
    assert claims(new)["sid"] == claims(old)["sid"] and claims(new)["iat"] >= claims(old)["iat"]
    assert userinfo(server, new)["preferred_username"] == "alice"
    return new


@pytest.mark.parametrize("kind", ["public", "confidential"])
def test_device_flow_account_then_tokens_and_refresh(agent, server_for, data_dir, kind):
    """oidc-gen --flow=device with a pre-registered client holding the device grant (a public
    client, and a confidential one): the user opens the verification page, enters the code,
    signs in and approves; the account is saved encrypted, oidc-token returns an access token the
    userinfo endpoint accepts, and oidc-token --force-new gets a new one through the refresh token."""
    options = ["--public"] if kind == "public" else []
    client = json.loads(cli(data_dir, "client", "add", "--id", "agent-device", "--name", "oidc-agent",
                            *options, "--grant-types", DEVICE_GRANT + ",refresh_token", "--scope", SCOPE))
    server = server_for()
    user = UserAgent(server.issuer)

    gen = agent.gen("device-account", "--issuer", server.issuer, "--client-id", client["client_id"],
                    "--client-secret", client.get("client_secret", ""), "--flow=device", "--scope", SCOPE)
    try:
        try:
            page = gen.wait_for(r"visit:\s*(\S+)").group(1)
        except AssertionError as failure:
            raise AssertionError(f"{failure}\nclient authentications the server refused: "
                                 f"{refused_client_authentications(server)}") from None
        code = gen.wait_for(r"enter the code: (\S+)").group(1)
        assert page == server.metadata["device_authorization_endpoint"].replace("/device_authorization", "/device")
        # The page's form sends the code as a GET query: that is the verification_uri_complete.
        question = user.go(page + "?user_code=" + code)
        assert user.visited("/login") and question.status_code == 200, user.trail
        assert "oidc-agent" in question.text
        form = dict(re.findall(r'name="(user_code|csrf)" value="([^"]+)"', question.text))
        answer = user.http.post(server.issuer + "/device", data={**form, "decision": "approve"}, timeout=10)
        assert answer.status_code == 200, answer.text[:300]
        assert gen.finish() == 0, gen.output
    finally:
        gen.stop()

    stored, account = agent.saved_account("device-account")
    assert account["client_id"] == client["client_id"] and account["refresh_token"]
    assert account["refresh_token"] not in stored and "client_id" not in stored
    first = agent.token("device-account")
    assert userinfo(server, first)["preferred_username"] == "alice"
    assert claims(first)["client_id"] == client["client_id"]
    assert_refreshed(server, agent, "device-account", first, "--force-new")


def test_code_flow_account_with_manual_code_exchange_then_refresh_after_expiry(agent, server_for, data_dir):
    """oidc-gen --flow=code without its redirect web server (which would bind every address): the
    browser signs in at the authorization URL it prints, the redirect to http://localhost:PORT/ is
    not followed but handed to oidc-gen --codeExchange; once the short-lived access token has
    expired, oidc-token gets a new one through the refresh token."""
    port = next(p for p in (free_port() for _ in range(200)) if 1024 <= p <= 49151)  # oidc-gen's range
    redirect = f"http://localhost:{port}/"
    client = json.loads(cli(data_dir, "client", "add", "--id", "agent-code", "--name", "oidc-agent",
                            "--redirect-uri", redirect, "--scope", SCOPE, "--skip-consent",
                            "--access-token-ttl", "4"))
    server = server_for()
    user = UserAgent(server.issuer)

    gen = agent.gen("code-account", "--issuer", server.issuer, "--client-id", client["client_id"],
                    "--client-secret", client["client_secret"], "--flow=code", "--redirect-uri", redirect,
                    "--scope", SCOPE, "--no-webserver", "--no-scheme")
    try:
        url = gen.wait_for(re.escape(server.metadata["authorization_endpoint"]) + r"\?\S+").group(0)
        query = parse_qs(urlparse(url).query)
        assert query["client_id"] == ["agent-code"] and query["redirect_uri"] == [redirect]
        assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
        callback = user.go(url, stop_at=redirect)
        assert isinstance(callback, str) and user.visited("/login"), user.trail
        answer = parse_qs(urlparse(callback).query)
        assert answer["code"] and answer["state"] == query["state"] and answer["iss"] == [server.issuer]
        exchange = agent.run("oidc-gen", "--codeExchange", callback, "--pw-env", "--confirm-default", "--prompt=none")
        assert exchange.returncode == 0, exchange.stdout + exchange.stderr
        assert gen.finish() == 0, gen.output
    finally:
        gen.stop()

    _, account = agent.saved_account("code-account")
    assert account["client_id"] == "agent-code" and account["refresh_token"]
    first = agent.token("code-account")
    assert userinfo(server, first)["email"] == "alice@example.com"
    time.sleep(max(0.0, claims(first)["exp"] - time.time()) + 1)
    assert requests.get(server.metadata["userinfo_endpoint"], headers={"Authorization": "Bearer " + first},
                        timeout=10).status_code == 401
    assert_refreshed(server, agent, "code-account", first)
