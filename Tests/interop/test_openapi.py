"""/openapi.json is kept true: the document is valid OpenAPI 3.1 (openapi-spec-validator, an
independent tool), and the live answers of every JSON endpoint, standard and legacy, driven
through real flows against the real binary, match the schema it gives for their status."""
import json
import secrets
from urllib.parse import parse_qs, urlparse

import jsonschema
import pytest
import requests
from openapi_spec_validator import validate

from conftest import PASSWORD, REDIRECT, Browser, Server, cli
from test_interop import authlib_session, sign_in
from test_legacy import add_legacy_clients, legacy_cabinet_body, legacy_login_body


class Conformance:
    def __init__(self, server):
        self.document = requests.get(server.issuer + "/openapi.json").json()
        self.checked = set()

    def check(self, answer, path, method):
        """The answer's body validates against the schema documented for its status."""
        operation = self.document["paths"][path][method.lower()]
        status = str(answer.status_code)
        assert status in operation["responses"], f"{method} {path}: {status} is not documented ({answer.text[:200]})"
        documented = operation["responses"][status]
        self.checked.add((path, method.upper(), status))
        if "content" not in documented:
            return answer
        (media_type, content), = documented["content"].items()
        assert answer.headers["Content-Type"].startswith(media_type), (path, answer.headers["Content-Type"])
        schema = {**content["schema"], "components": self.document["components"]}
        jsonschema.validate(answer.json(), schema, cls=jsonschema.Draft202012Validator)
        return answer


@pytest.fixture
def world(data_dir):
    dev = add_legacy_clients(data_dir, cabinet_scope="openid profile email", developer_scope="openid profile")
    cli(data_dir, "scope", "add", "--name", "quotes.read", "--description", "Read quotes")
    machine = json.loads(cli(data_dir, "client", "add", "--id", "svc", "--grant-types", "client_credentials",
                             "--scope", "quotes.read"))
    cli(data_dir, "client", "add", "--id", "tv", "--public", "--grant-types",
        "urn:ietf:params:oauth:grant-type:device_code", "--scope", "openid profile")
    cli(data_dir, "user", "account", "add", "--login", "alice", "--number", "12345678@vision", "--platform", "ETNA")
    server = Server(data_dir)
    yield server, dev, machine
    server.stop()


