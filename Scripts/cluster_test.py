"""Several UnifiedSSO instances on one PostgreSQL database behind nginx round-robin.

Starts PostgreSQL (Scripts/postgres) and nginx on loopback, three `sso serve` instances sharing
the database and the key-encryption key, then:
1. drives complete flows through nginx (authorize, login, consent, code exchange, userinfo,
   refresh, a second silent sign-in on the session cookie, logout, refresh refused after
   logout), checking from nginx's X-Upstream header that consecutive requests of each flow
   reached different instances;
2. runs token traffic from several workers, kills an instance chosen at random at a random
   moment (SIGKILL), and shows that no flow fails except those with a request in flight at the
   kill, and that every flow begun after it succeeds;
3. checks races across instances: one code sent to every instance at once is redeemed once; one
   refresh token sent to every instance at once has one successor;
4. stops PostgreSQL under the instances: requests get 503 at once and no instance dies; starts
   it again and shows that flows succeed again without restarting the instances; then restarts
   the killed instance and drives flows over all three.
Exit status 0 when all holds; the seed printed first reproduces the random choices.
"""
import argparse
import base64
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import requests

from scriptlib import free_port, nginx_config, pkce, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent
REDIRECT = "https://rp.example/callback"
LOGOUT_TARGET = "https://rp.example/bye"
PASSWORD = "cluster-horse-battery"


def log(message):
    print(message, flush=True)


