"""The partner convention's exchange (IdentityServer-style /connect/* paths, grant_type, code and client_id
only, 24-hour reference tokens renewed with every use, the /auth profile), against a client registered with
the command in docs/clients-and-grants.md."""
import json
import re
from urllib.parse import parse_qs, urljoin, urlparse

import requests

from conftest import PASSWORD, cli


def test_partner_convention_exchange_profile_and_introspection(server):
    data = server.data_dir
    cli(data, "client", "add", "--id", "j2t-partner", "--public", "--pkce", "optional", "--skip-consent",
        "--scope", "openid profile email accounts",
        "--redirect-uri", "https://partner.example/cb", "--access-token-format", "reference",
        "--access-token-ttl", "86400", "--sliding", "--sliding-max", "2592000")
    api = json.loads(cli(data, "client", "add", "--id", "orders-api", "--redirect-uri", "https://orders.example/x",
                         "--grant-types", "authorization_code", "--resource-server", server.issuer))
    assert api["resource_server"] == server.issuer
    stranger = json.loads(cli(data, "client", "add", "--id", "stranger", "--redirect-uri", "https://stranger.example/x"))
    cli(data, "user", "account", "add", "--login", "alice", "--number", "12345678@vision", "--platform", "ETNA")
    cli(data, "user", "set", "--login", "alice", "--domestic", "true", "--application-status", "process")

    http = requests.Session()
    start = http.get(server.issuer + "/connect/authorize", allow_redirects=False, params={
        "response_type": "code", "client_id": "j2t-partner", "client_secret": "partner-sends-this",
        "redirect_uri": "https://partner.example/cb"})
    login = http.get(urljoin(server.issuer, start.headers["Location"]))
    fields = dict(re.findall(r'name="(interaction|csrf)" value="([^"]+)"', login.text))
    back = http.post(server.issuer + "/login", data={**fields, "login": "alice", "password": PASSWORD},
                     allow_redirects=False).headers["Location"]
    code = parse_qs(urlparse(back).query)["code"][0]

    tokens = requests.post(server.issuer + "/connect/token",
                           data={"grant_type": "authorization_code", "code": code, "client_id": "j2t-partner"})
    assert tokens.status_code == 200, tokens.text
    access = tokens.json()["access_token"]
    assert tokens.json()["expires_in"] == 86400 and access.count(".") == 0   # an opaque reference token

    profile = requests.get(server.issuer + "/auth", headers={"Authorization": "Bearer " + access}).json()
    assert profile["login"] == "alice" and profile["domestic"] is True
    assert profile["accounts"] == [{"account_number": "12345678@vision", "trade_platform": "ETNA"}]
    assert profile["application"] == {"status": "process"}
    assert requests.get(server.issuer + "/connect/userinfo", headers={"Authorization": "Bearer " + access}).ok

    info = requests.post(server.issuer + "/connect/introspect", data={"token": access},
                         auth=("orders-api", api["client_secret"])).json()
    assert info["active"] is True and info["client_id"] == "j2t-partner" and info["username"] == "alice"
    # A confidential client that is neither the token's client nor its resource server learns nothing.
    assert requests.post(server.issuer + "/introspect", data={"token": access},
                         auth=("stranger", stranger["client_secret"])).json() == {"active": False}

    revoked = requests.post(server.issuer + "/connect/revocation", data={"token": access, "client_id": "j2t-partner"})
    assert revoked.status_code == 200
    assert requests.get(server.issuer + "/auth", headers={"Authorization": "Bearer " + access}).status_code == 401
    assert requests.post(server.issuer + "/introspect", data={"token": access},
                         auth=("orders-api", api["client_secret"])).json() == {"active": False}
