"""Configuration from a file (YAML or JSON) and the environment, the command line winning, and
`sso config check` naming each problem; against the real binary."""
import json
import os
import re
import subprocess
from pathlib import Path

import requests

from conftest import SSO_BIN, Server, free_port

ROOT = Path(__file__).resolve().parents[2]


def sso(*args, env=None, timeout=30):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SSO_")}
    environment.update(env or {})
    return subprocess.run([SSO_BIN, *args], capture_output=True, text=True, env=environment, timeout=timeout)


def test_config_check_accepts_a_good_file_and_shows_what_is_in_effect(tmp_path):
    good = tmp_path / "sso.yaml"
    good.write_text("port: 9000\nissuer: https://sso.example.com\ntrusted_proxies: [10.0.0.2, 10.0.0.3]\n"
                    "legacy: false\naudit_retention_days: 0.25\ndatabase: postgres://sso:hunter2@db/sso\n")
    result = sso("config", "check", "--file", str(good), env={"SSO_ACCESS_TOKEN_TTL": "600"})
    assert result.returncode == 0, result.stderr
    assert "port = 9000  (file)" in result.stdout
    assert "trusted_proxies = [10.0.0.2, 10.0.0.3]  (file)" in result.stdout
    assert "access_token_ttl = 600  (environment)" in result.stdout
    assert "code_ttl = 60  (default)" in result.stdout
    assert "hunter2" not in result.stdout and "***" in result.stdout
    as_json = tmp_path / "sso.json"
    as_json.write_text(json.dumps({"port": 9001, "legacy": True, "log_format": "text"}))
    assert "port = 9001  (file)" in sso("config", "check", "--file", str(as_json)).stdout
    # JSON's 1 is a number, not true; its true is not 1.
    as_json.write_text(json.dumps({"port": 1, "audit_retention_days": 1}))
    assert "port = 1  (file)" in sso("config", "check", "--file", str(as_json)).stdout
    as_json.write_text(json.dumps({"legacy": 1}))
    assert "'legacy' must be true or false (got 1)" in sso("config", "check", "--file", str(as_json)).stderr


def test_config_check_names_every_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("prot: 8080\nport: eighty\nrefresh_reuse_grace: 900\nissuer: ftp://x\nlegacy: maybe\n"
                   "trusted_proxies: 10.0.0.1\n")
    result = sso("config", "check", "--file", str(bad), env={"SSO_CODE_TTL": "-5"})
    assert result.returncode == 1
    problems = result.stderr.strip().splitlines()
    assert any("'prot' is not a setting (did you mean 'port'?)" in p for p in problems), problems
    assert any("'port' must be a whole number from 0 to 65535" in p for p in problems), problems
    assert any("'refresh_reuse_grace' must be a whole number from 0 to 300" in p for p in problems), problems
    assert any("'issuer' must be an http(s) URL" in p for p in problems), problems
    assert any("'legacy' must be true or false" in p for p in problems), problems
    assert any(p.startswith("environment: 'SSO_CODE_TTL' must be") for p in problems), problems
    # A single address where a list belongs is read as a list of one, as in the environment.
    assert len(problems) == 6, problems
    broken = tmp_path / "broken.json"
    broken.write_text("{\"port\": 80,")
    result = sso("config", "check", "--file", str(broken))
    assert result.returncode == 1 and "is not valid JSON" in result.stderr
    assert sso("config", "check", "--file", str(tmp_path / "missing.yaml")).returncode == 1


