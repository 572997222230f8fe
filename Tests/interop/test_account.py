"""The user's own account page, `/account`, in a real browser (headless Chromium through Selenium):
signing in through the server's own login page for the built-in client `sso-account` and coming
back, the list of sessions and ending one or all the others, a connected application on another
origin disconnected (its refresh token refused after), TOTP enrolment from the QR code's secret
and the code it asks for at the next sign-in, the password change, the pages in Russian, and a
form posted without the page's CSRF token.

Other sessions of the same user are plain HTTP user agents doing the login form (their
User-Agent names them on the page); the security events are read with `sso audit tail`."""
import base64
import ctypes
import ctypes.util
import json
import re
import time
from urllib.parse import urljoin

import pytest
import requests

from browserlib import CHROMEDRIVER, WAIT, Authorization, Chromium, refresh
from conftest import PASSWORD, cli
from test_legacy import totp

pytestmark = pytest.mark.skipif(CHROMEDRIVER is None, reason="chromium-driver is not installed (Scripts/setup --browser)")

NEW_PASSWORD = "staple-battery-horse"


# The same browser, relying party and server as the other browser tests.
from test_browser import browser, rp, start_server  # noqa: E402,F401  (pytest fixtures)


# The browser on the account page.

def click(browser, css):
    browser.click(css)


def sign_in(browser, login, password):
    browser.fill_login(login, password)
    click(browser, "button[type=submit]")


def open_account(browser, server, login="alice", password=PASSWORD):
    """Opens /account signed out, signs in on the login page it leads to, and is back at /account."""
    browser.open(server.issuer + "/account")
    sign_in(browser, login, password)
    browser.wait_for_path("/account")


def sessions(browser):
    """The listed sessions: data-id -> (device, whether tagged this device, the entry's text)."""
    return {li.get_attribute("data-id"): (li.find_element("css selector", "strong").text,
                                          bool(li.find_elements("css selector", ".tag")), li.text)
            for li in browser.driver.find_elements("css selector", "#sessions li.session")}


def applications(browser):
    return {li.get_attribute("data-client"): li.text
            for li in browser.driver.find_elements("css selector", "#applications li.application")}


def notice(browser):
    found = browser.driver.find_elements("css selector", "p.notice")
    return found[0].text if found else None


def present(browser, css):
    return bool(browser.driver.find_elements("css selector", css))


# Other user agents of the same user.

def http_sign_in(server, password=PASSWORD, login="alice", user_agent=None):
    """A plain HTTP user agent opens /account signed out and posts the login form it is sent to;
    returns the agent and the form's answer (a redirect back to /account when signed in)."""
    agent = requests.Session()
    if user_agent:
        agent.headers["User-Agent"] = user_agent
    start = agent.get(server.issuer + "/account", allow_redirects=False, timeout=WAIT)
    assert start.status_code == 302 and start.headers["Location"].startswith("/login?interaction="), start.headers
    page = agent.get(urljoin(server.issuer, start.headers["Location"]), timeout=WAIT)
    fields = dict(re.findall(r'name="(interaction|csrf)" value="([^"]+)"', page.text))
    answer = agent.post(server.issuer + "/login", data={**fields, "login": login, "password": password},
                        allow_redirects=False, timeout=WAIT)
    return agent, answer


def signed_in_agent(server, **options):
    agent, answer = http_sign_in(server, **options)
    assert answer.status_code in (302, 303) and answer.headers["Location"] == server.issuer + "/account", \
        (answer.status_code, answer.headers, answer.text[:300])
    return agent


def is_signed_in(server, agent):
    """Whether the agent's /account is the page (signed in) or the way to the login page (not)."""
    answer = agent.get(server.issuer + "/account", allow_redirects=False, timeout=WAIT)
    if answer.status_code == 302:
        assert answer.headers["Location"].startswith("/login?interaction="), answer.headers
        return False
    assert answer.status_code == 200 and 'id="account-login"' in answer.text, answer.status_code
    return True


def events(data_dir):
    return [json.loads(line)["event"] for line in cli(data_dir, "audit", "tail", "--count", "200").splitlines()]


# TOTP, from the secret the page shows.

def code(shown_secret, at=None):
    """The RFC 6238 code of the key as the enrolment page shows it for typing into an app: base32,
    in groups of four, as the otpauth URI carries it."""
    return totp(shown_secret.replace(" ", ""), at=at)


