"""Interoperability with Apache httpd and mod_auth_openidc (Debian packages apache2 and
libapache2-mod-auth-openidc), a relying party nobody here wrote: two virtual hosts on two
loopback ports, each its own client of the real `sso` binary (one authenticating with
client_secret_basic, one with client_secret_post), protect a CGI application; a requests session
is the user's browser. Covers discovery, the code flow with PKCE, the claims handed to the
application, userinfo and access-token refresh, single sign-on across the hosts, RP-initiated
logout with back-channel logout to the other host, and prompt=login at one host."""
import json
import time
from urllib.parse import parse_qs, quote, urlparse

import pytest
import requests

from conftest import Server, cli, free_port
from relying_parties import Apache, UserAgent, app_env, require_mod_auth_openidc

ACCESS_TOKEN_TTL = 60
# With 60-second access tokens, mod_auth_openidc refreshes once fewer than 57 seconds are left:
# on the first request more than 3 seconds after the token was issued.
REFRESH_BEFORE_EXPIRY = ACCESS_TOKEN_TTL - 3


class Site:
    def __init__(self, name, port, client):
        self.name, self.port, self.client = name, port, client
        self.base = f"http://127.0.0.1:{port}"
        self.app = self.base + "/app"
        self.redirect_uri = self.base + "/redirect_uri"
        self.logged_out = self.base + "/loggedout.html"


class Sites:
    def __init__(self, server, apache, a, b, discovery_requests_before):
        self.server, self.apache, self.a, self.b = server, apache, a, b
        self.discovery_requests_before = discovery_requests_before

    def requests_to(self, method, path):
        return requests_to(self.server, method, path)

    def events(self, name):
        return [e for e in server_log(self.server) if e.get("event") == name]


def server_log(server):
    lines = (server.data_dir / "server.log").read_text().splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def requests_to(server, method, path):
    """The server's log entries for the requests it answered on one endpoint."""
    return [e for e in server_log(server) if e.get("message") == "request"
            and e.get("method") == method and e.get("path") == path]


@pytest.fixture
def relying_parties(tmp_path, data_dir):
    """Starts the server and Apache with hosts A (client_secret_basic) and B (client_secret_post);
    keyword arguments a= and b= add per-host settings (refresh intervals)."""
    require_mod_auth_openidc()
    running = []

    def start(a=None, b=None):
        port_a = free_port()
        port_b = free_port()
        while port_b == port_a:
            port_b = free_port()
        sites = []
        for name, port, auth in (("rpa", port_a, "client_secret_basic"), ("rpb", port_b, "client_secret_post")):
            base = f"http://127.0.0.1:{port}"
            client = json.loads(cli(
                data_dir, "client", "add", "--id", name, "--name", f"Site {name[-1].upper()}",
                "--redirect-uri", base + "/redirect_uri", "--scope", "openid profile email", "--skip-consent",
                "--token-endpoint-auth", auth, "--access-token-ttl", str(ACCESS_TOKEN_TTL),
                "--post-logout-redirect-uri", base + "/loggedout.html",
                "--backchannel-logout-uri", base + "/redirect_uri?logout=backchannel"))
            assert client["token_endpoint_auth_method"] == auth
            sites.append(Site(name, port, client))
        server = Server(data_dir)
        running.append(server)
        discovery = len(requests_to(server, "GET", "/.well-known/openid-configuration"))
        hosts = [dict(name=site.name, port=site.port, client_id=site.client["client_id"],
                      client_secret=site.client["client_secret"],
                      token_endpoint_auth=site.client["token_endpoint_auth_method"],
                      **(extra or {}))
                 for site, extra in zip(sites, (a, b))]
        apache = Apache(tmp_path, server.issuer, hosts)
        running.append(apache)
        return Sites(server, apache, *sites, discovery)

    yield start
    for thing in reversed(running):
        thing.stop()


def sign_in(ua, site, expect_login_form):
    """Opens the site's application; returns what the application saw."""
    env = app_env(ua.go(site.app))
    assert ua.visited("/authorize"), ua.trail
    assert ua.visited("/login") == expect_login_form, ua.trail
    return env


def id_token(env):
    return json.loads(env["OIDC_id_token_payload"])


def wait_for(condition, seconds, interval=0.25):
    deadline = time.time() + seconds
    while True:
        result = condition()
        if result or time.time() > deadline:
            return result
        time.sleep(interval)