class Cluster:
    def __init__(self, binary, work, instances):
        self.binary = binary
        self.work = work
        self.pg_dir = work / "postgres"
        self.pg_port = free_port()
        url = self.start_postgres()
        self.env = {**os.environ, "SSO_DATABASE": url + "&schema=cluster",
                    "SSO_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(), "SSO_LOG_FORMAT": "json"}
        self.proxy_port = free_port()
        self.issuer = f"http://127.0.0.1:{self.proxy_port}"
        self.ports = [free_port() for _ in range(instances)]
        self.processes = {}
        self.nginx = None

    def start_postgres(self):
        return subprocess.run([str(ROOT / "Scripts/postgres"), "start", str(self.pg_dir), str(self.pg_port)],
                              check=True, capture_output=True, text=True).stdout.strip()

    def stop_postgres(self):
        subprocess.run([str(ROOT / "Scripts/postgres"), "stop", str(self.pg_dir)], check=True)

    def cli(self, *args, stdin=None):
        result = subprocess.run([self.binary, *args, "--data", str(self.work / "cli")], input=stdin,
                                capture_output=True, text=True, env=self.env, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"sso {' '.join(args)}: {result.stderr}")
        return result.stdout

    def start_instance(self, port):
        data = self.work / f"instance-{port}"
        data.mkdir(exist_ok=True)
        logfile = open(data / "server.log", "a")
        self.processes[port] = subprocess.Popen(
            [self.binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--data", str(data),
             "--issuer", self.issuer, "--trusted-proxy", "127.0.0.1"],
            stdout=logfile, stderr=subprocess.STDOUT, env=self.env, cwd=ROOT)
        wait_until_serving(f"http://127.0.0.1:{port}/.well-known/openid-configuration", self.processes[port],
                           lambda: (data / "server.log").read_text()[-3000:])

    def start_nginx(self):
        conf = self.work / "nginx"
        (conf / "tmp").mkdir(parents=True, exist_ok=True)
        servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;" for port in self.ports)
        (conf / "nginx.conf").write_text(nginx_config(conf, f"""
    upstream sso {{
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{self.proxy_port};
        location / {{
            proxy_pass http://sso;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A refused connection (a dead instance) is retried on the next one; a request
            # already sent is not, unless it is idempotent (nginx's default).
            proxy_next_upstream error timeout;
            proxy_connect_timeout 1s;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
""", access_log=conf / "access.log"))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.nginx = subprocess.Popen([nginx, "-p", str(conf), "-c", str(conf / "nginx.conf"), "-g", "daemon off;"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_until_serving(self.issuer + "/.well-known/openid-configuration", self.nginx,
                           lambda: (conf / "error.log").read_text(), timeout=20)

    def kill(self, port):
        self.processes[port].send_signal(signal.SIGKILL)
        self.processes[port].wait()

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.nginx and self.nginx.poll() is None:
            self.nginx.terminate()
            self.nginx.wait(timeout=10)
        subprocess.run([str(ROOT / "Scripts/postgres"), "stop", str(self.pg_dir)], check=False)


class FlowFailed(Exception):
    pass


class Flow:
    """One user agent and one confidential client talking to the cluster through nginx."""

    def __init__(self, cluster, client, login="alice"):
        self.cluster = cluster
        self.client = client
        self.login = login
        self.browser = requests.Session()
        self.api = requests.Session()
        self.upstreams = []

    def request(self, session, method, path_or_url, expect=(200,), **kwargs):
        url = path_or_url if path_or_url.startswith("http") else self.cluster.issuer + path_or_url
        response = session.request(method, url, allow_redirects=False, timeout=30, **kwargs)
        self.upstreams.append(response.headers.get("X-Upstream", "?"))
        if response.status_code not in expect:
            raise FlowFailed(f"{method} {urlparse(url).path}: {response.status_code} {response.text[:300]}")
        return response

    def authorize(self, login=True):
        """The browser's way from /authorize to the client's redirect URI; returns the code."""
        verifier, challenge = pkce()
        state = os.urandom(8).hex()
        query = urlencode({"response_type": "code", "client_id": self.client["client_id"], "redirect_uri": REDIRECT,
                           "scope": "openid profile email offline_access", "state": state,
                           "nonce": os.urandom(8).hex(), "code_challenge": challenge,
                           "code_challenge_method": "S256"})
        response = self.request(self.browser, "GET", "/authorize?" + query, expect=(302, 303))
        for _ in range(6):
            location = response.headers["Location"]
            if location.startswith(REDIRECT):
                parameters = parse_qs(urlparse(location).query)
                if parameters.get("state") != [state] or "code" not in parameters:
                    raise FlowFailed("redirect without code or with another state: " + location)
                return parameters["code"][0], verifier
            if not login:
                raise FlowFailed("a signed-in browser was sent to " + location)
            page = self.request(self.browser, "GET", urljoin(self.cluster.issuer, location))
            fields = dict(re.findall(r'name="(interaction|csrf)" value="([^"]+)"', page.text))
            if location.startswith("/login"):
                response = self.request(self.browser, "POST", "/login", expect=(302, 303),
                                        data={**fields, "login": self.login, "password": PASSWORD})
            else:
                response = self.request(self.browser, "POST", "/consent", expect=(302, 303),
                                        data={**fields, "decision": "approve"})
        raise FlowFailed("too many hops")

    def token(self, expect=(200,), **form):
        response = self.request(self.api, "POST", "/token", expect=expect, data=form,
                                auth=(self.client["client_id"], self.client["client_secret"]))
        return response.json()

    def exchange(self, code, verifier):
        return self.token(grant_type="authorization_code", code=code, redirect_uri=REDIRECT, code_verifier=verifier)

    def userinfo(self, access_token):
        return self.request(self.api, "GET", "/userinfo", headers={"Authorization": "Bearer " + access_token}).json()

    def complete(self):
        """Login, consent, code, userinfo, refresh, silent sign-in, logout, refusal after logout."""
        code, verifier = self.authorize(login=True)
        tokens = self.exchange(code, verifier)
        if self.userinfo(tokens["access_token"]).get("email") != "alice@example.com":
            raise FlowFailed("userinfo lacks the user's e-mail")
        refreshed = self.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
        self.userinfo(refreshed["access_token"])
        code, verifier = self.authorize(login=False)
        silent = self.exchange(code, verifier)
        self.request(self.browser, "GET", "/logout?" + urlencode({
            "id_token_hint": silent["id_token"], "post_logout_redirect_uri": LOGOUT_TARGET}), expect=(302, 303))
        refused = self.token(expect=(400,), grant_type="refresh_token", refresh_token=silent["refresh_token"])
        if refused.get("error") != "invalid_grant":
            raise FlowFailed("a refresh token outlived its session's logout: " + json.dumps(refused))
        # The access tokens of the ended session are refused by every instance.
        self.request(self.api, "GET", "/userinfo", expect=(401,),
                     headers={"Authorization": "Bearer " + refreshed["access_token"]})

    def instances(self):
        return {addr.split(",")[-1].strip() for addr in self.upstreams if addr != "?"}


def complete_flows(cluster, client, count):
    seen = set()
    for index in range(count):
        flow = Flow(cluster, client)
        flow.complete()
        if len(flow.instances()) < 2:
            raise FlowFailed(f"flow {index} stayed on one instance: {flow.upstreams}")
        seen |= flow.instances()
        log(f"  flow {index + 1}: {len(flow.upstreams)} requests over {len(flow.instances())} instances")
    if len(seen) != len(cluster.ports):
        raise FlowFailed(f"only {sorted(seen)} of {len(cluster.ports)} instances served the flows")


def kill_under_load(cluster, client, workers, seconds, rng):
    """Workers sign in once, then repeat silent sign-in, code exchange, userinfo and refresh."""
    victim = rng.choice(cluster.ports)
    kill_at = rng.uniform(seconds * 0.3, seconds * 0.6)
    start = time.time()
    lock = threading.Lock()
    results = []  # (started, finished, error)

    def worker(index):
        # Each worker is a user of its own: one account signing in from one address many times
        # at the same moment is what the sign-in limits treat as guessing.
        flow = Flow(cluster, client, login=f"worker{index}")
        began = time.time() - start
        try:
            flow.authorize(login=True)
        except (FlowFailed, requests.RequestException) as error:
            with lock:
                results.append((began, time.time() - start, f"sign-in: {error}"))
            return
        while time.time() - start < seconds:
            began = time.time() - start
            error = None
            try:
                code, verifier = flow.authorize(login=False)
                tokens = flow.exchange(code, verifier)
                flow.userinfo(tokens["access_token"])
                flow.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
            except (FlowFailed, requests.RequestException) as failure:
                error = str(failure)
            with lock:
                results.append((began, time.time() - start, error))

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(workers)]
    for thread in threads:
        thread.start()
    time.sleep(kill_at)
    killed = time.time() - start
    cluster.kill(victim)
    log(f"  killed the instance on port {victim} (SIGKILL) at {killed:.1f} s")
    for thread in threads:
        thread.join()

    failed = [r for r in results if r[2]]
    in_flight = [r for r in failed if r[0] <= killed <= r[1]]
    after = [r for r in failed if r[0] > killed]
    log(f"  {len(results)} flows in {seconds} s over {workers} workers: {len(failed)} failed "
        f"({len(in_flight)} in flight at the kill, {len(after)} begun after it)")
    for r in failed:
        log(f"    failed flow {r[0]:.2f}-{r[1]:.2f} s: {' '.join(r[2].split())[:160]}")
    if len(failed) != len(in_flight) or len(in_flight) > workers:
        raise FlowFailed("flows failed that were not in flight when the instance died")
    if sum(1 for r in results if r[0] > killed and not r[2]) == 0:
        raise FlowFailed("no flow completed after the kill")
    return victim


def database_restart(cluster, client, victim):
    """PostgreSQL away under the instances, then back: while it is away requests fail with an
    error and no instance dies; once it is back they reconnect by themselves."""
    flow = Flow(cluster, client)
    flow.complete()
    cluster.stop_postgres()
    statuses = []
    stopped = time.time()
    for _ in range(6):
        response = requests.post(cluster.issuer + "/token", timeout=30, auth=(client["client_id"], client["client_secret"]),
                                 data={"grant_type": "refresh_token", "refresh_token": "x" * 43})
        statuses.append(response.status_code)
        try:
            Flow(cluster, client).complete()
            raise FlowFailed("a complete flow succeeded with the database stopped")
        except FlowFailed as failure:
            if "succeeded with the database stopped" in str(failure):
                raise
    away = time.time() - stopped
    dead = [port for port, process in cluster.processes.items() if process.poll() is not None and port != victim]
    if dead:
        raise FlowFailed(f"instances {dead} died while the database was away")
    if any(status != 503 for status in statuses):
        raise FlowFailed(f"token requests answered {statuses} with the database stopped, not 503")
    cluster.start_postgres()
    restarted = time.time()
    failures = 0
    while True:
        try:
            Flow(cluster, client).complete()
            break
        except (FlowFailed, requests.RequestException) as failure:
            failures += 1
            if time.time() - restarted > 30:
                raise FlowFailed(f"no flow succeeded within 30 s of the database restart: {failure}")
            time.sleep(0.2)
    recovered = time.time() - restarted
    for _ in range(3):
        Flow(cluster, client).complete()
    log(f"  PostgreSQL stopped: 6 flows and 6 token requests failed in {away:.1f} s (the requests with "
        f"503), every instance stayed up; started again: the next complete flow succeeded {recovered:.1f} s "
        f"later, after {failures} failed attempts; three more flows succeeded")


def races(cluster, client, live_ports):
    """One code, then one refresh token, sent to every live instance at the same moment."""
    flow = Flow(cluster, client)
    code, verifier = flow.authorize(login=True)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}
    answers = send_at_once(live_ports, client, form, copies=3)
    winners = [a for a in answers if a[0] == 200]
    if len(winners) != 1 or any(a[0] != 400 for a in answers if a[0] != 200):
        raise FlowFailed(f"one code, {len(answers)} presentations: {[a[0] for a in answers]}")
    # A code presented twice revokes what it issued (RFC 6749 section 4.1.2), whichever
    # instance saw the replay: the winner's refresh token is dead everywhere.
    refused = flow.token(expect=(400,), grant_type="refresh_token", refresh_token=winners[0][1]["refresh_token"])
    if refused.get("error") != "invalid_grant":
        raise FlowFailed("the tokens of a replayed code survived: " + json.dumps(refused))

    code, verifier = flow.authorize(login=False)
    refresh_token = flow.exchange(code, verifier)["refresh_token"]
    answers = send_at_once(live_ports, client, {"grant_type": "refresh_token", "refresh_token": refresh_token}, copies=3)
    successors = {a[1]["refresh_token"] for a in answers if a[0] == 200}
    if len(successors) != 1:
        raise FlowFailed(f"one refresh token had {len(successors)} successors: {answers}")
    log(f"  one code sent {len(answers)} times at once to {len(live_ports)} instances: one redemption, and the "
        f"replay revoked its tokens; one refresh token sent {len(answers)} times at once: one successor "
        f"({sum(1 for a in answers if a[0] == 200)} identical answers within the reuse grace window)")


def send_at_once(ports, client, form, copies):
    barrier = threading.Barrier(len(ports) * copies)
    answers = []
    lock = threading.Lock()

    def send(port):
        barrier.wait()
        response = requests.post(f"http://127.0.0.1:{port}/token", data=form, timeout=30,
                                 auth=(client["client_id"], client["client_secret"]))
        with lock:
            answers.append((response.status_code, response.json()))

    threads = [threading.Thread(target=send, args=(port,)) for port in ports for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--flows", type=int, default=6)
    parser.add_argument("--workers", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    log(f"cluster test: {args.instances} instances, seed {seed}")
    rng = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix="sso-cluster-"))
    work.chmod(0o755)  # run as root, PostgreSQL runs as the postgres user and must reach its directory
    cluster = Cluster(args.binary, work, args.instances)
    ok = False
    try:
        cluster.cli("user", "add", "--login", "alice", "--password-stdin", "--email", "alice@example.com",
                    "--email-verified", "--name", "Alice", stdin=PASSWORD + "\n")
        for index in range(args.workers):
            cluster.cli("user", "add", "--login", f"worker{index}", "--password-stdin", stdin=PASSWORD + "\n")
        client = json.loads(cluster.cli("client", "add", "--id", "rp", "--name", "Relying Party", "--redirect-uri",
                                        REDIRECT, "--post-logout-redirect-uri", LOGOUT_TARGET,
                                        "--scope", "openid profile email offline_access"))
        started = time.time()
        for port in cluster.ports:
            cluster.start_instance(port)
        cluster.start_nginx()
        log(f"  PostgreSQL, nginx on {cluster.proxy_port} and instances on {cluster.ports} up in "
            f"{time.time() - started:.1f} s")
        log("complete flows, round-robin:")
        complete_flows(cluster, client, args.flows)
        log("an instance killed under load:")
        victim = kill_under_load(cluster, client, args.workers, args.seconds, rng)
        log("races across the surviving instances:")
        races(cluster, client, [port for port in cluster.ports if port != victim])
        log("the database stopped and started under the instances:")
        database_restart(cluster, client, victim)
        log("the killed instance restarted, flows over all instances again:")
        cluster.start_instance(victim)
        time.sleep(2.5)  # nginx's fail_timeout: the instance is tried again after it
        complete_flows(cluster, client, 3)
        ok = True
    finally:
        cluster.stop()
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"work directory kept: {work}")
    log("cluster test passed")


if __name__ == "__main__":
    try:
        main()
    except FlowFailed as failure:
        log(f"cluster test FAILED: {failure}")
        sys.exit(1)
