"""The benchmark behind Scripts/bench. See that script for usage."""
import argparse
import base64
import datetime
import concurrent.futures
import json
import os
import platform
import re
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlparse

import requests

from scriptlib import cli, free_port, pkce, wait_until_serving

ROOT = Path(__file__).resolve().parents[1]
WRK_DIR = ROOT / "Scripts" / "wrk"
REDIRECT = "https://bench.example/cb"
# How often each of the storm's clients posts a sign-in when they arrive on their own (ms).
STORM_PACE_MS = 1000
# Accounts the sign-in storm spreads over.
STORM_USERS = 2000
PASSWORD = "bench-password-1"
# The scenarios by their short names, for --scenarios; "-default" ones use a client registered
# with the defaults (RS256 ID tokens), the others one registered for ES256 ID tokens.
SCENARIOS = ["discovery", "refresh", "code", "refresh-default", "code-default", "userinfo-jwt", "userinfo-reference",
             "introspection", "login"]


def memory_kib(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    """User and system CPU time the process has used (/proc/PID/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def browser_login(issuer, client):
    """A full browser-style sign-in: authorize, login form, (consent skipped), code exchange."""
    session = requests.Session()
    verifier, challenge = pkce()
    query = urlencode({"response_type": "code", "client_id": client["client_id"], "redirect_uri": REDIRECT,
                       "scope": "openid profile", "state": "s", "code_challenge": challenge,
                       "code_challenge_method": "S256"})
    page = session.get(f"{issuer}/authorize?{query}")
    fields = dict(re.findall(r'name="(interaction|csrf)" value="([^"]+)"', page.text))
    answer = session.post(f"{issuer}/login", data={**fields, "login": "bench", "password": PASSWORD},
                          allow_redirects=False)
    location = answer.headers["Location"]
    code = parse_qs(urlparse(location).query)["code"][0]
    tokens = requests.post(f"{issuer}/token", auth=(client["client_id"], client["client_secret"]), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier})
    tokens.raise_for_status()
    return tokens.json()


def basic(client):
    return "Basic " + base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()


class Bench:
    def __init__(self, args, backend):
        self.args = args
        self.backend = backend
        self.binary = args.binary
        work = Path(tempfile.mkdtemp(prefix="sso-bench-"))
        work.chmod(0o755)  # as root, PostgreSQL runs as the postgres user and must reach its directory
        self.data = work / "data"
        self.postgres = work / "postgres"
        self.results = []
        os.environ.pop("SSO_DATABASE", None)
        if backend == "postgres":
            # The same machine: PostgreSQL competes with the server and wrk for the two cores.
            url = subprocess.run([str(ROOT / "Scripts/postgres"), "start", str(self.postgres), str(free_port())],
                                 check=True, capture_output=True, text=True).stdout.strip()
            os.environ["SSO_DATABASE"] = url

    def setup(self):
        b, d = self.binary, self.data
        cli(b, d, "user", "add", "--login", "bench", "--password-stdin", stdin=PASSWORD + "\n")
        # ES256 ID tokens, as clients that accept them should register (an RS256 signature costs
        # about four ES256 ones); the "-default" scenarios measure the RS256 default.
        self.app = json.loads(cli(b, d, "client", "add", "--id", "bench", "--redirect-uri", REDIRECT,
                                  "--scope", "openid profile", "--skip-consent", "--id-token-alg", "ES256"))
        self.ref = json.loads(cli(b, d, "client", "add", "--id", "bench-ref", "--redirect-uri", REDIRECT,
                                  "--scope", "openid profile", "--skip-consent", "--access-token-format", "reference"))
        # A client registered with the defaults: RS256 ID tokens, as OpenID Connect requires
        # every client to accept and most register.
        self.default = json.loads(cli(b, d, "client", "add", "--id", "bench-default", "--redirect-uri", REDIRECT,
                                      "--scope", "openid profile", "--skip-consent"))
        self.verifier, _ = pkce()
        self.pools = self.data.parent / "pools"
        self.default_pools = self.data.parent / "pools-default"
        # Pools for twice the rates measured so far, seeded only for the scenarios that run.
        for client, pools, rate, scenarios in [("bench", self.pools, 9000, ("refresh", "code")),
                                               ("bench-default", self.default_pools, 6000,
                                                ("refresh-default", "code-default"))]:
            if not any(self.wanted(name) for name in scenarios):
                continue
            pool = self.args.seconds * rate
            started = time.time()
            print(cli(b, d, "bench", "seed", "--client", client, "--login", "bench", "--refresh-tokens", str(pool),
                      "--codes", str(pool), "--code-verifier=" + self.verifier, "--out", str(pools)).strip(),
                  f"({time.time() - started:.0f} s)")

    def wanted(self, name):
        return not self.args.scenarios or name in self.args.scenarios

    def start(self):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.log = open(self.data / "server.log", "w")
        started = time.perf_counter()
        # The storm's clients all come from loopback: the per-address connection cap (for a server
        # facing the internet) is lifted, as it is behind a proxy.
        extra = ["--max-connections-per-address", "0"] if self.args.storm else []
        self.server = subprocess.Popen([self.binary, "serve", "--port", str(self.port), "--data", str(self.data),
                                        "--log-format", "text", *extra], stdout=self.log, stderr=self.log,
                                       env={**os.environ, "SSO_LOG_LEVEL": "warning"})
        # Polled every 2 ms: the start-up time is measured by this loop.
        wait_until_serving(self.issuer + "/.well-known/openid-configuration", self.server,
                           lambda: (self.data / "server.log").read_text(), interval=0.002)
        self.startup_ms = (time.perf_counter() - started) * 1000
        time.sleep(1)
        self.idle_kib = memory_kib(self.server.pid, "VmRSS")
        # RSS counts the mapped pages of the binary and the Swift libraries, shared with every
        # other process using them; the anonymous part is the server's own memory.
        self.idle_private_kib = memory_kib(self.server.pid, "RssAnon")

    def wrk(self, name, script, path, **env):
        command = ["wrk", "-t", str(self.args.threads), "-c", str(self.args.connections),
                   "-d", f"{self.args.seconds}s", "--latency", "-s", str(WRK_DIR / script), self.issuer + path]
        environment = {**os.environ, "BENCH_WRK_DIR": str(WRK_DIR), "BENCH_THREADS": str(self.args.threads),
                       **{f"BENCH_{k.upper()}": v for k, v in env.items()}}
        cpu_before = cpu_seconds(self.server.pid)
        output = subprocess.run(command, capture_output=True, text=True, env=environment, check=True).stdout
        cpu_used = cpu_seconds(self.server.pid) - cpu_before
        line = next(l for l in output.splitlines() if l.startswith("{"))
        result = json.loads(line)
        # The server's CPU per answered request: what a change costs, whatever else the machine runs.
        result["cpu_us"] = 1e6 * cpu_used / max(1, result["requests"])
        result["rss_mib"] = memory_kib(self.server.pid, "VmRSS") / 1024
        self.report(name, result)

    def report(self, name, result):
        result["scenario"] = name
        self.results.append(result)
        cpu = f"  cpu {result['cpu_us']:>6.0f} us/req" if "cpu_us" in result else ""
        print(f"{name:<42} {result['rps']:>9.0f}/s  p50 {result['p50_ms']:>6.2f} ms  p99 {result['p99_ms']:>7.2f} ms"
              f"  errors {result['errors']:>5}  rss {result['rss_mib']:>5.0f} MiB{cpu}", flush=True)

    def logins(self):
        """Browser-style logins from several workers for the scenario's duration."""
        stop = time.time() + max(self.args.seconds, 10)
        latencies, errors, lock = [], [0], threading.Lock()

        def worker():
            while time.time() < stop:
                started = time.perf_counter()
                try:
                    browser_login(self.issuer, self.app)
                    with lock:
                        latencies.append((time.perf_counter() - started) * 1000)
                except Exception:
                    with lock:
                        errors[0] += 1

        begun = time.time()
        threads = [threading.Thread(target=worker) for _ in range(self.args.login_workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.time() - begun
        latencies.sort()
        pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0
        self.report("login (browser flow)", {"requests": len(latencies), "seconds": elapsed,
                                              "rps": len(latencies) / elapsed, "p50_ms": pick(0.5),
                                              "p99_ms": pick(0.99), "errors": errors[0],
                                              "rss_mib": memory_kib(self.server.pid, "VmRSS") / 1024})

    def prepare_logins(self, count):
        """`count` login forms ready to post, as browsers hold them after /authorize and the login
        page: one "cookie<TAB>form" line each, in a file for storm.lua."""
        first = getattr(self, "storm_logins", 0)
        self.storm_logins = first + count

        def prepare(number):
            # Each form signs in a user of its own: a storm is many people, and one account's
            # sign-ins in flight from one address are held to that account's failure limit.
            login = f"storm-{number % STORM_USERS}"
            session = requests.Session()
            _, challenge = pkce()
            query = urlencode({"response_type": "code", "client_id": self.app["client_id"], "redirect_uri": REDIRECT,
                               "scope": "openid profile", "state": "s", "code_challenge": challenge,
                               "code_challenge_method": "S256"})
            page = session.get(f"{self.issuer}/authorize?{query}")
            fields = dict(re.findall(r'name="(interaction|csrf)" value="([^"]+)"', page.text))
            cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
            return cookie + "\t" + urlencode({**fields, "login": login, "password": PASSWORD})
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            lines = list(pool.map(prepare, range(first + 1, first + count + 1)))
        path = self.data.parent / f"storm-{time.time_ns()}.txt"
        path.write_text("\n".join(lines) + "\n")
        return path

    def probe(self, stop, jwt, refresh_tokens):
        """Discovery, userinfo and refresh requests one after another until `stop`: their latencies."""
        session = requests.Session()
        latencies = {"discovery": [], "userinfo": [], "refresh": []}
        while not stop.is_set():
            for name in latencies:
                started = time.perf_counter()
                if name == "discovery":
                    answer = session.get(f"{self.issuer}/.well-known/openid-configuration")
                elif name == "userinfo":
                    answer = session.get(f"{self.issuer}/userinfo", headers={"Authorization": "Bearer " + jwt})
                else:
                    answer = session.post(f"{self.issuer}/token", headers={"Authorization": basic(self.app)},
                                          data={"grant_type": "refresh_token", "refresh_token": refresh_tokens.pop()})
                if answer.status_code == 200:
                    latencies[name].append((time.perf_counter() - started) * 1000)
            time.sleep(0.01)
        return latencies

    def storm(self):
        """Browser sign-ins: first what the server sustains (a few clients, each posting its next
        sign-in as soon as the last is answered), then people arriving on their own at 1x, 3x and
        10x that rate, beside a probe of discovery, userinfo and refresh."""
        self.setup()
        # The storm's users share the bench user's password and its hash (imported, not hashed again).
        bench_hash = next(json.loads(line)["password_hash"] for line in cli(self.binary, self.data, "user", "export").splitlines()
                          if json.loads(line)["login"] == "bench")
        cli(self.binary, self.data, "user", "import", "--file", "-", stdin="".join(
            json.dumps({"login": f"storm-{n}", "password_hash": bench_hash}) + "\n" for n in range(STORM_USERS)))
        hash_rate = json.loads(subprocess.run([self.binary, "bench", "hash", "--seconds", "4"], capture_output=True,
                                              text=True, check=True).stdout)
        self.start()
        jwt = browser_login(self.issuer, self.app)["access_token"]
        refresh_tokens = (self.pools / "refresh_tokens.txt").read_text().split()
        cores = hash_rate["cores"]
        capacity = hash_rate["verifications_per_second"]
        print(f"Argon2id alone: {capacity:.1f} verifications/s on {cores} cores "
              f"({hash_rate['seconds_per_verification_per_core'] * 1000:.1f} ms each)", flush=True)
        pick = lambda values, q: sorted(values)[min(len(values) - 1, int(q * len(values)))] if values else float("nan")
        rows = []

        def measure(label, load):
            stop = threading.Event()
            probed = {}
            thread = threading.Thread(target=lambda: probed.update(self.probe(stop, jwt, refresh_tokens)))
            thread.start()
            cpu = cpu_seconds(self.server.pid)
            result = load()
            result["cpu_s"] = cpu_seconds(self.server.pid) - cpu
            stop.set()
            thread.join()
            result.update({f"{name}_p50": pick(values, 0.5) for name, values in probed.items()})
            result.update({f"{name}_p99": pick(values, 0.99) for name, values in probed.items()})
            result["label"] = label
            result["rss_mib"] = memory_kib(self.server.pid, "VmRSS") / 1024
            rows.append(result)
            self.storm_rows = rows
            sign = (f"{result['signed_in'] / result['seconds']:>6.1f} sign-ins/s of {result['rps']:>6.0f} posts/s  "
                    f"p50 {result['p50_ms']:>7.1f} ms  "
                    f"p99 {result['p99_ms']:>7.1f} ms  refused {100 * result['refused'] / max(1, result['requests']):>3.0f}%  "
                    f"other {result['other']}" + (f" ({result['other_status']})" if result['other'] else "") + "  "
                    f"server CPU {1000 * result['cpu_s'] / max(1, result['signed_in']):.1f} ms a sign-in  "
                    if "signed_in" in result else "")
            print(f"{label:<22} {sign}probe p50/p99 ms: " + "  ".join(
                f"{name} {result[name + '_p50']:.1f}/{result[name + '_p99']:.1f}" for name in probed)
                + f"  rss {result['rss_mib']:.0f} MiB", flush=True)

        measure("no storm", lambda: (time.sleep(self.args.seconds), {})[1])

        def sign_ins(label, clients, pace_ms, posts):
            forms = self.prepare_logins(posts)
            command = ["wrk", "-t", str(min(2, clients)), "-c", str(clients), "-d", f"{self.args.seconds}s",
                       "--latency", "-s", str(WRK_DIR / "storm.lua"), self.issuer + "/login"]
            environment = {**os.environ, "BENCH_WRK_DIR": str(WRK_DIR), "BENCH_THREADS": str(min(2, clients)),
                           "BENCH_POOL": str(forms), "BENCH_PACE_MS": str(pace_ms)}

            def load():
                output = subprocess.run(command, capture_output=True, text=True, env=environment, check=True).stdout
                return json.loads(next(l for l in output.splitlines() if l.startswith("{")))
            measure(label, load)
            return self.storm_rows[-1]

        sustained = None
        if not self.args.passkeys_only:
            # What the server sustains: a few clients at once, each posting its next form as soon as
            # the last is answered, keep every hashing thread busy without a queue to speak of.
            clients = 4 * cores
            row = sign_ins(f"saturated ({clients} at once)", clients, 0, int(capacity * self.args.seconds * 1.5) + 50)
            sustained = row["signed_in"] / row["seconds"]
            # Then people arriving on their own at 1x, 3x and 10x that rate: each client posts about
            # once a second, so the clients are the rate; a refused one comes back after Retry-After.
            for level in (1, 3, 10):
                clients = max(cores, round(level * sustained * STORM_PACE_MS / 1000))
                # Every post may use up its form (a refused one does not, but comes back): a form a
                # post for the level's whole run.
                posts = int(clients * 1000 / STORM_PACE_MS * self.args.seconds * 1.1) + 50
                sign_ins(f"{level}x ({clients / STORM_PACE_MS * 1000:.0f} arriving a second)", clients,
                         STORM_PACE_MS, posts)
        passkeys = self.passkey_storm(measure) if self.args.passkey_signins else None
        peak = memory_kib(self.server.pid, "VmHWM") / 1024
        print(f"peak resident memory: {peak:.0f} MiB")
        self.server.terminate()
        self.server.wait(timeout=10)
        if self.backend == "postgres":
            subprocess.run([str(ROOT / "Scripts/postgres"), "stop", str(self.postgres)], check=False)
        lines = [f"## Sign-in storm ({self.backend})", "",
                 f"Argon2id alone: {capacity:.1f} verifications/s on {cores} cores. Clients post prepared login "
                 f"forms: first {4 * cores} at once, each the next as soon as the last is answered (what the server "
                 f"sustains: {sustained or 0:.1f} sign-ins/s), then people arriving on their own at 1x, 3x and 10x "
                 f"that rate, each client about once every {STORM_PACE_MS / 1000:g} s, a refused one again after "
                 f"Retry-After; the probe sends discovery, userinfo and refresh requests one after another "
                 f"meanwhile.", "",
                 "| Load | Sign-ins/s | Posts/s | p50 ms | p99 ms | Refused | Probe p99 ms (discovery / userinfo / refresh) | RSS MiB |",
                 "|---|---:|---:|---:|---:|---:|---|---:|"]
        for row in rows:
            if "signed_in" in row:
                lines.append(f"| {row['label']} | {row['signed_in'] / row['seconds']:.1f} | {row['rps']:.0f} | {row['p50_ms']:.0f} | "
                             f"{row['p99_ms']:.0f} | {100 * row['refused'] / max(1, row['requests']):.0f}% | "
                             f"{row['discovery_p99']:.1f} / {row['userinfo_p99']:.1f} / {row['refresh_p99']:.1f} | "
                             f"{row['rss_mib']:.0f} |")
            else:
                lines.append(f"| {row['label']} | | | | | | {row['discovery_p99']:.1f} / {row['userinfo_p99']:.1f} / "
                             f"{row['refresh_p99']:.1f} | {row['rss_mib']:.0f} |")
        lines += ["", f"- Peak resident memory {peak:.0f} MiB."]
        if passkeys:
            lines.append(f"- Passkey sign-ins: {passkeys['prepare_us']:.0f} us of server CPU to prepare one (/authorize, "
                         f"the login page, the challenge) and {passkeys['post_us']:.0f} us to verify it and open the "
                         f"session: {passkeys['capacity']:.0f} whole sign-ins a second on {passkeys['cores']} cores.")
        return lines + [""]

    def passkey_storm(self, measure):
        """Passkey sign-ins posted by many clients at once (see bench_passkeys): sign-ins a second,
        and the server's CPU per whole sign-in."""
        import bench_passkeys
        _, challenge = pkce()
        client = self.app["client_id"]
        users = [bench_passkeys.register(self.issuer, client, REDIRECT, challenge, f"storm-{n}", PASSWORD)
                 for n in range(50)]
        count = self.args.passkey_signins
        before = cpu_seconds(self.server.pid)
        started = time.time()
        lines = bench_passkeys.prepare_all(self.issuer, client, REDIRECT, challenge, users, count)
        prepare_us = 1e6 * (cpu_seconds(self.server.pid) - before) / count
        print(f"{count} passkey sign-ins prepared in {time.time() - started:.0f} s", flush=True)
        path = self.data.parent / f"passkeys-{time.time_ns()}.txt"
        path.write_text("\n".join(lines) + "\n")
        clients = 64
        seconds = min(self.args.seconds, 5)
        command = ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "--latency", "-s",
                   str(WRK_DIR / "storm.lua"), self.issuer + "/login/passkey"]
        environment = {**os.environ, "BENCH_WRK_DIR": str(WRK_DIR), "BENCH_THREADS": "2", "BENCH_POOL": str(path),
                       "BENCH_CONTENT_TYPE": "application/json", "BENCH_SUCCESS": "200"}
        posted = {}

        def load():
            cpu = cpu_seconds(self.server.pid)
            output = subprocess.run(command, capture_output=True, text=True, env=environment, check=True).stdout
            result = json.loads(next(l for l in output.splitlines() if l.startswith("{")))
            posted["cpu"] = cpu_seconds(self.server.pid) - cpu
            return result
        measure(f"passkeys ({clients} at once)", load)
        row = self.storm_rows[-1]
        if row["other"]:
            print(f"warning: {row['other']} answers were not sign-ins (status {row['other_status']}): "
                  f"raise --passkey-signins above {count} if the prepared ones ran out", flush=True)
        post_us = 1e6 * posted["cpu"] / max(1, row["signed_in"])
        # The steps before the assertion, each under load as the last one was (a browser of
        # its own per /authorize; the login page and the challenge for one browser again and
        # again, which costs what it costs for many): the preparation above ran them one by one
        # from four clients, which pays a wake-up per request.
        session = requests.Session()
        authorize = bench_passkeys.authorize_url(self.issuer, client, REDIRECT, challenge)
        login_path = session.get(authorize, allow_redirects=False).headers["Location"]
        interaction, csrf = bench_passkeys.login_page(session, self.issuer + login_path)
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        options = self.data.parent / "passkey-options.txt"
        # One line per wrk thread: storm.lua deals the lines out among its threads.
        options.write_text((cookie + "\t" + json.dumps({"csrf": csrf, "interaction": interaction}) + "\n")
                           * self.args.threads)
        steps = {}
        for name, script, path, env in [
                ("passkey step: /authorize (a new browser)", "get.lua", authorize[len(self.issuer):], {}),
                ("passkey step: the login page", "get.lua", login_path, {"cookie": cookie}),
                ("passkey step: the challenge", "storm.lua", "/login/passkey/options",
                 {"pool": str(options), "content_type": "application/json", "success": "200"})]:
            self.wrk(name, script, path, **env)
            steps[name] = self.results[-1]["cpu_us"]
        loaded_prepare_us = sum(steps.values())
        cores = os.cpu_count()
        capacity = cores * 1e6 / (loaded_prepare_us + post_us)
        print(f"passkey sign-in: {loaded_prepare_us:.0f} us server CPU to prepare under load "
              f"({prepare_us:.0f} us one by one), {post_us:.0f} us to verify: "
              f"{capacity:.0f} whole sign-ins/s on {cores} cores", flush=True)
        return {"prepare_us": loaded_prepare_us, "post_us": post_us, "capacity": capacity, "cores": cores}

    def run(self):
        if self.args.storm:
            return self.storm()
        self.setup()
        hash_rate = None
        if self.wanted("login"):
            hash_rate = json.loads(subprocess.run([self.binary, "bench", "hash", "--seconds", "4"],
                                                  capture_output=True, text=True, check=True).stdout)
        self.start()
        print(f"start-up to first answer: {self.startup_ms:.0f} ms; idle memory: {self.idle_kib / 1024:.1f} MiB "
              f"({self.idle_private_kib / 1024:.1f} MiB of it private, the rest mapped code)")
        jwt = browser_login(self.issuer, self.app)["access_token"]
        reference = browser_login(self.issuer, self.ref)["access_token"]
        redirect = quote(REDIRECT, safe="")
        # The token's own client introspects it (a resource server would need the issuer, known
        # only once the server runs, as its --resource-server audience; the work is the same).
        scenarios = [
            ("discovery", "discovery", "get.lua", "/.well-known/openid-configuration", {}),
            ("refresh", "refresh_token grant", "refresh.lua", "/token",
             dict(pool=str(self.pools / "refresh_tokens.txt"), authorization=basic(self.app))),
            ("code", "authorization_code grant", "code.lua", "/token",
             dict(pool=str(self.pools / "codes.txt"), authorization=basic(self.app), redirect=redirect,
                  verifier=self.verifier)),
            ("refresh-default", "refresh_token grant (RS256 ID token)", "refresh.lua", "/token",
             dict(pool=str(self.default_pools / "refresh_tokens.txt"), authorization=basic(self.default))),
            ("code-default", "authorization_code grant (RS256 ID token)", "code.lua", "/token",
             dict(pool=str(self.default_pools / "codes.txt"), authorization=basic(self.default), redirect=redirect,
                  verifier=self.verifier)),
            ("userinfo-jwt", "userinfo (JWT)", "get.lua", "/userinfo", dict(authorization="Bearer " + jwt)),
            ("userinfo-reference", "userinfo (reference token)", "get.lua", "/userinfo",
             dict(authorization="Bearer " + reference)),
            ("introspection", "introspection", "introspect.lua", "/introspect",
             dict(authorization=basic(self.app), token=jwt)),
        ]
        for key, name, script, path, env in scenarios:
            if self.wanted(key):
                self.wrk(name, script, path, **env)
        if self.wanted("login"):
            self.logins()
            login = self.results[-1]["rps"]
            print(f"Argon2id alone: {hash_rate['verifications_per_second']:.1f} verifications/s on "
                  f"{hash_rate['cores']} cores ({hash_rate['seconds_per_verification_per_core'] * 1000:.0f} ms each); "
                  f"logins reach {100 * login / hash_rate['verifications_per_second']:.0f}% of it")
        peak = memory_kib(self.server.pid, "VmHWM") / 1024
        print(f"peak resident memory: {peak:.0f} MiB")
        self.server.terminate()
        self.server.wait(timeout=10)
        if self.backend == "postgres":
            subprocess.run([str(ROOT / "Scripts/postgres"), "stop", str(self.postgres)], check=False)
        return self.section(hash_rate, peak)

    def section(self, hash_rate, peak):
        name = {"sqlite": "SQLite (the file in the data directory)",
                "postgres": "PostgreSQL (Debian's, on the same machine, over loopback)"}[self.backend]
        lines = [f"## {name}", "",
                 "| Scenario | Requests/s | p50 ms | p99 ms | Errors | RSS MiB |", "|---|---:|---:|---:|---:|---:|"]
        for r in self.results:
            lines.append(f"| {r['scenario']} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']} | "
                         f"{r['rss_mib']:.0f} |")
        lines += ["", f"- Start-up to first answer: {self.startup_ms:.0f} ms; idle memory {self.idle_kib / 1024:.1f} MiB "
                      f"({self.idle_private_kib / 1024:.1f} MiB private, the rest mapped code of the binary and the system "
                      f"libraries); "
                      f"peak {peak:.0f} MiB."]
        if hash_rate:
            lines.append(f"- Argon2id alone: {hash_rate['verifications_per_second']:.1f} verifications/s on "
                         f"{hash_rate['cores']} cores; logins reach "
                         f"{100 * self.results[-1]['rps'] / hash_rate['verifications_per_second']:.0f}% of it.")
        return lines + [""]


def write(args, sections):
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor())
    lines = ["# Benchmark results", "",
             f"{datetime.date.today()}, {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
             f"{'release' if '/release/' in args.binary else 'debug'} build, wrk {args.threads} threads / "
             f"{args.connections} connections / {args.seconds} s on the same cores.", ""]
    for section in sections:
        lines += section
    (ROOT / "Scripts" / "bench-results.md").write_text("\n".join(lines))
    print("written to Scripts/bench-results.md")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--login-workers", type=int, default=4)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--storm", action="store_true",
                        help="only the sign-in storm: 1x, 3x and 10x a second's worth of sign-ins at once")
    parser.add_argument("--passkey-signins", type=int, default=12000,
                        help="passkey sign-ins the storm prepares and posts (0: no passkey storm)")
    parser.add_argument("--passkeys-only", action="store_true", help="with --storm: only the passkey sign-ins")
    parser.add_argument("--scenarios", type=lambda text: text.split(","), default=[],
                        help=f"only these, comma-separated: {','.join(SCENARIOS)} (default: all)")
    args = parser.parse_args()
    if unknown := set(args.scenarios) - set(SCENARIOS):
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    sections = []
    for backend in (["sqlite", "postgres"] if args.database == "both" else [args.database]):
        print(f"== {backend} ==", flush=True)
        sections.append(Bench(args, backend).run())
    if args.scenarios:
        print("only some scenarios ran: Scripts/bench-results.md is left as it was")
    else:
        write(args, sections)


if __name__ == "__main__":
    main()