def test_discovery_and_code_flow_with_pkce_for_basic_and_post_clients(relying_parties):
    """Both hosts find the endpoints through discovery, send S256 PKCE, redeem the code with their
    own client authentication method, and the application gets preferred_username and email."""
    sites = relying_parties()
    ua = UserAgent(sites.server.issuer)
    for site, login_form in ((sites.a, True), (sites.b, False)):
        env = sign_in(ua, site, expect_login_form=login_form)
        endpoint = sites.server.metadata["authorization_endpoint"]
        authorize = next(url for url in ua.trail if url.startswith(endpoint + "?"))
        query = parse_qs(urlparse(authorize).query)
        assert query["client_id"] == [site.client["client_id"]]
        assert query["redirect_uri"] == [site.redirect_uri]
        assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
        assert query["response_type"] == ["code"] and set(query["scope"][0].split()) == {"openid", "profile", "email"}
        assert any(url.startswith(site.redirect_uri + "?code=") for url in ua.trail), ua.trail
        assert env["OIDC_CLAIM_preferred_username"] == "alice"
        assert env["OIDC_CLAIM_email"] == "alice@example.com"
        assert env["REMOTE_USER"] == "alice"
        claims = id_token(env)
        assert claims["iss"] == sites.server.issuer and claims["aud"] == site.client["client_id"]
        info = json.loads(env["OIDC_userinfo_json"])
        assert info["preferred_username"] == "alice" and info["sub"] == claims["sub"]
    # Each client is pinned to its method: a module sending the other one would have been refused.
    assert [e["status"] for e in sites.requests_to("POST", "/token")] == ["200", "200"]
    assert sites.events("client.auth_failed") == []
    # The hosts know only OIDCProviderMetadataURL: the endpoints above came from discovery.
    assert len(sites.requests_to("GET", "/.well-known/openid-configuration")) > sites.discovery_requests_before


def test_single_sign_on_across_the_two_hosts(relying_parties):
    """Signed in at host A, the browser gets into host B through the server without a login form,
    as the same user in the same server session."""
    sites = relying_parties()
    ua = UserAgent(sites.server.issuer)
    at_a = sign_in(ua, sites.a, expect_login_form=True)
    at_b = sign_in(ua, sites.b, expect_login_form=False)
    a, b = id_token(at_a), id_token(at_b)
    assert a["sub"] == b["sub"] and a["sid"] == b["sid"]
    assert (a["aud"], b["aud"]) == ("rpa", "rpb")
    assert at_b["OIDC_access_token"] != at_a["OIDC_access_token"]
    assert len(sites.events("login.succeeded")) == 1


def test_userinfo_refresh_brings_changed_claims_to_the_application(relying_parties):
    """With OIDCUserInfoRefreshInterval the module calls the userinfo endpoint again with the same
    access token, and a name changed at the server reaches the application."""
    sites = relying_parties(b=dict(userinfo_refresh_interval=1))
    ua = UserAgent(sites.server.issuer)
    before = sign_in(ua, sites.b, expect_login_form=True)
    assert json.loads(before["OIDC_userinfo_json"])["name"] == "Alice"
    calls = len(sites.requests_to("GET", "/userinfo"))
    cli(sites.server.data_dir, "user", "set", "--login", "alice", "--name", "Alice Liddell")
    time.sleep(1.1)

    def renamed():
        env = app_env(ua.go(sites.b.app))
        assert ua.trail == [sites.b.app], ua.trail
        return env if json.loads(env["OIDC_userinfo_json"])["name"] == "Alice Liddell" else None

    after = wait_for(renamed, 5)
    assert after, "the application never saw the changed name"
    assert after["OIDC_CLAIM_name"] == "Alice Liddell"
    assert after["OIDC_access_token"] == before["OIDC_access_token"]
    again = [e["status"] for e in sites.requests_to("GET", "/userinfo")[calls:]]
    assert again and set(again) == {"200"}, again


def test_access_token_refresh_before_expiry(relying_parties):
    """With OIDCRefreshAccessTokenBeforeExpiry the module redeems its refresh token at the token
    endpoint before the short-lived access token expires: the application gets a new, valid access
    token (and the rotated refresh token) without the browser visiting the server."""
    sites = relying_parties(a=dict(refresh_before_expiry=REFRESH_BEFORE_EXPIRY))
    ua = UserAgent(sites.server.issuer)
    before = sign_in(ua, sites.a, expect_login_form=True)
    assert int(before["OIDC_access_token_expires"]) - time.time() <= ACCESS_TOKEN_TTL
    tokens = len(sites.requests_to("POST", "/token"))
    time.sleep(ACCESS_TOKEN_TTL - REFRESH_BEFORE_EXPIRY + 0.5)

    def refreshed():
        env = app_env(ua.go(sites.a.app))
        assert ua.trail == [sites.a.app], ua.trail
        return env if env["OIDC_access_token"] != before["OIDC_access_token"] else None

    after = wait_for(refreshed, 5)
    assert after, "the module never refreshed the access token"
    assert after["OIDC_refresh_token"] != before["OIDC_refresh_token"]
    assert int(after["OIDC_access_token_expires"]) > int(before["OIDC_access_token_expires"])
    assert [e["status"] for e in sites.requests_to("POST", "/token")[tokens:]] == ["200"]
    userinfo = requests.get(sites.server.metadata["userinfo_endpoint"], timeout=10,
                            headers={"Authorization": "Bearer " + after["OIDC_access_token"]})
    assert userinfo.status_code == 200 and userinfo.json()["preferred_username"] == "alice"


