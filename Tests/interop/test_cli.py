"""The `sso` command line, as an operator uses it."""
import hashlib
import json
import re
import sqlite3
import subprocess

import requests

from conftest import SSO_BIN, cli, free_port
from test_interop import authlib_session, sign_in


def run(data_dir, *args, stdin=None):
    return subprocess.run([SSO_BIN, *args, "--data", str(data_dir)], input=stdin, capture_output=True, text=True,
                          timeout=60)


def test_users_get_argon2id_hashes_at_the_baseline_and_unique_logins(tmp_path):
    cli(tmp_path, "user", "add", "--login", "Bob", "--password-stdin", stdin="a-long-password\n")
    with sqlite3.connect(tmp_path / "sso.sqlite") as db:
        login, digest = db.execute("SELECT login, password_hash FROM users").fetchone()
    assert login == "Bob" and digest.startswith("$argon2id$v=19$m=19456,t=2,p=1$") and "a-long-password" not in digest
    taken = run(tmp_path, "user", "add", "--login", "bob", "--password", "another-password")
    assert taken.returncode != 0 and "taken" in taken.stderr
    short = run(tmp_path, "user", "add", "--login", "carol", "--password", "short")
    assert short.returncode != 0


def test_client_add_generates_a_secret_once_and_stores_only_its_digest(tmp_path):
    client = json.loads(cli(tmp_path, "client", "add", "--id", "shop", "--redirect-uri", "https://shop.example/cb",
                            "--redirect-uri", "https://shop.example/cb2", "--scope", "openid ordersread"))
    assert len(client["client_secret"]) >= 43
    assert client["grant_types"] == ["authorization_code", "refresh_token"]
    assert client["token_endpoint_auth_method"] == "client_secret_basic" and client["pkce_required"] is True
    with sqlite3.connect(tmp_path / "sso.sqlite") as db:
        stored = db.execute("SELECT secret_digest FROM clients WHERE id = 'shop'").fetchone()[0]
    assert stored != client["client_secret"] and len(stored) == 64
    shown = json.loads(cli(tmp_path, "client", "show", "--id", "shop"))
    assert "client_secret" not in shown and shown["redirect_uris"][1] == "https://shop.example/cb2"

    public = json.loads(cli(tmp_path, "client", "add", "--id", "spa", "--public", "--redirect-uri", "https://spa/cb",
                            "--grant-types", "authorization_code", "--pkce", "optional"))
    assert "client_secret" not in public and public["token_endpoint_auth_method"] == "none"
    assert public["grant_types"] == ["authorization_code"] and public["pkce_required"] is False
    assert len(cli(tmp_path, "client", "list").splitlines()) == 2
    cli(tmp_path, "client", "remove", "--id", "spa")
    assert len(cli(tmp_path, "client", "list").splitlines()) == 1


def test_client_add_refuses_bad_input_and_writes_nothing(tmp_path):
    cli(tmp_path, "client", "add", "--id", "shop", "--redirect-uri", "https://shop.example/cb")
    for args in (["--id", "shop", "--redirect-uri", "https://x/cb"],          # taken
                 ["--id", "x"],                                                 # no redirect URI
                 ["--id", "y", "--redirect-uri", "https://x/cb#frag"],           # fragment
                 ["--id", "z", "--redirect-uri", "not a uri"],
                 ["--id", "w", "--redirect-uri", "https://x/cb", "--public", "--secret", "s"],
                 # A "public" client that keeps a secret: refused, not stored half-public.
                 ["--id", "u", "--redirect-uri", "https://x/cb", "--token-endpoint-auth", "none",
                  "--secret", "a-secret-of-32-characters-or-more-xx"],
                 ["--id", "v", "--redirect-uri", "https://x/cb", "--grant-types", "password"],
                 ["--id", "has space", "--redirect-uri", "https://x/cb"]):
        result = run(tmp_path, "client", "add", *args)
        assert result.returncode != 0, args
        assert result.stderr.strip(), args
    assert len(cli(tmp_path, "client", "list").splitlines()) == 1