def wrong_code(shown_secret, now):
    """A code that is none of the accepted steps' (the current one and one either side)."""
    accepted = {code(shown_secret, now + 30 * step) for step in (-2, -1, 0, 1, 2)}
    return next(candidate for candidate in (f"{n:06d}" for n in range(0, 1_000_000, 7919)) if candidate not in accepted)


def qr_modules(text):
    """The dark modules of `text`'s QR code at level M, 8-bit mode, from libqrencode itself."""
    library = ctypes.util.find_library("qrencode")
    if library is None:
        pytest.skip("libqrencode is not installed here")
    qrencode = ctypes.CDLL(library)

    class QRcode(ctypes.Structure):
        _fields_ = [("version", ctypes.c_int), ("width", ctypes.c_int), ("data", ctypes.POINTER(ctypes.c_ubyte))]

    qrencode.QRcode_encodeString.restype = ctypes.POINTER(QRcode)
    qrencode.QRcode_encodeString.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int]
    qrencode.QRcode_free.argtypes = [ctypes.POINTER(QRcode)]
    encoded = qrencode.QRcode_encodeString(text.encode(), 0, 1, 2, 1)  # QR_ECLEVEL_M, QR_MODE_8, case-sensitive
    assert encoded, "libqrencode could not encode " + text
    try:
        width = encoded.contents.width
        return width, {(row, column) for row in range(width) for column in range(width)
                       if encoded.contents.data[row * width + column] & 1}
    finally:
        qrencode.QRcode_free(encoded)


def svg_modules(svg):
    """The dark modules of the page's SVG: runs `M{x} {y}h{n}v1h-{n}z` after a quiet zone of 4."""
    side = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    path = re.search(r'<path d="([^"]*)"', svg).group(1)
    dark = set()
    for x, y, run in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", path):
        dark.update((int(y) - 4, int(x) - 4 + i) for i in range(int(run)))
    return side - 8, dark


# The tests.

def test_signed_out_account_signs_in_on_the_login_page_and_lists_this_chrome(data_dir, start_server, browser):
    server = start_server()
    browser.open(server.issuer + "/account")
    browser.wait(lambda b: b.path == "/login" and b.driver.find_elements("id", "password"), "the login page")
    assert "interaction=" in browser.url
    assert browser.element("p.muted strong").text == "Account", "the login page is not for the built-in client"
    sign_in(browser, "alice", PASSWORD)
    browser.wait_for_path("/account")

    assert browser.element("h1").text == "Your account"
    assert browser.element("#account-login").text == "alice" and "alice@example.com" in browser.text
    listed = sessions(browser)
    assert len(listed) == 1, listed
    [(device, this_device, entry)] = listed.values()
    assert this_device and "this device" in entry
    assert device.startswith("Chrome"), device
    assert "127.0.0.1" in entry and "Sign out here" in entry
    assert not present(browser, "#end-others"), "'Sign out everywhere else' offered with no other session"
    assert notice(browser) is None
    assert not present(browser, "#sign-in-again"), "a sign-in just made is recent"
    assert "No application has access to your account." in browser.text
    assert "sso-account" in cli(data_dir, "client", "list")

    # Signing in again keeps the session and returns to the account page named.
    [session_id] = listed
    browser.open(server.issuer + "/account/sign-in-again?return=/account/totp")
    browser.wait(lambda b: b.path == "/login" and b.driver.find_elements("id", "password"), "the login page again")
    assert browser.element("#login").get_attribute("value") == "alice"
    sign_in(browser, "alice", PASSWORD)
    browser.wait_for_path("/account/totp")
    browser.open(server.issuer + "/account")
    browser.wait_for_path("/account")
    assert list(sessions(browser)) == [session_id]


def test_ending_another_session_from_the_list_and_then_every_other(data_dir, start_server, browser):
    server = start_server()
    open_account(browser, server)
    by_curl = signed_in_agent(server, user_agent="curl/8.5.0")
    by_python = signed_in_agent(server)  # python-requests
    browser.open(server.issuer + "/account")
    browser.wait_for_path("/account")

    listed = sessions(browser)
    assert len(listed) == 3, listed
    tagged = [device for device, this_device, _ in listed.values() if this_device]
    assert len(tagged) == 1 and tagged[0].startswith("Chrome"), listed
    others = {device: session_id for session_id, (device, this_device, _) in listed.items() if not this_device}
    assert set(others) == {"curl", "Python"}, listed
    assert "End this session" in listed[others["curl"]][2]

    click(browser, f"#sessions li.session[data-id='{others['curl']}'] button[type=submit]")
    browser.wait_for_path("/account")
    assert notice(browser) == "The session has ended."
    assert set(sessions(browser)) == set(listed) - {others["curl"]}
    assert not is_signed_in(server, by_curl), "the ended session still opens the account page"
    assert is_signed_in(server, by_python), "ending one session ended another"

    click(browser, "#end-others")
    browser.wait_for_path("/account")
    assert notice(browser) == "You are signed out everywhere else."
    remaining = sessions(browser)
    assert len(remaining) == 1 and list(remaining.values())[0][1], remaining
    assert not present(browser, "#end-others")
    assert not is_signed_in(server, by_python)
    assert events(data_dir).count("session.revoked") >= 2


