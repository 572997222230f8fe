"""What operators rely on, against the real binary: JSON-line access logs and security events
that share the request id returned in X-Request-Id, health probes that follow the database, and
a graceful shutdown on SIGTERM that finishes the requests in flight."""
import json
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import requests

from conftest import PASSWORD, Server, cli, free_port

ROOT = Path(__file__).resolve().parents[2]


def records(server):
    return [json.loads(line) for line in (server.data_dir / "server.log").read_text().splitlines()]


def login_form(server, client):
    browser = requests.Session()
    query = {"response_type": "code", "client_id": client["client_id"], "redirect_uri": client["redirect_uris"][0],
             "scope": "openid", "state": "s", "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
             "code_challenge_method": "S256"}
    page = browser.get(server.metadata["authorization_endpoint"], params=query)
    return browser, dict(re.findall(r'name="(interaction|csrf)" value="([^"]+)"', page.text))


def test_the_access_log_and_security_events_carry_the_request_id_of_the_answer(server, confidential_client):
    browser, fields = login_form(server, confidential_client)
    failed = browser.post(server.issuer + "/login", data={**fields, "login": "alice", "password": "wrong"},
                          allow_redirects=False)
    request_id = failed.headers["X-Request-Id"]
    time.sleep(0.2)
    lines = records(server)
    access = [r for r in lines if r["message"] == "request" and r.get("request_id") == request_id]
    assert len(access) == 1, lines[-5:]
    assert access[0]["method"] == "POST" and access[0]["path"] == "/login" and access[0]["status"] == "200"
    assert float(access[0]["duration_ms"]) > 0 and access[0]["client_address"] == "127.0.0.1"
    events = [r for r in lines if r["message"] == "security event" and r.get("request_id") == request_id]
    assert [e["event"] for e in events] == ["login.failed"], events
    # Queries carry codes and tokens: the access log has the path alone.
    requests.get(server.issuer + "/authorize?client_id=rp&code=secret-value", allow_redirects=False)
    time.sleep(0.2)
    assert "secret-value" not in (server.data_dir / "server.log").read_text()


def test_head_answers_carry_no_content_so_a_kept_alive_connection_stays_in_step(server):
    """Load balancers probe with HEAD: it is answered wherever GET is (RFC 9110 section 9.1), 405
    for a POST-only path, 404 elsewhere, with headers only: a body would be read as the start of
    the next answer on the same connection, which here is asked for right after."""
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    expected = {"/.well-known/openid-configuration": 200, "/healthz": 200, "/token": 405, "/nowhere": 404}
    for path, status in expected.items():
        connection.request("HEAD", path)
        head = connection.getresponse()
        assert head.status == status and head.read() == b""
        connection.request("GET", "/.well-known/openid-configuration")
        get = connection.getresponse()
        document = get.read()
        assert get.status == 200 and json.loads(document)["issuer"] == server.issuer
        if status == 200 and path.startswith("/.well-known"):
            assert int(head.getheader("Content-Length")) == len(document)
    connection.close()