def test_logout_at_one_host_ends_the_other_by_back_channel(relying_parties):
    """RP-initiated logout through host A's module reaches the server's end_session_endpoint and
    returns to the registered post-logout URI; the server's back-channel logout token ends host B's
    session, so B sends the browser back to /authorize, where the login form is shown."""
    sites = relying_parties()
    ua = UserAgent(sites.server.issuer)
    sign_in(ua, sites.a, expect_login_form=True)
    sign_in(ua, sites.b, expect_login_form=False)

    done = ua.go(sites.a.redirect_uri + "?logout=" + quote(sites.a.logged_out, safe=""))
    end_session = [url for url in ua.trail if url.startswith(sites.server.metadata["end_session_endpoint"] + "?")]
    assert end_session, ua.trail
    query = parse_qs(urlparse(end_session[0]).query)
    assert query["post_logout_redirect_uri"] == [sites.a.logged_out] and query["id_token_hint"]
    assert done.status_code == 200 and done.url == sites.a.logged_out and "signed out" in done.text
    assert len(sites.events("session.logout")) == 1

    def b_signed_out():
        page = ua.go(sites.b.app, sign_in=False)
        return page if ua.visited("/authorize") else None

    page = wait_for(b_signed_out, 10)
    assert page, "host B kept its session after the logout at host A"
    assert ua.visited("/login") and page.status_code == 200, ua.trail
    assert ("POST /redirect_uri?logout=backchannel HTTP/1.1", 200) in sites.apache.requests_served(sites.b.port)
    page = ua.go(sites.a.app, sign_in=False)
    assert ua.visited("/authorize") and ua.visited("/login") and page.status_code == 200, ua.trail


def test_prompt_login_at_one_host_leaves_the_other_signed_in(relying_parties):
    """Host A asks for a fresh sign-in (a third-party-initiated login at its redirect URI with
    auth_request_params=prompt=login): the server shows the login form although the browser is
    signed in, and A gets a newer auth_time. Host B must stay signed in: no back-channel logout
    reaches it, its next request is served without /authorize, and its refresh token still works."""
    refresh = dict(refresh_before_expiry=REFRESH_BEFORE_EXPIRY)
    sites = relying_parties(a=refresh, b=refresh)
    ua = UserAgent(sites.server.issuer)
    first_a = sign_in(ua, sites.a, expect_login_form=True)
    first_b = sign_in(ua, sites.b, expect_login_form=False)
    b_signed_in_at = time.time()
    time.sleep(1.1)  # auth_time has whole seconds

    again = ua.go(sites.a.redirect_uri + "?iss=" + quote(sites.server.issuer, safe="")
                  + "&target_link_uri=" + quote(sites.a.app, safe="")
                  + "&auth_request_params=" + quote("prompt=login", safe=""))
    authorize = [url for url in ua.trail if url.startswith(sites.server.metadata["authorization_endpoint"] + "?")]
    assert authorize and parse_qs(urlparse(authorize[0]).query)["prompt"] == ["login"], ua.trail
    assert ua.visited("/login"), "prompt=login did not show the login form: " + " -> ".join(ua.trail)
    second_a = app_env(again)
    assert id_token(second_a)["auth_time"] > id_token(first_a)["auth_time"]
    assert second_a["OIDC_access_token"] != first_a["OIDC_access_token"]

    # A back-channel logout would arrive within moments; B is asked repeatedly meanwhile.
    deadline = max(time.time() + 2, b_signed_in_at + ACCESS_TOKEN_TTL - REFRESH_BEFORE_EXPIRY + 0.5)
    while time.time() < deadline:
        page = ua.go(sites.b.app, sign_in=False)
        assert not ua.visited("/authorize"), (
            "host B's session ended when host A re-authenticated: B sent the browser to "
            + " -> ".join(ua.trail))
        app_env(page)
        time.sleep(0.25)
    assert ("POST /redirect_uri?logout=backchannel HTTP/1.1", 200) not in sites.apache.requests_served(sites.b.port), \
        "the server posted a back-channel logout to host B"

    def b_refreshed():
        env = app_env(ua.go(sites.b.app, sign_in=False))
        assert ua.trail == [sites.b.app], ua.trail
        return env if env["OIDC_access_token"] != first_b["OIDC_access_token"] else None

    after = wait_for(b_refreshed, 5)
    assert after, ("host B could not refresh its access token after host A re-authenticated "
                   "(its refresh token was refused)")
    assert after["OIDC_refresh_token"] != first_b["OIDC_refresh_token"]
    assert id_token(after)["sid"] == id_token(first_b)["sid"]