def test_serve_takes_the_file_then_the_environment_then_the_command_line(tmp_path):
    data = tmp_path / "data"
    file_port, env_port, cli_port = free_port(), free_port(), free_port()
    config = tmp_path / "sso.yaml"
    config.write_text(f"port: {file_port}\nissuer: http://file.example\ndata: {data}\nlog_format: text\n"
                      f"resources: {ROOT / 'Resources'}\n")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SSO_")}

    def start(*args, env=None):
        process = subprocess.Popen([SSO_BIN, "serve", "--config", str(config), *args], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, env={**environment, **(env or {})})
        return process

    def issuer_at(port, process):
        import time
        deadline = time.time() + 30
        while True:
            try:
                return requests.get(f"http://127.0.0.1:{port}/.well-known/openid-configuration", timeout=1).json()["issuer"]
            except requests.ConnectionError:
                assert process.poll() is None and time.time() < deadline, process.stdout.read() if process.poll() else ""
                time.sleep(0.1)

    for args, env, port, issuer in [
        ((), None, file_port, "http://file.example"),                                           # the file
        ((), {"SSO_PORT": str(env_port), "SSO_ISSUER": "http://env.example"}, env_port, "http://env.example"),
        (("--port", str(cli_port)), {"SSO_PORT": str(env_port)}, cli_port, "http://file.example"),   # the command line
    ]:
        process = start(*args, env=env)
        try:
            assert issuer_at(port, process) == issuer
        finally:
            process.terminate()
            process.wait(timeout=20)
    # log_format text from the file: plain lines, not JSON objects.
    process = start()
    try:
        issuer_at(file_port, process)
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert "UnifiedSSO listening" in output and not output.lstrip().startswith("{")


def test_serve_refuses_a_bad_configuration_and_says_why(tmp_path):
    config = tmp_path / "sso.yaml"
    config.write_text("port: 99999\nsesion_ttl: 10\n")
    result = sso("serve", "--config", str(config), "--data", str(tmp_path / "data"))
    assert result.returncode != 0
    assert "'port' must be a whole number from 0 to 65535" in result.stderr, result.stderr
    assert "did you mean 'session_ttl'" in result.stderr
    assert not (tmp_path / "data").exists()


def test_the_log_level_from_each_place_reaches_the_server(tmp_path):
    """`warning` leaves out the `notice` that the server listens and the access log's `info`
    lines; `notice` only the access log; the default `info` neither."""
    data = tmp_path / "data"
    config = tmp_path / "sso.yaml"
    config.write_text(f"data: {data}\nresources: {ROOT / 'Resources'}\nlog_level: warning\n")

    def output_of(*args, env=None):
        port = free_port()
        environment = {k: v for k, v in os.environ.items() if not k.startswith("SSO_")}
        process = subprocess.Popen([SSO_BIN, "serve", "--port", str(port), *args], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, env={**environment, **(env or {})})
        try:
            import time
            deadline = time.time() + 30
            while True:
                try:
                    requests.get(f"http://127.0.0.1:{port}/.well-known/openid-configuration", timeout=1)
                    break
                except requests.ConnectionError:
                    assert process.poll() is None and time.time() < deadline
                    time.sleep(0.1)
        finally:
            process.terminate()
            output = process.communicate(timeout=20)[0]
        return [json.loads(line)["message"] for line in output.splitlines() if line.startswith("{")]

    base = ("--data", str(data), "--resources", str(ROOT / "Resources"))
    default = output_of(*base)
    assert "UnifiedSSO listening" in default and "request" in default, default
    from_file = output_of("--config", str(config))
    assert "UnifiedSSO listening" not in from_file and "request" not in from_file, from_file
    from_environment = output_of("--config", str(config), env={"SSO_LOG_LEVEL": "notice"})
    assert "UnifiedSSO listening" in from_environment and "request" not in from_environment, from_environment
    from_command_line = output_of("--config", str(config), "--log-level", "info", env={"SSO_LOG_LEVEL": "notice"})
    assert "request" in from_command_line, from_command_line


REFERENCE_BEGIN = "<!-- settings: written by Scripts/configuration-reference -->\n"
REFERENCE_END = "<!-- end of settings -->\n"