def test_readyz_follows_the_database_and_requests_get_503_while_it_is_away(tmp_path):
    # As root, PostgreSQL runs as the postgres user, who must reach its directory: not under
    # pytest's private temporary tree.
    scratch = Path(tempfile.mkdtemp(prefix="sso-readyz-"))
    scratch.chmod(0o755)
    pg_dir, port = scratch / "postgres", free_port()
    url = subprocess.run([str(ROOT / "Scripts/postgres"), "start", str(pg_dir), str(port)], check=True,
                         capture_output=True, text=True).stdout.strip()
    data = tmp_path / "data"
    server = None
    try:
        client = json.loads(cli(data, "client", "add", "--id", "rp", "--name", "RP", "--database", url,
                                "--redirect-uri", "https://rp.example/cb", "--scope", "openid"))
        server = Server(data, extra=("--database", url))
        ready = requests.get(server.issuer + "/readyz")
        assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "signing_keys": "ok"}
        subprocess.run([str(ROOT / "Scripts/postgres"), "stop", str(pg_dir)], check=True, capture_output=True)
        down = requests.get(server.issuer + "/readyz", timeout=10)
        assert down.status_code == 503, down.text
        assert down.json()["status"] == "unavailable" and down.json()["checks"]["database"] != "ok"
        assert down.json()["checks"]["signing_keys"] == "ok"
        assert requests.get(server.issuer + "/healthz").status_code == 200   # alive, just not ready
        # Requests that need the database: 503 with Retry-After (worth retrying), never a 500;
        # JSON for a client, an HTML page for a browser; and the server stays up.
        token = requests.post(server.issuer + "/token", auth=(client["client_id"], client["client_secret"]),
                              data={"grant_type": "refresh_token", "refresh_token": "x" * 43}, timeout=10)
        assert token.status_code == 503, token.text
        assert token.json()["error"] == "temporarily_unavailable" and token.headers["Retry-After"] == "1"
        page = requests.get(server.issuer + "/authorize", headers={"Accept": "text/html"}, timeout=10, params={
            "response_type": "code", "client_id": "rp", "redirect_uri": "https://rp.example/cb", "scope": "openid",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"},
            allow_redirects=False)
        assert page.status_code == 503 and page.headers["Retry-After"] == "1"
        assert "text/html" in page.headers["Content-Type"] and "database" in page.text
        assert server.process.poll() is None
        subprocess.run([str(ROOT / "Scripts/postgres"), "start", str(pg_dir), str(port)], check=True,
                       capture_output=True)
        deadline = time.time() + 20
        while requests.get(server.issuer + "/readyz", timeout=10).status_code != 200:
            assert time.time() < deadline, "not ready again after PostgreSQL came back"
            time.sleep(0.2)
    finally:
        if server:
            server.stop()
        subprocess.run([str(ROOT / "Scripts/postgres"), "stop", str(pg_dir)], capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)


def test_sigterm_finishes_the_requests_in_flight_then_exits(server, confidential_client):
    browser, fields = login_form(server, confidential_client)
    answers = []

    def sign_in():   # a bcrypt cost-12 verification: a few hundred milliseconds in flight
        answers.append(browser.post(server.issuer + "/login", allow_redirects=False,
                                    data={**fields, "login": "alice", "password": PASSWORD}))

    worker = threading.Thread(target=sign_in)
    worker.start()
    time.sleep(0.05)
    server.process.send_signal(signal.SIGTERM)
    worker.join(timeout=20)
    assert answers and answers[0].status_code == 302, answers and answers[0].text[:300]
    assert "code=" in answers[0].headers["Location"] or answers[0].headers["Location"].startswith("/consent")
    assert server.process.wait(timeout=20) == 0
    try:
        requests.get(server.issuer + "/healthz", timeout=2)
        raise AssertionError("still answering after SIGTERM")
    except requests.ConnectionError:
        pass


METRICS_TOKEN = "metrics-token-" + "7" * 32


def scrape(issuer):
    """The exposition parsed by prometheus_client's own parser (an independent reader of the format)."""
    from prometheus_client.parser import text_string_to_metric_families
    answer = requests.get(issuer + "/metrics", headers={"Authorization": "Bearer " + METRICS_TOKEN})
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_metrics_scraped_during_load_count_every_request(tmp_path):
    data = tmp_path / "data"
    cli(data, "scope", "add", "--name", "quotes.read", "--description", "Read quotes")
    machine = json.loads(cli(data, "client", "add", "--id", "svc", "--grant-types", "client_credentials",
                             "--scope", "quotes.read"))
    server = Server(data, extra=["--metrics-token", METRICS_TOKEN])
    # Not public: without the token the scraper gets 401 and nothing of the exposition.
    refused = requests.get(server.issuer + "/metrics")
    assert refused.status_code == 401 and "http_requests_total" not in refused.text
    token_key = ("http_requests_total", (("method", "POST"), ("route", "/token"), ("status", "200")))
    issued_key = ("sso_tokens_issued_total", (("grant_type", "client_credentials"),))
    issued, stop, lock = [0], threading.Event(), threading.Lock()

    def load():
        session = requests.Session()
        while not stop.is_set():
            answer = session.post(server.metadata["token_endpoint"], auth=("svc", machine["client_secret"]),
                                  data={"grant_type": "client_credentials"})
            if answer.status_code == 200:
                with lock:
                    issued[0] += 1

    try:
        workers = [threading.Thread(target=load) for _ in range(4)]
        for worker in workers:
            worker.start()
        seen = []
        deadline = time.time() + 3
        while time.time() < deadline:
            seen.append(scrape(server.issuer).get(token_key, 0))
            time.sleep(0.2)
        stop.set()
        for worker in workers:
            worker.join()
        final = scrape(server.issuer)
        assert seen == sorted(seen) and seen[-1] > seen[0], seen      # counters only grow
        assert issued[0] > 20
        assert final[token_key] == issued[0] and final[issued_key] == issued[0]
        histogram = ("http_request_duration_seconds_count", (("method", "POST"), ("route", "/token")))
        assert final[histogram] == issued[0]
        assert final[("sso_db_connections_max", ())] >= 2
    finally:
        stop.set()
        server.stop()