def test_providers_from_the_command_line_and_from_a_file(tmp_path):
    added = json.loads(cli(tmp_path, "provider", "add", "--name", "yandex", "--client-id", "yid", "--client-secret", "ys"))
    assert added["authorize_url"] == "https://oauth.yandex.ru/authorize" and added["pkce"] is True
    assert added["has_client_secret"] is True and "ys" not in json.dumps(added)
    with sqlite3.connect(tmp_path / "sso.sqlite") as db:
        assert b"ys" not in db.execute("SELECT definition FROM providers").fetchone()[0].encode()
    config = tmp_path / "providers.json"
    config.write_text(json.dumps([
        {"name": "google", "client_id": "gid", "client_secret": "gs"},
        {"name": "corp", "client_id": "cid", "authorize_url": "https://idp.example/auth",
         "token_url": "https://idp.example/token", "issuer": "https://idp.example", "jwks_uri": "https://idp.example/jwks",
         "link_by_email": False}]))
    imported = [json.loads(line) for line in cli(tmp_path, "provider", "import", "--file", str(config)).splitlines()]
    assert [p["name"] for p in imported] == ["google", "corp"]
    assert imported[0]["issuer"] == "https://accounts.google.com" and imported[1]["link_by_verified_email"] is False
    assert len(cli(tmp_path, "provider", "list").splitlines()) == 3

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"name": "ok", "client_id": "x", "authorize_url": "https://a/x", "token_url": "https://a/t"},
                               {"name": "broken name", "client_id": "x"}]))
    assert run(tmp_path, "provider", "import", "--file", str(bad)).returncode != 0
    assert len(cli(tmp_path, "provider", "list").splitlines()) == 3   # nothing of the bad file was saved
    assert run(tmp_path, "provider", "add", "--name", "x", "--client-id", "y", "--preset", "facebook").returncode != 0
    cli(tmp_path, "provider", "remove", "--name", "corp")
    assert run(tmp_path, "provider", "remove", "--name", "corp").returncode != 0


def test_client_update_and_rotate_secret(tmp_path):
    first = json.loads(cli(tmp_path, "client", "add", "--id", "partner", "--redirect-uri", "https://p.example/cb"))
    unknown = run(tmp_path, "client", "update", "--id", "partner", "--scope", "openid extern.api")
    assert unknown.returncode != 0 and "sso scope add" in unknown.stderr
    cli(tmp_path, "scope", "add", "--name", "extern.api", "--description", "Use the Extern API")
    updated = json.loads(cli(tmp_path, "client", "update", "--id", "partner", "--access-token-ttl", "86400",
                             "--refresh-token-ttl", "600", "--id-token-alg", "ES256", "--token-endpoint-auth",
                             "client_secret_post", "--no-refresh-token", "--pkce", "optional",
                             "--post-logout-redirect-uri", "https://p.example/bye", "--scope", "openid extern.api"))
    assert updated["access_token_ttl"] == 86400 and updated["refresh_token_ttl"] == 600
    assert updated["id_token_signed_response_alg"] == "ES256"
    assert updated["token_endpoint_auth_method"] == "client_secret_post"
    assert updated["grant_types"] == ["authorization_code"] and updated["pkce_required"] is False
    assert updated["post_logout_redirect_uris"] == ["https://p.example/bye"] and updated["scope"] == "openid extern.api"
    assert updated["redirect_uris"] == ["https://p.example/cb"]   # untouched
    backchannel = json.loads(cli(tmp_path, "client", "update", "--id", "partner",
                                 "--backchannel-logout-uri", "https://p.example/backchannel"))
    assert backchannel["backchannel_logout_uri"] == "https://p.example/backchannel"
    for uri in ("ftp://p.example/x", "/relative", "https://p.example/x#frag"):
        assert run(tmp_path, "client", "update", "--id", "partner", "--backchannel-logout-uri", uri).returncode != 0
    cleared = json.loads(cli(tmp_path, "client", "update", "--id", "partner", "--backchannel-logout-uri", ""))
    assert "backchannel_logout_uri" not in cleared or cleared["backchannel_logout_uri"] is None
    rotated = json.loads(cli(tmp_path, "client", "rotate-secret", "--id", "partner"))
    assert rotated["client_secret"] != first["client_secret"]
    with sqlite3.connect(tmp_path / "sso.sqlite") as db:
        digest = db.execute("SELECT secret_digest FROM clients WHERE id = 'partner'").fetchone()[0]
    assert digest == hashlib.sha256(rotated["client_secret"].encode()).hexdigest()
    cli(tmp_path, "client", "remove", "--id", "partner")
    events = [json.loads(line) for line in cli(tmp_path, "audit", "tail", "--count", "50").splitlines()]
    changes = [e["event"] for e in events if e.get("client_id") == "partner"]
    assert changes[0] == "client.added" and changes[-2:] == ["client.secret_rotated", "client.removed"]
    assert changes.count("client.updated") == 3
    first = json.loads(cli(tmp_path, "client", "add", "--id", "partner", "--redirect-uri", "https://p.example/cb"))
    for args in (["--id", "nobody", "--scope", "openid"], ["--id", "partner", "--id-token-alg", "HS256"],
                 ["--id", "partner", "--token-endpoint-auth", "none"], ["--id", "partner", "--access-token-ttl", "0"]):
        assert run(tmp_path, "client", "update", *args).returncode != 0, args


