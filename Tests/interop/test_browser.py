"""A real headless browser (Chromium through Selenium) drives every page of the server whose form
ends in a redirect: login, second factor, consent (Allow and Deny), the logout confirmation, the
personal cabinet's legacy entry, the federation callback, the device verification, and the demo.

The relying parties are tiny sites on loopback ports of their own: another origin than the
server's, as in production. A page's Content-Security-Policy `form-action` also governs the
redirect that follows the form's POST, so a test whose site shared the server's origin would
not notice a policy that strands the browser on the server's page with the code undelivered."""
import json
import time
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests

from browserlib import (CHROMEDRIVER, WAIT, Authorization, Chromium, RelyingParty, YandexLikeProvider,
                        id_token_claims, refresh, single_values, token_request, wait_until)
from conftest import PASSWORD, Server, cli
from conftest import Browser as HTTPUserAgent
from test_legacy import totp

pytestmark = pytest.mark.skipif(CHROMEDRIVER is None, reason="chromium-driver is not installed (Scripts/setup --browser)")

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture
def browser():
    chromium = Chromium()
    yield chromium
    chromium.quit()


@pytest.fixture
def rp():
    site = RelyingParty()
    yield site
    site.stop()


@pytest.fixture
def start_server(data_dir):
    """Starts the server on `data_dir` (user alice) with the options given; stops it afterwards."""
    started = []

    def start(*options):
        started.append(Server(data_dir, extra=list(options)))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def add_client(data_dir, rp, client_id="rp", *options):
    """A confidential client of the relying party, its callback and post-logout page registered."""
    return json.loads(cli(data_dir, "client", "add", "--id", client_id, "--name", "Relying Party",
                          "--redirect-uri", rp.callback, "--post-logout-redirect-uri", rp.logged_out,
                          "--scope", "openid profile email", *options))


def signed_in(browser, server, rp, client):
    """Signs alice in for a --skip-consent client: the login form's answer goes to the site."""
    authorization = Authorization(server, client["client_id"], rp.callback)
    browser.open(authorization.url)
    callback = browser.sign_in_to(rp, rp.callback, "alice", PASSWORD)
    return authorization.tokens(callback, client["client_secret"])


def signed_in_elsewhere(browser, server, rp, client):
    """Signs alice in with a plain HTTP user agent and hands its cookies to Chromium: a test of a
    later page then fails, if it does, on that page, not on the login form before it."""
    agent = HTTPUserAgent(server)
    authorization = Authorization(server, client["client_id"], rp.callback)
    location = agent.follow(agent.open_authorize(authorization.url))
    assert location.startswith(rp.callback + "?"), location
    tokens, claims = authorization.tokens(single_values(urlparse(location).query), client["client_secret"])
    browser.adopt_cookies(server.issuer, agent.http.cookies)
    return tokens, claims


def assert_login_page(browser):
    browser.wait(lambda b: b.path == "/login" and b.driver.find_elements("id", "password"), "the login page")
    assert "Sign in" in browser.text


# The authorization code flow, through each of its forms.

def test_consent_allow_sends_the_browser_to_the_site_with_a_code_for_tokens(data_dir, start_server, rp, browser):
    client = add_client(data_dir, rp)
    server = start_server()
    authorization = Authorization(server, "rp", rp.callback)
    browser.open(authorization.url)
    assert_login_page(browser)
    assert "Relying Party" in browser.text
    browser.sign_in("alice", PASSWORD)
    browser.wait_for_path("/consent")
    assert "Relying Party" in browser.text and "email" in browser.text

    callback = browser.submit_to("button[value=approve]", rp, rp.callback)
    assert browser.url.startswith(rp.origin + "/callback?")
    tokens, claims = authorization.tokens(callback, client["client_secret"])
    assert tokens["token_type"] == "Bearer" and tokens["access_token"] and tokens["refresh_token"]
    assert claims["email"] == "alice@example.com" and claims["name"] == "Alice"
    info = requests.get(server.metadata["userinfo_endpoint"], timeout=WAIT,
                        headers={"Authorization": "Bearer " + tokens["access_token"]})
    assert info.status_code == 200 and info.json()["sub"] == claims["sub"]


def test_consent_deny_sends_access_denied_and_the_state_to_the_site(data_dir, start_server, rp, browser):
    add_client(data_dir, rp)
    server = start_server()
    authorization = Authorization(server, "rp", rp.callback)
    browser.open(authorization.url)
    browser.sign_in("alice", PASSWORD)
    browser.wait_for_path("/consent")

    callback = browser.submit_to("button[value=deny]", rp, rp.callback)
    assert callback["error"] == "access_denied" and callback["state"] == authorization.state
    assert "code" not in callback


