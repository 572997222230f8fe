"""`sso user import` and `sso user export` against the real binary: users of each password-hash format
sign in through the real server after the import. The hashes are computed here with hashlib and passlib's
formats written out by hand (passlib's adapted base64, Django's PBKDF2PasswordHasher), not by the server."""
import base64
import hashlib
import json
import subprocess

import pytest
import requests

from conftest import PASSWORD, SSO_BIN, Server, cli
from test_legacy import add_legacy_clients, legacy_login_body, totp

SALT = bytes(range(16))


def b64(data, pad=False):
    text = base64.b64encode(data).decode()
    return text if pad else text.rstrip("=")


def ab64(data):
    return b64(data).replace("+", ".")


def formats():
    """One user per format: login -> (record fields, password)."""
    users = {}
    pw = "pass-" + "passlib256"
    users["passlib256"] = ({"password_hash": f"$pbkdf2-sha256$29000${ab64(SALT)}$"
                            f"{ab64(hashlib.pbkdf2_hmac('sha256', pw.encode(), SALT, 29000))}"}, pw)
    pw = "pass-passlib512"
    users["passlib512"] = ({"password_hash": f"$pbkdf2-sha512$25000${ab64(SALT)}$"
                            f"{ab64(hashlib.pbkdf2_hmac('sha512', pw.encode(), SALT, 25000))}"}, pw)
    pw = "pass-phc"
    users["phc"] = ({"password_hash": f"$pbkdf2-sha256$i=2000,l=32${b64(SALT)}$"
                     f"{b64(hashlib.pbkdf2_hmac('sha256', pw.encode(), SALT, 2000, 32))}"}, pw)
    pw, salt = "pass-django", "Sd7wHcJqXyZ1aB2cD3eF4g"
    users["django"] = ({"password_hash": f"pbkdf2_sha256$20000${salt}$"
                        f"{b64(hashlib.pbkdf2_hmac('sha256', pw.encode(), salt.encode(), 20000), pad=True)}"}, pw)
    pw = "pass-fields"
    users["fields"] = ({"password": {"algorithm": "pbkdf2-sha512", "iterations": 3000, "salt": SALT.hex(),
                                     "hash": hashlib.pbkdf2_hmac("sha512", pw.encode(), SALT, 3000).hex(),
                                     "encoding": "hex"}}, pw)
    pw = "pass-salted-prefix"
    users["salted-prefix"] = ({"password": {"algorithm": "salted-sha256", "salt_position": "prefix", "salt": SALT.hex(),
                                            "hash": hashlib.sha256(SALT + pw.encode()).hexdigest(), "encoding": "hex"}}, pw)
    pw = "pass-salted-suffix"
    users["salted-suffix"] = ({"password": {"algorithm": "salted-sha512", "salt_position": "suffix", "salt": b64(SALT, True),
                                            "hash": b64(hashlib.sha512(pw.encode() + SALT).digest(), True)}}, pw)
    return users


def lines(records):
    return "".join(json.dumps(r) + "\n" for r in records)


def run(data_dir, *args, stdin=None):
    return subprocess.run([SSO_BIN, "user", *args, "--data", str(data_dir)], input=stdin, capture_output=True,
                          text=True, timeout=120)


def start(data_dir):
    """The server, with the personal cabinet's client that the old login endpoint signs in for."""
    add_legacy_clients(data_dir)
    return Server(data_dir)


def signs_in(server, login, password, pin=None):
    """Signs in through the old login endpoint: the same password check as the login page."""
    answer = requests.post(server.issuer + "/auth/actions/login", json=legacy_login_body(login, password, pin=pin))
    return answer.status_code == 200


def summary(result):
    return json.loads(result.stdout)