def test_disconnecting_an_application_revokes_its_refresh_token(data_dir, start_server, rp, browser):
    client = json.loads(cli(data_dir, "client", "add", "--id", "rp", "--name", "Relying Party",
                            "--redirect-uri", rp.callback, "--scope", "openid profile email"))
    server = start_server()
    authorization = Authorization(server, "rp", rp.callback)
    browser.open(authorization.url)
    sign_in(browser, "alice", PASSWORD)
    browser.wait_for_path("/consent")
    tokens, _ = authorization.tokens(browser.submit_to("button[value=approve]", rp, rp.callback),
                                     client["client_secret"])
    assert tokens["refresh_token"]

    browser.open(server.issuer + "/account")  # the session of the sign-in for the relying party
    browser.wait_for_path("/account")
    listed = applications(browser)
    assert list(listed) == ["rp"], listed
    assert "Relying Party" in listed["rp"] and "openid" in listed["rp"]
    [(_, _, entry)] = sessions(browser).values()
    assert "Applications: Relying Party" in entry

    click(browser, "#applications li.application[data-client='rp'] button[type=submit]")
    browser.wait_for_path("/account")
    assert notice(browser) == "The application no longer has access to your account."
    assert applications(browser) == {}
    assert "No application has access to your account." in browser.text
    refused = refresh(server, tokens["refresh_token"], "rp", client["client_secret"])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant", refused.text
    assert "consent.withdrawn" in events(data_dir)

    # The consent is forgotten too: the next sign-in of the application asks again.
    browser.open(Authorization(server, "rp", rp.callback).url)
    browser.wait_for_path("/consent")


def test_totp_enrolment_from_the_shown_secret_then_the_next_sign_in_asks_for_a_code(data_dir, start_server, browser):
    server = start_server()
    open_account(browser, server)
    assert "Authenticator app codes: off" in browser.element("#second-factor").text
    assert not present(browser, "#totp-remove")
    click(browser, "#totp-enrol")
    browser.wait_for_path("/account/totp")

    secret = browser.element("#totp-secret").text
    # Base32 (what authenticator apps take typed) of a 32-byte key, in groups of four.
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4}){12}", secret), secret
    assert len(base64.b32decode(secret.replace(" ", "") + "====")) == 32
    # The QR code, drawn on the server, is the otpauth URI of the same key.
    svg = browser.element("#totp-qr").get_attribute("innerHTML")
    assert svg.startswith("<svg") and 'role="img"' in svg, svg[:200]
    key = secret.replace(" ", "")
    uri = f"otpauth://totp/UnifiedSSO:alice?secret={key}&issuer=UnifiedSSO"
    assert svg_modules(svg) == qr_modules(uri), "the QR code is not the otpauth URI of the shown secret: " + uri

    browser.element("#totp").send_keys(wrong_code(secret, time.time()))
    click(browser, "button[type=submit]")
    browser.wait_for_path("/account/totp")
    assert browser.element(".error").text == "The code is wrong or has already been used."
    assert browser.element("#totp-secret").text == secret, "a wrong code changed the secret"

    browser.element("#totp").send_keys(code(secret))
    click(browser, "button[type=submit]")
    browser.wait_for_path("/account")
    assert notice(browser) == "Authenticator app codes are on: you will be asked for one at every sign-in."
    assert "Authenticator app codes: on" in browser.element("#second-factor").text
    assert present(browser, "#totp-remove") and not present(browser, "#totp-enrol")
    assert "totp.enrolled" in events(data_dir)

    # Signed out, the next sign-in asks for a code after the password. The enrolment's code has
    # been used; the next step's is accepted (one step of clock skew), so no waiting.
    click(browser, "a[href='/logout']")
    click(browser, "form[action='/logout'] button[type=submit]")
    assert "You are signed out" in browser.text
    browser.open(server.issuer + "/account")
    sign_in(browser, "alice", PASSWORD)
    browser.wait(lambda b: b.path == "/login" and b.driver.find_elements("id", "totp"), "the second-factor page")
    assert not present(browser, "#account-login")
    browser.element("#totp").send_keys(code(secret, time.time() + 30))
    click(browser, "button[type=submit]")
    browser.wait_for_path("/account")
    assert browser.element("#account-login").text == "alice"