def test_login_of_a_first_party_site_goes_straight_to_the_site(data_dir, start_server, rp, browser):
    client = add_client(data_dir, rp, "rp", "--skip-consent")
    server = start_server()
    authorization = Authorization(server, "rp", rp.callback)
    browser.open(authorization.url)
    assert_login_page(browser)
    callback = browser.sign_in_to(rp, rp.callback, "alice", PASSWORD)
    _, claims = authorization.tokens(callback, client["client_secret"])
    assert claims["preferred_username"] == "alice"
    assert [path for path, _ in rp.received] == ["/callback"]


def test_remembered_consent_lets_the_next_login_go_straight_to_the_site(data_dir, start_server, rp, browser):
    client = add_client(data_dir, rp)
    server = start_server()
    # The earlier Allow (the consent page in Chromium has a test of its own above).
    tokens, claims = signed_in_elsewhere(browser, server, rp, client)

    # Signed out (the hint names this browser's user: no question, and no site to return to).
    browser.open(server.issuer + "/logout?" + urlencode({"id_token_hint": tokens["id_token"]}))
    browser.wait_for_path("/logout")
    assert "You are signed out" in browser.text

    second = Authorization(server, "rp", rp.callback)
    browser.open(second.url)
    assert_login_page(browser)
    browser.fill_login("alice", PASSWORD)
    callback = browser.submit_to("button[type=submit]", rp, rp.callback, not_via=("/consent",))
    _, again = second.tokens(callback, client["client_secret"])
    assert again["sub"] == claims["sub"] and again["sid"] != claims["sid"]


def test_second_factor_form_sends_the_browser_to_the_site(data_dir, start_server, rp, browser):
    client = add_client(data_dir, rp, "rp", "--skip-consent")
    uri = cli(data_dir, "user", "totp", "enroll", "--login", "alice").splitlines()[0]
    secret = parse_qs(urlparse(uri).query)["secret"][0]
    server = start_server()
    authorization = Authorization(server, "rp", rp.callback)
    browser.open(authorization.url)
    browser.sign_in("alice", PASSWORD)
    browser.wait(lambda b: b.driver.find_elements("id", "totp"), "the second-factor page")

    before = len(rp.queries(rp.callback))
    for attempt in range(2):
        browser.element("#totp").send_keys(totp(secret))
        browser.click("button[type=submit]")
        if browser.path != "/login" or not browser.driver.find_elements("css selector", ".error") or attempt:
            break
        # The 30-second step turned between computing the pin and checking it: once more.
    browser.wait(lambda b: b.url.split("?")[0] == rp.callback and len(rp.queries(rp.callback)) > before,
                 "the site's callback after the second factor")
    _, claims = authorization.tokens(rp.queries(rp.callback)[-1], client["client_secret"])
    assert claims["amr"] == ["pwd", "otp"]


def test_prompt_login_signs_in_again_and_keeps_the_session(data_dir, start_server, rp, browser):
    client = add_client(data_dir, rp, "rp", "--skip-consent")
    server = start_server()
    first_tokens, first = signed_in(browser, server, rp, client)
    assert first["sid"] and first["auth_time"]
    wait_until(lambda: int(time.time()) > first["auth_time"], "the clock to pass the first sign-in's second")

    again = Authorization(server, "rp", rp.callback, prompt="login")
    browser.open(again.url)
    assert_login_page(browser)  # signed in, and still asked
    assert not rp.queries(rp.callback)[1:], "prompt=login returned to the site without the login form"
    tokens, claims = again.tokens(browser.sign_in_to(rp, rp.callback, "alice", PASSWORD), client["client_secret"])
    assert claims["sub"] == first["sub"]
    assert claims["auth_time"] > first["auth_time"]
    assert claims["sid"] == first["sid"], "re-authentication of the same user replaced the session"
    # The session lives on, and so do the grants issued in it.
    refreshed = refresh(server, first_tokens["refresh_token"], "rp", client["client_secret"])
    assert refreshed.status_code == 200, "refresh token issued before the re-authentication: " + refreshed.text


# RP-initiated logout.

