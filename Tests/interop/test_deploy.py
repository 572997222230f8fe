"""The deployment samples in Scripts/deploy are checked, not just shipped: the systemd unit
passes `systemd-analyze verify` and its `sso serve` command line starts the real server; the
nginx sample, with a throwaway certificate and free ports, fronts the real server over TLS."""
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
import urllib3

from conftest import SSO_BIN, free_port

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Scripts"))
from scriptlib import nginx_config  # noqa: E402  (the cluster test's throwaway nginx, shared)

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "Scripts" / "deploy"


def exec_start():
    """The unit's ExecStart as arguments, continuation lines joined."""
    text = (DEPLOY / "unified-sso.service").read_text().replace("\\\n", " ")
    line = next(l for l in text.splitlines() if l.startswith("ExecStart="))
    return shlex.split(line[len("ExecStart="):])


def wait_for(url, process, timeout=30, **kwargs):
    deadline = time.time() + timeout
    while True:
        try:
            return requests.get(url, timeout=2, **kwargs)
        except requests.ConnectionError:
            assert process.poll() is None and time.time() < deadline, "did not start"
            time.sleep(0.1)


@pytest.fixture
def scratch():
    # Readable by nginx's workers, which do not run as root.
    path = Path(tempfile.mkdtemp(prefix="sso-deploy-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def serve_as_the_unit_does(scratch, port):
    """The unit's command line with this machine's binary, data, resources and port."""
    args = exec_start()
    assert args[0] == "/usr/local/bin/sso" and args[1] == "serve"
    replace = {"--data": str(scratch / "data"), "--resources": str(ROOT / "Resources"), "--port": str(port)}
    for i, arg in enumerate(args):
        if arg in replace:
            args[i + 1] = replace[arg]
    return subprocess.Popen([SSO_BIN, *args[1:]], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_the_systemd_unit_verifies_and_its_command_line_serves(scratch):
    unit = scratch / "unified-sso.service"
    unit.write_text((DEPLOY / "unified-sso.service").read_text().replace("/usr/local/bin/sso", SSO_BIN))
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    assert result.returncode == 0 and "unified-sso.service" not in result.stderr, result.stderr
    port = free_port()
    server = serve_as_the_unit_does(scratch, port)
    try:
        assert wait_for(f"http://127.0.0.1:{port}/healthz", server).status_code == 200
        metadata = requests.get(f"http://127.0.0.1:{port}/.well-known/openid-configuration").json()
        assert metadata["issuer"] == "https://sso.example.com"
    finally:
        server.send_signal(signal.SIGTERM)   # the unit's KillSignal: a clean exit
        assert server.wait(timeout=20) == 0


def test_the_nginx_sample_fronts_the_server_over_tls(scratch):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed (Scripts/setup --servers installs it)")
    port, http_port, https_port = free_port(), free_port(), free_port()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=sso.test",
                    "-keyout", str(scratch / "key.pem"), "-out", str(scratch / "cert.pem")],
                   check=True, capture_output=True)
    site = (DEPLOY / "nginx-sso.conf").read_text()
    site = re.sub(r"\n\s*listen \[::\][^\n]*", "", site)   # no IPv6 in every sandbox
    site = (site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
                .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
                .replace("127.0.0.1:8080", f"127.0.0.1:{port}")
                .replace("/etc/letsencrypt/live/sso.example.com/fullchain.pem", str(scratch / "cert.pem"))
                .replace("/etc/letsencrypt/live/sso.example.com/privkey.pem", str(scratch / "key.pem")))
    (scratch / "tmp").mkdir()
    (scratch / "nginx.conf").write_text(nginx_config(scratch, site))
    check = subprocess.run([nginx, "-t", "-p", str(scratch), "-c", str(scratch / "nginx.conf")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    server = serve_as_the_unit_does(scratch, port)
    proxy = subprocess.Popen([nginx, "-p", str(scratch), "-c", str(scratch / "nginx.conf"), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    urllib3.disable_warnings()
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", server)
        https = f"https://127.0.0.1:{https_port}"
        answer = wait_for(https + "/.well-known/openid-configuration", proxy, verify=False)
        assert answer.status_code == 200 and answer.json()["issuer"] == "https://sso.example.com"
        # nginx's $request_id (32 hex digits) reached the server, which trusts the proxy and kept it.
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-Id"]), answer.headers
        assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
        assert requests.get(https + "/readyz", verify=False).status_code == 200   # from an allowed address
        plain = requests.get(f"http://127.0.0.1:{http_port}/authorize?x=1", allow_redirects=False)
        assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