def test_docs_configuration_holds_the_table_the_settings_make():
    """docs/configuration.md's table is what `sso config reference` prints from the settings'
    declarations; after a change to them, Scripts/configuration-reference rewrites it."""
    document = (ROOT / "docs/configuration.md").read_text()
    table = document.split(REFERENCE_BEGIN, 1)[1].split(REFERENCE_END, 1)[0]
    printed = sso("config", "reference")
    assert printed.returncode == 0, printed.stderr
    assert table == printed.stdout, "docs/configuration.md is out of date: run Scripts/configuration-reference"


def test_every_serve_option_is_in_the_reference(tmp_path):
    document = (ROOT / "docs/configuration.md").read_text()
    help_text = sso("serve", "--help").stdout
    options = re.findall(r"^  (--[a-z-]+)", help_text, re.M)
    assert len(options) >= 30, help_text
    for option in options:
        if option == "--help":
            continue
        # As the table writes it (`--port`, `--[no-]legacy`), or with its value (`--config FILE`).
        assert re.search(r"`--(\[no-\])?" + re.escape(option[2:]) + r"[` ]", document), option
    # And every setting the file takes is in the table, with the environment variable `config check` reads.
    empty = tmp_path / "empty.yaml"
    empty.write_text("{}\n")
    shown = re.findall(r"^  (\w+) = ", sso("config", "check", "--file", str(empty)).stdout, re.M)
    table = document.split(REFERENCE_BEGIN, 1)[1]
    assert shown and all(f"| `{key}` |" in table for key in shown), shown


def test_every_target_declares_what_it_imports_and_imports_what_it_declares():
    """Package.swift against the sources: a module imported but not declared builds only while
    another dependency happens to bring it in; one declared and never imported is dead weight."""
    import shutil
    swift = shutil.which("swift")
    if swift is None:
        import pytest
        pytest.skip("swift is not on PATH")
    dump = json.loads(subprocess.run([swift, "package", "dump-package"], cwd=ROOT, capture_output=True, text=True,
                                     check=True, timeout=120).stdout)
    system = {"Foundation", "FoundationEssentials", "Dispatch", "Synchronization", "Testing", "Glibc", "Darwin",
              "XCTest", "PackageDescription", "PackagePlugin"}
    statement = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:public |internal |package )?import (?:struct |class |enum |"
                           r"protocol |func |typealias )?(\w+)", re.M)
    problems = []
    for target in dump["targets"]:
        if target["type"] == "plugin":
            continue
        folder = ROOT / (target.get("path") or ("Tests" if target["type"] == "test" else "Sources")) / (
            "" if target.get("path") else target["name"])
        imported = {module for source in folder.rglob("*.swift") for module in statement.findall(source.read_text())}
        imported -= system
        declared = {next(iter(dependency.values()))[0] for dependency in target["dependencies"]}
        if imported - declared:
            problems.append(f"{target['name']} imports {sorted(imported - declared)} without declaring them")
        if declared - imported:
            problems.append(f"{target['name']} declares {sorted(declared - imported)} and imports none of them")
    assert not problems, "\n".join(problems)


def test_acr_levels_are_read_as_name_and_alternatives_and_checked(tmp_path):
    good = tmp_path / "levels.yaml"
    good.write_text('acr_levels: ["urn:example:basic=pwd|fed", "urn:example:strong=pwd+otp|hwk+user"]\n')
    result = sso("config", "check", "--file", str(good))
    assert result.returncode == 0, result.stderr
    assert "acr_levels = [urn:example:basic=pwd|fed, urn:example:strong=pwd+otp|hwk+user]  (file)" in result.stdout
    for bad in ('acr_levels: ["no-equals-sign"]', 'acr_levels: ["a=pwd", "a=otp"]', 'acr_levels: ["a=pwd||otp"]'):
        good.write_text(bad + "\n")
        result = sso("config", "check", "--file", str(good))
        assert result.returncode == 1 and "'acr_levels' must be entries of the form" in result.stderr, (bad, result.stderr)