def test_every_format_signs_in_and_a_rerun_skips(data_dir):
    users = formats()
    records = [{"login": login, "email": f"{login}@example.com", "name": login.title(), "roles": ["trader"],
                "accounts": [{"account_number": f"{login}@vision", "trade_platform": "ETNA"}], **fields}
               for login, (fields, _) in users.items()]
    # A seed of bytes that are not text, as another system draws them.
    records.append({"login": "twofactor", "totp_secret": base64.b32encode(bytes(range(20)) + b"\xff\xfe").decode(),
                    **users["phc"][0]})
    (data_dir / "users.jsonl").write_text(lines(records))
    first = run(data_dir, "import", "--file", str(data_dir / "users.jsonl"))
    assert first.returncode == 0, first.stderr
    assert summary(first) == {"lines": len(records), "inserted": len(records), "updated": 0, "skipped": 0, "refused": 0}
    again = run(data_dir, "import", "--file", "-", stdin=lines(records))
    assert again.returncode == 0 and summary(again)["skipped"] == len(records) and summary(again)["inserted"] == 0

    server = start(data_dir)
    try:
        for login, (_, password) in users.items():
            assert signs_in(server, login, password), login
            assert not signs_in(server, login, password + "x"), login
        assert signs_in(server, "alice", PASSWORD), "the user added before the import is untouched"
        assert requests.get(server.issuer + "/auth/actions/2factor/?login=twofactor").json() == {"twoFactorRequired": True}
        assert not signs_in(server, "twofactor", "pass-phc")
        seed = base64.b32encode(bytes(range(20)) + b"\xff\xfe").decode()
        assert signs_in(server, "twofactor", "pass-phc", pin=totp(seed)) or \
            signs_in(server, "twofactor", "pass-phc", pin=totp(seed)), "the imported seed gives the app's codes"
    finally:
        server.stop()


def test_update_writes_over_and_keeps_the_subject(data_dir):
    fields, password = formats()["phc"]
    (data_dir / "one.jsonl").write_text(lines([{"login": "bob", "name": "Bob", **fields}]))
    assert run(data_dir, "import", "--file", str(data_dir / "one.jsonl")).returncode == 0
    # Export pages by id, which is random: bob is found by login, not by place.
    before = next(u for u in map(json.loads, run(data_dir, "export").stdout.splitlines()) if u["login"] == "bob")
    new_fields, new_password = formats()["salted-suffix"]
    changed = lines([{"login": "BOB", "name": "Robert", **new_fields}])
    skipped = run(data_dir, "import", "--file", "-", stdin=changed)
    assert summary(skipped)["skipped"] == 1
    updated = run(data_dir, "import", "--file", "-", "--update", stdin=changed)
    assert updated.returncode == 0 and summary(updated)["updated"] == 1
    after = [json.loads(line) for line in run(data_dir, "export").stdout.splitlines()]
    bob = next(u for u in after if u["login"] == "BOB")
    assert bob["id"] == before["id"] and bob["created_at"] == before["created_at"] and bob["name"] == "Robert"
    server = start(data_dir)
    try:
        assert signs_in(server, "bob", new_password) and not signs_in(server, "bob", password)
    finally:
        server.stop()


def test_refused_lines_are_reported_by_number_and_the_rest_imported(data_dir):
    good = formats()["phc"][0]
    text = "\n".join([
        json.dumps({"login": "ok1", **good}),
        "not json",
        json.dumps({"login": "typo", "passwordHash": "x"}),
        "",
        json.dumps({"login": "weak", "password_hash": "$pbkdf2-sha256$i=10,l=32$" + b64(SALT) + "$" + b64(bytes(32))}),
        json.dumps({"login": "md5", "password_hash": "5f4dcc3b5aa765d61d8327deb882cf99"}),
        json.dumps({"login": " spaced", **good}),
        json.dumps({"login": "badseed", "totp_secret": "JBSWY3DP", **good}),
        json.dumps({"login": "long", "name": "x" * (1 << 20), **good}),
        json.dumps({"login": "ok2", **good}) + "\r",
    ]) + "\n" + json.dumps({"login": "ok3", **good})  # Windows line ending, and no newline at the end
    result = run(data_dir, "import", "--file", "-", stdin=text)
    assert result.returncode == 1
    assert summary(result) == {"lines": 11, "inserted": 3, "updated": 0, "skipped": 0, "refused": 7}
    reported = result.stderr.splitlines()
    assert [line.split(":")[0] for line in reported] == ["line 2", "line 3", "line 5", "line 6", "line 7", "line 8",
                                                         "line 9"]
    assert "longer than 1 MiB" in reported[6]
    assert "not a JSON object" in reported[0] and '"passwordHash"' in reported[1]
    assert "10 iterations" in reported[2] and "unknown password hash format" in reported[3]
    assert "has 5 bytes" in reported[5]
    assert "$pbkdf2" not in result.stderr, "hashes are not echoed"
    logins = {json.loads(line)["login"] for line in run(data_dir, "export").stdout.splitlines()}
    assert logins == {"alice", "ok1", "ok2", "ok3"}