def test_session_list_and_revoke(server, confidential_client):
    session = authlib_session(confidential_client)
    verifier = "v" * 50
    _, callback = sign_in(server, session, verifier)
    token = session.fetch_token(server.metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    listed = [json.loads(line) for line in cli(server.data_dir, "session", "list", "--login", "alice").splitlines()]
    assert len(listed) == 1 and listed[0]["active"] is True and listed[0]["methods"] == ["pwd"]
    assert "revoked 1 session(s)" in cli(server.data_dir, "session", "revoke", "--login", "alice")
    assert json.loads(cli(server.data_dir, "session", "list", "--login", "alice"))["revoked"] is True
    refreshed = requests.post(server.metadata["token_endpoint"], auth=("rp", confidential_client["client_secret"]),
                              data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    assert run(server.data_dir, "session", "revoke").returncode != 0

    events = [json.loads(line) for line in cli(server.data_dir, "audit", "tail", "--count", "200").splitlines()]
    kinds = [e["event"] for e in events]
    assert "login.succeeded" in kinds and "token.issued" in kinds and kinds[-1] == "session.revoked"
    assert "refresh_token.reused" not in kinds   # a revoked token presented again is not a theft signal
    assert all(e["at"].endswith("Z") for e in events)


def test_the_server_logs_json_lines_with_security_events(server, confidential_client):
    session = authlib_session(confidential_client)
    url, _ = session.create_authorization_url(server.metadata["authorization_endpoint"], code_verifier="w" * 50)
    browser = requests.Session()
    login = browser.get(url, allow_redirects=True)
    fields = dict(re.findall(r'name="(interaction|csrf)" value="([^"]+)"', login.text))
    failed = browser.post(server.issuer + "/login", data={**fields, "login": "alice", "password": "wrong-password"})
    assert failed.status_code == 200 and "login" in failed.url   # the form again, with a message
    lines = (server.data_dir / "server.log").read_text().splitlines()
    records = [json.loads(line) for line in lines]   # every line is one JSON object
    assert all({"ts", "level", "message"} <= record.keys() for record in records)
    events = [r for r in records if r["message"] == "security event"]
    assert any(r["event"] == "login.failed" and r["ts"].endswith("Z") for r in events), events


def test_bench_seed_writes_tokens_and_codes_that_the_real_grants_accept(data_dir, confidential_client):
    verifier = "b" * 50
    out = data_dir.parent / "pools"
    cli(data_dir, "bench", "seed", "--client", "rp", "--login", "alice", "--refresh-tokens", "3", "--codes", "3",
        "--code-verifier", verifier, "--out", str(out))
    tokens = (out / "refresh_tokens.txt").read_text().split()
    codes = (out / "codes.txt").read_text().split()
    assert len(tokens) == 3 and len(codes) == 3
    from conftest import REDIRECT, Server
    server = Server(data_dir)
    try:
        auth = ("rp", confidential_client["client_secret"])
        refreshed = requests.post(server.metadata["token_endpoint"], auth=auth,
                                  data={"grant_type": "refresh_token", "refresh_token": tokens[0]})
        assert refreshed.status_code == 200 and refreshed.json()["refresh_token"] != tokens[0]
        exchanged = requests.post(server.metadata["token_endpoint"], auth=auth, data={
            "grant_type": "authorization_code", "code": codes[0], "redirect_uri": REDIRECT, "code_verifier": verifier})
        assert exchanged.status_code == 200 and "id_token" in exchanged.json()
        wrong = requests.post(server.metadata["token_endpoint"], auth=auth, data={
            "grant_type": "authorization_code", "code": codes[1], "redirect_uri": REDIRECT, "code_verifier": "c" * 50})
        assert wrong.status_code == 400
    finally:
        server.stop()


def test_serve_refuses_nonsense_options_before_starting(tmp_path):
    for args in (["--audit-retention-days", "0"], ["--refresh-reuse-grace", "301"], ["--log-format", "xml"],
                 ["--client-auth-failures", "0"], ["--purge-interval", "-1"]):
        result = subprocess.run([SSO_BIN, "serve", "--port", "0", "--data", str(tmp_path), *args],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode != 0 and result.stderr.strip(), args


def test_an_unreachable_or_unknown_database_is_a_clear_error_without_the_password(tmp_path):
    port = free_port()
    for database, reason in [(f"postgres://sso:hunter2@127.0.0.1:{port}/sso?sslmode=disable", "Cannot open"),
                             ("mysql://sso:hunter2@db/sso", "sqlite or a postgres://")]:
        for args in (("client", "list"), ("serve", "--port", str(free_port()))):
            result = run(tmp_path, *args, "--database", database)
            assert result.returncode != 0
            assert reason in result.stderr, result.stderr
            assert "hunter2" not in result.stderr + result.stdout
    assert not (tmp_path / "sso.sqlite").exists()


def test_files_in_an_existing_data_directory_are_the_owners_alone(tmp_path):
    """A data directory made beforehand (by a package, say, with the usual 0755 and umask 022):
    the database, its WAL companions and the key file are still created 0600, and files an
    earlier run left readable to others are made 0600."""
    import os
    import stat
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    old = os.umask(0o022)
    try:
        cli(data, "user", "add", "--login", "alice", "--password-stdin", stdin="a-long-password\n")
        cli(data, "keys", "rotate", "--alg", "ES256")   # makes the key file
        created = [p for p in data.iterdir() if p.name.startswith(("sso.sqlite", "master.key"))]
        assert {p.name for p in created} >= {"sso.sqlite", "master.key"}
        for path in created:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path.name, oct(path.stat().st_mode))
        os.chmod(data / "sso.sqlite", 0o644)
        cli(data, "client", "list")
        assert stat.S_IMODE((data / "sso.sqlite").stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_client_default_and_minimum_acr(tmp_path):
    added = json.loads(cli(tmp_path, "client", "add", "--id", "trading", "--redirect-uri", "https://t.example/cb",
                           "--minimum-acr", "urn:unifiedsso:acr:mfa"))
    assert added["minimum_acr"] == "urn:unifiedsso:acr:mfa" and added.get("default_acr") is None
    updated = json.loads(cli(tmp_path, "client", "update", "--id", "trading",
                             "--default-acr", "urn:unifiedsso:acr:phishing-resistant", "--minimum-acr", ""))
    assert updated["default_acr"] == "urn:unifiedsso:acr:phishing-resistant"
    assert updated.get("minimum_acr") is None
    with sqlite3.connect(tmp_path / "sso.sqlite") as db:
        row = db.execute("SELECT default_acr, minimum_acr FROM clients WHERE id = 'trading'").fetchone()
    assert row == ("urn:unifiedsso:acr:phishing-resistant", None)
    assert run(tmp_path, "client", "update", "--id", "trading", "--default-acr", "two words").returncode != 0