def test_password_change_refuses_a_wrong_current_then_ends_every_other_session(data_dir, start_server, browser):
    server = start_server()
    open_account(browser, server)
    other = signed_in_agent(server)

    def change(current):
        browser.element("#current").send_keys(current)
        browser.element("#new-password").send_keys(NEW_PASSWORD)
        browser.element("#repeat-password").send_keys(NEW_PASSWORD)
        click(browser, "#password-change")

    change("not-the-password")
    assert browser.element("#password .error").text == "The current password is wrong."
    assert notice(browser) is None
    assert is_signed_in(server, other), "a refused change ended the other session"
    assert "password.changed" not in events(data_dir)

    change(PASSWORD)
    browser.wait_for_path("/account")
    assert notice(browser) == "Your password has been changed. Every other session has ended."
    assert len(sessions(browser)) == 1
    assert not is_signed_in(server, other), "the other session outlived the password change"
    assert "password.changed" in events(data_dir)

    old = http_sign_in(server, PASSWORD)[1]
    assert old.status_code not in (302, 303) and "Invalid login or password." in old.text, old.status_code
    signed_in_agent(server, password=NEW_PASSWORD)
    # And this browser stays signed in.
    browser.open(server.issuer + "/account")
    browser.wait_for_path("/account")
    assert browser.element("#account-login").text == "alice"


def test_account_pages_speak_russian_to_a_russian_browser(data_dir, start_server):
    server = start_server()
    browser = Chromium(language="ru")
    try:
        browser.open(server.issuer + "/account")
        browser.wait(lambda b: b.path == "/login" and b.driver.find_elements("id", "password"), "the login page")
        assert browser.element("h1").text == "Вход"
        sign_in(browser, "alice", PASSWORD)
        browser.wait_for_path("/account")
        assert browser.element("h1").text == "Ваш аккаунт"
        assert browser.element("#sessions h2").text == "Где выполнен вход"
        assert "это устройство" in browser.element("#sessions li.session").text
        click(browser, "#totp-enrol")
        browser.wait_for_path("/account/totp")
        assert browser.element("h1").text == "Подключение приложения-аутентификатора"
    finally:
        browser.quit()


def test_a_form_posted_without_the_pages_csrf_token_is_refused_and_changes_nothing(data_dir, start_server):
    server = start_server()
    agent = signed_in_agent(server)
    other = signed_in_agent(server)
    change = {"current": PASSWORD, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD}

    for form in (change, {**change, "csrf": "not-this-browsers"}):
        refused = agent.post(server.issuer + "/account/password", data=form, allow_redirects=False, timeout=WAIT)
        assert refused.status_code == 403, (refused.status_code, refused.headers)
    refused = agent.post(server.issuer + "/account/sessions/end-others", data={"csrf": "not-this-browsers"},
                         allow_redirects=False, timeout=WAIT)
    assert refused.status_code == 403, (refused.status_code, refused.headers)
    assert is_signed_in(server, other)
    assert "password.changed" not in events(data_dir)
    assert http_sign_in(server, NEW_PASSWORD)[1].status_code not in (302, 303)
    signed_in_agent(server, password=PASSWORD)

    # With this browser's token the form is read: a wrong current password is refused on the page,
    # the right one is taken.
    wrong = agent.post(server.issuer + "/account/password", allow_redirects=False, timeout=WAIT,
                       data={**change, "current": "not-the-password", "csrf": agent.cookies["sso_csrf"]})
    assert wrong.status_code == 400 and "The current password is wrong." in wrong.text, wrong.status_code
    taken = agent.post(server.issuer + "/account/password", data={**change, "csrf": agent.cookies["sso_csrf"]},
                       allow_redirects=False, timeout=WAIT)
    assert taken.status_code in (302, 303) and "done=password_changed" in taken.headers["Location"], taken.headers
    signed_in_agent(server, password=NEW_PASSWORD)