def test_export_then_import_round_trips_users_and_their_hashes(data_dir, tmp_path):
    cli(data_dir, "user", "totp", "enroll", "--login", "alice")
    cli(data_dir, "user", "role", "add", "--login", "alice", "--role", "trader")
    cli(data_dir, "user", "account", "add", "--login", "alice", "--number", "1@vision", "--platform", "ETNA")
    exported = tmp_path / "users.jsonl"
    assert run(data_dir, "export", "--file", str(exported)).returncode == 0
    assert oct(exported.stat().st_mode & 0o777) == "0o600"
    original = [json.loads(line) for line in exported.read_text().splitlines()]
    assert original[0]["password_hash"].startswith("$argon2id$") and len(original[0]["totp_secret"]) >= 16

    other = tmp_path / "other"
    result = run(other, "import", "--file", str(exported))
    assert result.returncode == 0, result.stderr
    again = [json.loads(line) for line in run(other, "export").stdout.splitlines()]
    assert again == original, "every field, the subject and the TOTP seed included"
    server = start(other)
    try:
        seed = original[0]["totp_secret"]
        assert signs_in(server, "alice", PASSWORD, pin=totp(seed)) or signs_in(server, "alice", PASSWORD, pin=totp(seed))
    finally:
        server.stop()


ARGON2 = [  # argon2-cffi's low_level.hash_secret of "correct horse battery", salt bytes 0..15, m=1024, t=2, p=1
    "$argon2id$v=19$m=1024,t=2,p=1$AAECAwQFBgcICQoLDA0ODw$y2EsH71PG1ZVDWC2noonfvKwpNJH+bZBE4n9zVdS9xo",
    "$argon2i$v=19$m=1024,t=2,p=1$AAECAwQFBgcICQoLDA0ODw$n/Ic0+7Nb04tpyXzQf2ItevPcb6NTXYO7+QupK6iqg8",
    "$argon2d$v=19$m=1024,t=2,p=1$AAECAwQFBgcICQoLDA0ODw$60G6BQ9K8tiiBMrYAq4LR94GNFzdnQqgrOFc905TU68",
]


def test_argon2_strings_are_stored_as_given_and_damaged_ones_refused(data_dir):
    records = [{"login": f"argon{n}", "password_hash": h} for n, h in enumerate(ARGON2)]
    records.append({"login": "huge", "password_hash": ARGON2[0].replace("m=1024", "m=99999999")})
    result = run(data_dir, "import", "--file", "-", stdin=lines(records))
    assert result.returncode == 1 and result.stderr.startswith("line 4: malformed Argon2 hash")
    stored = {u["login"]: u.get("password_hash") for u in map(json.loads, run(data_dir, "export").stdout.splitlines())}
    assert [stored[f"argon{n}"] for n in range(3)] == ARGON2


def test_argon2_users_sign_in_and_every_imported_hash_becomes_argon2id(data_dir):
    records = [{"login": f"argon{n}", "password_hash": hash} for n, hash in enumerate(ARGON2)]
    assert run(data_dir, "import", "--file", "-", stdin=lines(records)).returncode == 0
    server = start(data_dir)
    try:
        for n in range(len(ARGON2)):
            assert not signs_in(server, f"argon{n}", "correct horse batterY")
            assert signs_in(server, f"argon{n}", "correct horse battery")
    finally:
        server.stop()
    stored = {u["login"]: u.get("password_hash") for u in map(json.loads, run(data_dir, "export").stdout.splitlines())}
    for n in range(len(ARGON2)):
        assert stored[f"argon{n}"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
