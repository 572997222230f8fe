"""Third-party relying parties for the interoperability tests: Apache httpd with mod_auth_openidc
(a private instance on loopback ports, configured from the templates in apache/) and a browser
stand-in that walks through redirects and the server's login and consent forms."""
import grp
import os
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
import requests

from conftest import PASSWORD

HERE = Path(__file__).resolve().parent
APACHE_BIN = shutil.which("apache2") or "/usr/sbin/apache2"
APACHE_MODULES = Path("/usr/lib/apache2/modules")
SETUP_HINT = "Scripts/setup --servers installs it"


def require_mod_auth_openidc():
    """Skips the calling test unless Apache httpd and mod_auth_openidc are installed."""
    if not os.access(APACHE_BIN, os.X_OK):
        pytest.skip(f"Apache httpd (Debian package apache2) is not installed; {SETUP_HINT}")
    for module in ("mod_auth_openidc.so", "mod_mpm_prefork.so", "mod_cgi.so"):
        if not (APACHE_MODULES / module).exists():
            pytest.skip(f"{APACHE_MODULES / module} is missing (Debian packages apache2, "
                        f"libapache2-mod-auth-openidc); {SETUP_HINT}")


def wait_for_port(port, process, log, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}: " + log())
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s: " + log())


def stop_group(process, seconds=10):
    """Stops a process started with start_new_session=True and what it forked: SIGTERM to its
    process group, then SIGKILL to whatever of the group is still there."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pass


class Apache:
    """One httpd process with a virtual host per relying party.

    `hosts` are dicts with name, port, client_id, client_secret, token_endpoint_auth and, optional,
    userinfo_refresh_interval and refresh_before_expiry (seconds; left out: no such refresh)."""

    def __init__(self, tmp_path, issuer, hosts, log_level="info"):
        self.root = Path(tmp_path) / "apache"
        self.run_dir, self.log_dir = self.root / "run", self.root / "logs"
        for d in (self.run_dir, self.log_dir):
            d.mkdir(parents=True, exist_ok=True)
        # The children run as an unprivileged user when started by root: the script they run must
        # be readable by it, which pytest's private tmp_path is not.
        self.doc_root = Path(tempfile.mkdtemp(prefix="sso-apache-docs-"))
        self.process = None
        try:
            self._start(issuer, hosts, log_level)
        except BaseException:
            self.stop()
            raise

    def _start(self, issuer, hosts, log_level):
        self.doc_root.chmod(0o755)
        script = self.doc_root / "app.cgi"
        shutil.copy(HERE / "apache" / "app.cgi", script)
        script.chmod(0o755)
        (self.doc_root / "loggedout.html").write_text("<p>signed out</p>\n")
        (self.doc_root / "loggedout.html").chmod(0o644)

        vhost = string.Template((HERE / "apache" / "vhost.conf.in").read_text())
        blocks = []
        for host in hosts:
            refresh = []
            if host.get("userinfo_refresh_interval"):
                refresh.append(f"    OIDCUserInfoRefreshInterval {host['userinfo_refresh_interval']}")
            if host.get("refresh_before_expiry"):
                refresh.append(f"    OIDCRefreshAccessTokenBeforeExpiry {host['refresh_before_expiry']}")
            blocks.append(vhost.substitute(host, issuer=issuer, doc_root=self.doc_root,
                                           passphrase=secrets.token_hex(16), refresh_directives="\n".join(refresh)))
        user = ""
        if os.geteuid() == 0:
            user = "User nobody\nGroup " + ("nogroup" if _group_exists("nogroup") else "nobody")
        conf = string.Template((HERE / "apache" / "httpd.conf.in").read_text()).substitute(
            server_root=self.root, run_dir=self.run_dir, log_dir=self.log_dir, modules=APACHE_MODULES,
            doc_root=self.doc_root, user_directives=user, openidc_log_level=log_level,
            virtual_hosts="\n".join(blocks))
        self.conf = self.root / "httpd.conf"
        self.conf.write_text(conf)
        check = subprocess.run([APACHE_BIN, "-t", "-f", str(self.conf)], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr + check.stdout
        # Its own session: on shutdown the prefork parent signals its whole process group.
        with open(self.log_dir / "stderr.log", "w") as stderr:
            self.process = subprocess.Popen([APACHE_BIN, "-f", str(self.conf), "-D", "FOREGROUND"],
                                            stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
        for host in hosts:
            wait_for_port(host["port"], self.process, self.error_log)

    def error_log(self):
        path = self.log_dir / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def requests_served(self, port):
        """The access log's (request line, status) pairs for one virtual host."""
        path = self.log_dir / "access.log"
        lines = path.read_text().splitlines() if path.exists() else []
        return [(m.group(2), int(m.group(3))) for m in map(re.compile(r'^(\d+) "(.*)" (\d+)$').match, lines)
                if m and int(m.group(1)) == port]

    def stop(self):
        if self.process is not None:
            stop_group(self.process)
        shutil.rmtree(self.doc_root, ignore_errors=True)




def _group_exists(name):
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


class UserAgent:
    """A browser stand-in: one cookie jar for every loopback site; follows redirects one by one,
    fills in the server's login form (and approves its consent form), and records every URL it
    was sent to so tests can tell whether the server showed the login page."""

    def __init__(self, issuer, login="alice", password=PASSWORD):
        self.issuer = issuer
        self.login, self.password = login, password
        self.http = requests.Session()
        self.trail = []

    def at_server(self, url, path):
        parsed = urlparse(url)
        return f"{parsed.scheme}://{parsed.netloc}" == self.issuer and parsed.path == path

    def go(self, url, hops=15, sign_in=True, stop_at=None):
        """Requests `url` and follows where it leads; returns the last response (not a redirect).
        With sign_in=False a login page is returned instead of being filled in; a redirect to a
        URL starting with `stop_at` is not followed but returned, as that URL."""
        self.trail = [url]
        response = self.http.get(url, allow_redirects=False, timeout=30)
        for _ in range(hops):
            if response.status_code not in (301, 302, 303, 307):
                if sign_in and self.at_server(response.url, "/login") and response.status_code == 200:
                    response = self._submit(response, "/login", {"login": self.login, "password": self.password})
                    continue
                if self.at_server(response.url, "/consent") and response.status_code == 200:
                    response = self._submit(response, "/consent", {"decision": "approve"})
                    continue
                return response
            url = urljoin(response.url, response.headers["Location"])
            self.trail.append(url)
            if stop_at and url.startswith(stop_at):
                return url
            response = self.http.get(url, allow_redirects=False, timeout=30)
        raise AssertionError("too many redirects: " + " -> ".join(self.trail))

    def _submit(self, page, path, answers):
        fields = dict(re.findall(r'name="(interaction|csrf)" value="([^"]+)"', page.text))
        assert "interaction" in fields, page.text[:500]
        return self.http.post(self.issuer + path, data={**fields, **answers}, allow_redirects=False, timeout=30)

    def visited(self, path):
        """Whether the last go() passed through the server's `path` (e.g. /login, /authorize)."""
        return any(self.at_server(url, path) for url in self.trail)


def app_env(response):
    """The variables the protected CGI application printed, as a dict."""
    assert response.status_code == 200, (response.status_code, response.url, response.text[:500])
    assert response.headers.get("Content-Type", "").startswith("text/plain"), response.text[:500]
    return dict(line.split("=", 1) for line in response.text.splitlines() if "=" in line)