def test_logout_confirmation_returns_to_the_sites_post_logout_page(data_dir, start_server, rp, browser):
    client = add_client(data_dir, rp, "rp", "--skip-consent")
    server = start_server()
    tokens, _ = signed_in_elsewhere(browser, server, rp, client)
    browser.open_to(Authorization(server, "rp", rp.callback).url, rp, rp.callback)  # Chromium has the session
    assert server.metadata["end_session_endpoint"] == server.issuer + "/logout"

    browser.open(server.metadata["end_session_endpoint"] + "?" + urlencode({
        "client_id": "rp", "post_logout_redirect_uri": rp.logged_out, "state": "bye-1"}))
    browser.wait_for_path("/logout")
    assert "sign out of all applications" in browser.text and not rp.queries(rp.logged_out)
    answer = browser.submit_to("form[action='/logout'] button[type=submit]", rp, rp.logged_out)
    assert answer == {"state": "bye-1"}

    # The session is over: the next authorization asks to sign in, the session's grants are gone.
    browser.open(Authorization(server, "rp", rp.callback).url)
    assert_login_page(browser)
    refused = refresh(server, tokens["refresh_token"], "rp", client["client_secret"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


def test_logout_with_id_token_hint_returns_to_the_site_without_a_question(data_dir, start_server, rp, browser):
    client = add_client(data_dir, rp, "rp", "--skip-consent")
    server = start_server()
    tokens, _ = signed_in(browser, server, rp, client)

    answer = browser.open_to(server.metadata["end_session_endpoint"] + "?" + urlencode({
        "id_token_hint": tokens["id_token"], "post_logout_redirect_uri": rp.logged_out, "state": "bye-2"}),
        rp, rp.logged_out)
    assert answer == {"state": "bye-2"}
    browser.open(Authorization(server, "rp", rp.callback).url)
    assert_login_page(browser)


def test_logout_refuses_an_unregistered_post_logout_page(data_dir, start_server, rp, browser):
    client = add_client(data_dir, rp, "rp", "--skip-consent")
    server = start_server()
    signed_in_elsewhere(browser, server, rp, client)
    browser.open(server.metadata["end_session_endpoint"] + "?" + urlencode({
        "client_id": "rp", "post_logout_redirect_uri": rp.origin + "/elsewhere", "state": "x"}))
    browser.wait_for_path("/logout")
    assert "not registered" in browser.text
    assert not browser.driver.find_elements("css selector", "form[action='/logout']")
    assert not rp.queries(rp.origin + "/elsewhere")


# The personal cabinet's legacy entry.

def test_legacy_cabinet_entry_signs_in_and_returns_to_the_registered_url(data_dir, start_server, rp, browser):
    # The personal cabinet's public client, as the legacy clients are registered, on the site's origin.
    cli(data_dir, "client", "add", "--id", "SingleSignOn", "--public", "--skip-consent",
        "--redirect-uri", rp.cabinet, "--scope", "openid profile email")
    server = start_server("--legacy", "--legacy-client-id", "SingleSignOn")
    entry = server.issuer + "/login?" + urlencode({"url": rp.cabinet, "scope": "ClientAccount"})

    browser.open(entry)
    assert_login_page(browser)
    assert browser.sign_in_to(rp, rp.cabinet, "alice", PASSWORD) == {}
    # With the session live, the entry returns at once.
    assert browser.open_to(entry, rp, rp.cabinet) == {}
    # An address not registered for the cabinet is refused on the server's page.
    browser.open(server.issuer + "/login?" + urlencode({"url": rp.origin + "/elsewhere/"}))
    browser.wait_for_path("/login")
    assert "not registered" in browser.text and not rp.queries(rp.origin + "/elsewhere/")


# Federation.

@pytest.fixture
def upstream():
    provider = YandexLikeProvider()
    yield provider
    provider.stop()


def test_federated_sign_in_returns_through_the_callback_and_consent_to_the_site(
        data_dir, start_server, rp, upstream, browser):
    client = add_client(data_dir, rp)
    cli(data_dir, "provider", "add", "--name", "yandex", "--display-name", "Yandex ID",
        "--client-id", upstream.client_id, "--client-secret", upstream.client_secret,
        "--authorize-url", upstream.origin + "/authorize", "--token-url", upstream.origin + "/token",
        "--userinfo-url", upstream.origin + "/info")
    server = start_server()
    authorization = Authorization(server, "rp", rp.callback)
    browser.open(authorization.url)
    assert_login_page(browser)
    browser.click("a.provider")  # to the upstream, which answers at once, and back to the callback
    browser.wait_for_path("/consent")  # the brand-new federated user has not consented yet
    assert len(upstream.authorize_requests) == 1
    assert upstream.authorize_requests[0]["redirect_uri"] == server.issuer + "/federation/yandex/callback"

    callback = browser.submit_to("button[value=approve]", rp, rp.callback)
    _, claims = authorization.tokens(callback, client["client_secret"])
    assert claims["idp"] == "yandex" and claims["amr"] == ["fed"]
    assert claims["name"] == "Pavel Durov" and claims["email"] == "pavel@yandex.ru"


# The device authorization grant: the verification page in the browser.

def test_device_verification_in_the_browser_lets_the_poller_get_tokens(data_dir, start_server, browser):
    cli(data_dir, "client", "add", "--id", "terminal", "--name", "Trading Terminal", "--public",
        "--grant-types", DEVICE_GRANT + ",refresh_token", "--scope", "openid profile offline_access")
    server = start_server("--device-poll-interval", "1")
    start = requests.post(server.metadata["device_authorization_endpoint"], timeout=WAIT,
                          data={"client_id": "terminal", "scope": "openid profile offline_access"})
    assert start.status_code == 200, start.text
    codes = start.json()
    poll = {"grant_type": DEVICE_GRANT, "device_code": codes["device_code"]}
    pending = token_request(server, poll, "terminal")
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"

    browser.open(codes["verification_uri_complete"])
    browser.sign_in("alice", PASSWORD)
    browser.wait_for_path("/device")
    assert "Trading Terminal" in browser.text and codes["user_code"] in browser.text
    browser.click("button[value=approve]")
    browser.wait_for_path("/device")
    assert "The device is signed in" in browser.text

    answers = []

    def answered():
        answers.append(token_request(server, poll, "terminal"))
        if answers[-1].status_code == 400 and answers[-1].json()["error"] in ("authorization_pending", "slow_down"):
            time.sleep(codes["interval"] + (5 if answers[-1].json()["error"] == "slow_down" else 0))
            return False
        return True

    wait_until(answered, "the device poll to be answered")
    tokens = answers[-1].json()
    assert answers[-1].status_code == 200, tokens
    assert tokens["refresh_token"] and tokens["scope"] == "openid profile offline_access"
    claims = id_token_claims(server, tokens["id_token"], "terminal")
    assert claims["preferred_username"] == "alice"


# The languages of the pages, and the demo.

def test_pages_speak_russian_to_a_russian_browser(tmp_path, rp):
    data = tmp_path / "data"
    cli(data, "user", "add", "--login", "ivan", "--password-stdin", stdin=PASSWORD + "\n")
    client = json.loads(cli(data, "client", "add", "--id", "lk", "--name", "Личный кабинет",
                            "--redirect-uri", rp.callback, "--scope", "openid ordersread trades personal"))
    server = Server(data)
    browser = Chromium(language="ru")
    try:
        authorization = Authorization(server, "lk", rp.callback, scope="openid ordersread trades personal")
        browser.open(authorization.url)
        browser.wait(lambda b: b.path == "/login" and b.driver.find_elements("id", "password"), "the login page")
        assert "Вход" in browser.text and "Личный кабинет" in browser.text
        browser.sign_in("ivan", PASSWORD)
        browser.wait_for_path("/consent")
        assert "Совершать сделки от вашего имени" in browser.text and "Разрешить" in browser.text
        callback = browser.submit_to("button[value=approve]", rp, rp.callback)
        tokens, _ = authorization.tokens(callback, client["client_secret"])
        assert tokens["scope"] == "openid ordersread trades personal"
    finally:
        browser.quit()
        server.stop()


def test_demo_signs_in_and_a_second_site_gets_single_sign_on(tmp_path, rp, browser):
    data = tmp_path / "data"
    server = Server(data, extra=["--demo"])
    try:
        # The demo relying party is the server's own page (same origin by design), in JavaScript.
        browser.open(server.issuer + "/demo")
        browser.click("#signin")
        browser.fill_login("demo", "not-the-password")
        browser.click("button[type=submit]")
        browser.wait(lambda b: "Invalid login or password." in b.text, "the login page's error")
        browser.element("#password").send_keys("demo-password")
        browser.click("button[type=submit]")
        browser.wait_for_path("/consent")
        browser.click("button[value=approve]")
        output = browser.wait(lambda b: b.element("#output").text.strip() or None, "the demo's tokens")
        shown = json.loads(output)
        assert shown["id_token"]["preferred_username"] == "demo"
        assert shown["userinfo"]["email"] == "demo@example.com"
        assert shown["access_token"]["client_id"] == "demo"

        # A second site on another origin: registered while the server runs, first-party, so no consent either.
        site2 = json.loads(cli(data, "client", "add", "--id", "site2", "--redirect-uri", rp.callback, "--skip-consent"))
        authorization = Authorization(server, "site2", rp.callback, scope="openid")
        callback = browser.open_to(authorization.url, rp, rp.callback)
        _, claims = authorization.tokens(callback, site2["client_secret"])
        assert claims["sub"] == shown["id_token"]["sub"]
    finally:
        server.stop()