def test_the_document_is_valid_openapi_3_1_naming_this_server(world):
    server, _, _ = world
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    check = subprocess.run([sys.executable, str(root / "Scripts/openapi.py"), "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    answer = requests.get(server.issuer + "/openapi.json")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
    document = answer.json()
    validate(document)
    assert document["openapi"].startswith("3.1") and document["servers"] == [{"url": server.issuer}]
    # Every documented path is served (none answers 404).
    for path, operations in document["paths"].items():
        for method in operations:
            probe = requests.request(method.upper(), server.issuer + path, allow_redirects=False)
            assert probe.status_code != 404, f"{method} {path}"


def test_live_answers_match_the_description(world, confidential_client):
    server, dev, machine = world
    spec = Conformance(server)
    base = server.issuer
    for path in ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server", "/jwks",
                 "/healthz", "/readyz"]:
        spec.check(requests.get(base + path), path, "GET")

    # The code flow through a browser, then tokens, userinfo, profile, introspection, revocation.
    session = authlib_session(confidential_client)
    verifier = secrets.token_urlsafe(48)
    _, callback = sign_in(server, session, verifier)
    code = parse_qs(urlparse(callback).query)["code"][0]
    auth = (confidential_client["client_id"], confidential_client["client_secret"])
    tokens = spec.check(requests.post(base + "/token", auth=auth, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}),
        "/token", "POST").json()
    spec.check(requests.post(base + "/token", auth=(auth[0], "wrong"), data={"grant_type": "refresh_token"}),
               "/token", "POST")                                                          # 401
    refreshed = spec.check(requests.post(base + "/oauth/token", auth=auth, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}), "/oauth/token", "POST").json()
    spec.check(requests.post(base + "/connect/token", auth=("svc", machine["client_secret"]),
                             data={"grant_type": "client_credentials"}), "/connect/token", "POST")
    bearer = {"Authorization": "Bearer " + refreshed["access_token"]}
    spec.check(requests.get(base + "/userinfo", headers=bearer), "/userinfo", "GET")
    spec.check(requests.post(base + "/connect/userinfo", data={"access_token": refreshed["access_token"]}),
               "/connect/userinfo", "POST")
    spec.check(requests.get(base + "/userinfo", headers={"Authorization": "Bearer forged"}), "/userinfo", "GET")
    spec.check(requests.get(base + "/auth", headers=bearer), "/auth", "GET")
    spec.check(requests.get(base + "/profile"), "/profile", "GET")                        # no token: 401
    spec.check(requests.post(base + "/introspect", auth=auth, data={"token": refreshed["access_token"]}),
               "/introspect", "POST")
    spec.check(requests.post(base + "/connect/introspect", auth=auth, data={"token": "unknown"}),
               "/connect/introspect", "POST")
    spec.check(requests.post(base + "/introspect", auth=auth, data={}), "/introspect", "POST")      # 400
    spec.check(requests.post(base + "/revoke", auth=auth, data={"token": refreshed["refresh_token"]}),
               "/revoke", "POST")
    spec.check(requests.post(base + "/connect/revocation", auth=(auth[0], "wrong"), data={"token": "x"}),
               "/connect/revocation", "POST")
    spec.check(requests.post(base + "/token", auth=auth, data={"grant_type": "authorization_code", "code": code,
                                                               "redirect_uri": REDIRECT, "code_verifier": verifier}),
               "/token", "POST")                                                          # replayed: 400 (and the family revoked)

    # The device authorization grant (RFC 8628): codes, a poll before the user answered, refusals.
    codes = spec.check(requests.post(base + "/device_authorization", data={"client_id": "tv", "scope": "openid"}),
                       "/device_authorization", "POST").json()
    spec.check(requests.post(base + "/token", data={"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                                                    "device_code": codes["device_code"], "client_id": "tv"}),
               "/token", "POST")                                                          # authorization_pending: 400
    spec.check(requests.post(base + "/device_authorization", data={"client_id": "tv", "scope": "trades"}),
               "/device_authorization", "POST")                                           # invalid_scope: 400
    spec.check(requests.post(base + "/device_authorization", auth=("tv", "wrong"), data={}),
               "/device_authorization", "POST")                                           # invalid_client: 401

    # The broker's old login endpoints and the federation API.
    http = requests.Session()
    spec.check(http.get(base + "/auth/actions/2factor", params={"login": "alice"}), "/auth/actions/2factor", "GET")
    spec.check(http.get(base + "/auth/actions/2factor"), "/auth/actions/2factor", "GET")    # 400
    start = http.get(base + "/authorize", allow_redirects=False, params={
        "client_id": "devsite", "redirect_uri": "https://dev.example/cb", "response_type": "code", "state": "s",
        "scope": "openid profile"})
    interaction = parse_qs(urlparse(start.headers["Location"]).query)["interaction"][0]
    spec.check(http.post(base + "/auth/actions/login", json=legacy_login_body("alice", "wrong")), "/auth/actions/login", "POST")
    login = spec.check(http.post(base + "/auth/actions/login", json=legacy_login_body("alice", PASSWORD)),
                       "/auth/actions/login", "POST").json()
    spec.check(http.post(base + "/devapi/v1/oauth/code", params={"interaction": interaction}, json=["openid", "profile"]),
               "/devapi/v1/oauth/code", "POST")
    spec.check(requests.post(base + "/devapi/v1/oauth/code", json=["openid"]), "/devapi/v1/oauth/code", "POST")
    spec.check(requests.post(base + "/sso-auth/client", json=legacy_cabinet_body("alice", PASSWORD)), "/sso-auth/client", "POST")
    spec.check(requests.post(base + "/auth/actions/refresh", json={"refreshToken": login["refreshToken"]}),
               "/auth/actions/refresh", "POST")
    spec.check(requests.post(base + "/auth/actions/refresh", json={"refreshToken": "nope"}), "/auth/actions/refresh", "POST")
    spec.check(requests.post(base + "/api/v1/oauth/authorize-url", data={"provider": "nowhere",
                                                                         "client_redirect_url": REDIRECT}),
               "/api/v1/oauth/authorize-url", "POST")
    spec.check(requests.post(base + "/api/v1/oauth/authorize", data={"provider": "nowhere", "state": "x", "code": "y"}),
               "/api/v1/oauth/authorize", "POST")
    statuses = {status for (_, _, status) in spec.checked}
    assert {"200", "400", "401"} <= statuses and len(spec.checked) >= 25, sorted(spec.checked)


def test_schemathesis_finds_the_server_true_to_its_description(world):
    """Schemathesis, an independent tool, generates requests from the description (and ones with
    undeclared methods) and checks the answers: no server error, only documented statuses,
    content types and headers, bodies matching their schemas, 405 for undeclared methods."""
    server, _, _ = world
    import shutil
    import subprocess
    import sys
    from pathlib import Path
    binary = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    result = subprocess.run(
        [binary, "run", server.issuer + "/openapi.json", "--url", server.issuer, "--max-examples", "15", "--seed", "7",
         "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
                     "response_schema_conformance,response_headers_conformance,unsupported_method",
         "--phases", "examples,coverage,fuzzing"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "passed" in result.stdout
