"""What the browser tests share: headless Chromium that keeps its console, a relying party and an
upstream provider on loopback ports of their own (another origin than the server's), PKCE, the
sign-in form, and the relying party's back-channel calls (code exchange, refresh, ID-token check).

A page that should send the browser to the relying party and does not is reported with the URL
the browser stayed on and what its console said, so a Content-Security-Policy refusal
(`form-action` applies to the redirect that follows a form's POST) is visible in the failure."""
import base64
import hashlib
import json
import secrets
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import requests
from authlib.jose import JsonWebKey, jwt

CHROMEDRIVER = shutil.which("chromedriver")
WAIT = 15  # seconds: the longest any single wait may take


def pkce():
    """A PKCE verifier and its S256 challenge (RFC 7636 section 4.2)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def single_values(query):
    return {name: values[0] for name, values in parse_qs(query, keep_blank_values=True).items()}


class LoopbackSite:
    """A tiny HTTP server on its own loopback port; `handle(handler, method, path, query, form)`
    answers (status, headers, body)."""

    def __init__(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def serve(self, method):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                form = single_values(self.rfile.read(length).decode()) if length else {}
                status, headers, body = site.handle(self, method, url.path, single_values(url.query), form)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                self.serve("GET")

            def do_POST(self):
                self.serve("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def handle(self, handler, method, path, query, form):
        raise NotImplementedError

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


class RelyingParty(LoopbackSite):
    """A site on another origin than the server: its pages record the query they were opened with."""

    def __init__(self):
        super().__init__()
        self.callback = self.origin + "/callback"
        self.logged_out = self.origin + "/logged-out"
        self.cabinet = self.origin + "/cabinet/"
        self.received = []  # (path, query), in order
        self.lock = threading.Lock()

    def handle(self, handler, method, path, query, form):
        if path != "/favicon.ico":
            with self.lock:
                self.received.append((path, query))
        return 200, {"Content-Type": "text/html; charset=utf-8"}, \
            f"<!doctype html><title>Relying party</title><p id=rp>{path}</p>".encode()

    def queries(self, url):
        """The queries the page at `url` (origin and path) was opened with, in order."""
        path = urlparse(url).path
        with self.lock:
            return [query for seen, query in self.received if seen == path]


class YandexLikeProvider(LoopbackSite):
    """An upstream provider on a third port that behaves like Yandex ID: /authorize sends the
    browser back at once with a code, /token checks the secret and the PKCE verifier, /info
    answers to 'OAuth' tokens."""

    client_id, client_secret = "yandex-id", "yandex-secret"
    profile = {"id": "1130000012345", "login": "pavel", "real_name": "Pavel Durov",
               "default_email": "pavel@yandex.ru"}

    def __init__(self):
        super().__init__()
        self.codes = {}
        self.authorize_requests = []

    @staticmethod
    def json_answer(status, body):
        return status, {"Content-Type": "application/json"}, json.dumps(body).encode()

    def handle(self, handler, method, path, query, form):
        if method == "GET" and path == "/authorize":
            self.authorize_requests.append(query)
            code = secrets.token_urlsafe(16)
            self.codes[code] = query.get("code_challenge")
            location = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
            return 302, {"Location": location}, b""
        if method == "POST" and path == "/token":
            challenge = self.codes.pop(form.get("code"), "missing")
            verifier = form.get("code_verifier", "")
            expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge == "missing" or form.get("client_secret") != self.client_secret or challenge != expected:
                return self.json_answer(400, {"error": "invalid_grant"})
            return self.json_answer(200, {"access_token": "token-" + secrets.token_urlsafe(8), "token_type": "bearer"})
        if path == "/info" and handler.headers.get("Authorization", "").startswith("OAuth token-"):
            return self.json_answer(200, self.profile)
        return self.json_answer(401, {"error": "unauthorized"})


class Chromium:
    """Headless Chromium through chromedriver, keeping every console line it has printed."""

    def __init__(self, language=None):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,900"):
            options.add_argument(argument)
        if language:
            options.add_argument("--lang=" + language)
            options.add_experimental_option("prefs", {"intl.accept_languages": language})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(WAIT)
        self.console = []

    def quit(self):
        self.driver.quit()

    # What the browser shows.

    @property
    def url(self):
        return self.driver.current_url

    @property
    def path(self):
        return urlparse(self.driver.current_url).path

    @property
    def text(self):
        return self.driver.find_element("tag name", "body").text

    def console_lines(self):
        try:
            self.console.extend(self.driver.get_log("browser"))
        except Exception:  # the log is a convenience for the failure message; never the failure itself
            pass
        return [entry.get("message", "") for entry in self.console]

    def refused_forms(self):
        return [line for line in self.console_lines() if "form-action" in line or "Refused to send form data" in line]

    def describe(self):
        lines = self.console_lines()
        try:
            page = self.text[:200]
        except Exception:
            page = "(unreadable)"
        return f"the browser is at {self.url} (page: {page!r}); console: " + \
            (" | ".join(lines) if lines else "(nothing)")

    # Waiting, bounded, for what the page should do.

    def wait(self, condition, expected):
        """Waits up to WAIT seconds for `condition(self)`; a form the page's Content Security Policy
        refused ends the wait at once. Fails with where the browser is and what its console says."""
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait

        def check(_):
            if self.refused_forms():
                raise FormRefused()
            return condition(self)

        try:
            return WebDriverWait(self.driver, WAIT, poll_frequency=0.1).until(check)
        except (TimeoutException, FormRefused) as stop:
            why = "a form was refused by the page's Content Security Policy" if isinstance(stop, FormRefused) \
                else f"nothing happened for {WAIT} s"
            raise AssertionError(f"expected {expected}, but {why}: {self.describe()}") from None

    def wait_for_path(self, path):
        return self.wait(lambda b: b.path == path and b.ready(), f"the server's {path} page")

    def ready(self):
        from selenium.common.exceptions import WebDriverException
        try:
            return self.driver.execute_script("return document.readyState") == "complete"
        except WebDriverException:  # between two pages
            return False

    def expecting(self, site, url, action, what=None, not_via=()):
        """Does `action()` and waits until the browser shows the relying party's `url` and the site
        was opened there (a form's redirect, or a plain navigation); returns the query it received.
        Reaching one of the server's pages `not_via` on the way fails at once."""
        before = len(site.queries(url))
        action()

        def arrived(b):
            if not b.url.startswith(site.origin + "/") and b.path in not_via:
                raise AssertionError(f"expected {what or url}, but the browser was shown {b.url}")
            return b.url.split("?")[0] == url and len(site.queries(url)) > before

        self.wait(arrived, what or f"the relying party's {url}")
        return site.queries(url)[-1]

    # Acting on pages.

    def open(self, url):
        self.driver.get(url)

    def adopt_cookies(self, origin, jar):
        """Takes over the cookies (a sign-in) another user agent got from `origin`."""
        self.open(origin + "/.well-known/openid-configuration")
        for cookie in jar:
            self.driver.add_cookie({"name": cookie.name, "value": cookie.value, "path": cookie.path or "/",
                                    "httpOnly": True, "sameSite": "Lax"})

    def element(self, css):
        return self.driver.find_element("css selector", css)

    def click(self, css):
        """Clicks and waits until the page has been replaced by the next one, or a form was refused."""
        from selenium.webdriver.support import expected_conditions

        from selenium.common.exceptions import WebDriverException

        old = self.element("html")
        self.element(css).click()

        def replaced(browser):
            try:
                return expected_conditions.staleness_of(old)(browser.driver) and browser.ready()
            except WebDriverException as error:
                # Mid-navigation Chromium may report the old page's node as belonging to no document.
                if "does not belong to the document" in str(error):
                    return False
                raise
        self.wait(replaced, f"a new page after clicking {css}")

    def submit_to(self, css, site, url, not_via=()):
        """Presses a form's button whose answer is a redirect to the relying party's `url`."""
        return self.expecting(site, url, lambda: self.element(css).click(), f"{css} to lead to {url}", not_via)

    def open_to(self, address, site, url):
        """Opens `address`, which should lead (through redirects only) to the relying party's `url`."""
        return self.expecting(site, url, lambda: self.open(address), f"{address} to lead to {url}")

    def fill_login(self, login, password):
        self.wait(lambda b: b.path == "/login" and b.driver.find_elements("id", "password"), "the login page")
        field = self.element("#login")
        field.clear()
        field.send_keys(login)
        self.element("#password").send_keys(password)

    def sign_in(self, login, password):
        """Signs in on the login page when the next page is the server's own (consent, device)."""
        self.fill_login(login, password)
        self.click("button[type=submit]")

    def sign_in_to(self, site, url, login, password):
        """Signs in on the login page, whose answer should send the browser to the relying party."""
        self.fill_login(login, password)
        return self.submit_to("button[type=submit]", site, url)


class FormRefused(Exception):
    pass


# The relying party's back channel.

class Authorization:
    """One authorization request of a relying party: its state, nonce, PKCE pair and URL."""

    def __init__(self, server, client_id, redirect_uri, scope="openid profile email", **extra):
        self.server, self.client_id, self.redirect_uri = server, client_id, redirect_uri
        self.verifier, challenge = pkce()
        self.state, self.nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
        self.url = server.metadata["authorization_endpoint"] + "?" + urlencode({
            "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": scope,
            "state": self.state, "nonce": self.nonce, "code_challenge": challenge, "code_challenge_method": "S256",
            **extra})

    def code(self, callback):
        """The code of the callback's query, after checking it answers this request."""
        assert callback.get("state") == self.state, callback
        assert "error" not in callback, callback
        assert callback.get("iss") == self.server.issuer, callback
        assert callback.get("code"), callback
        return callback["code"]

    def tokens(self, callback, secret=None):
        """Exchanges the callback's code at /token (Basic authentication with `secret`, or as a
        public client) with the PKCE verifier; returns the answer and the ID token's verified claims."""
        form = {"grant_type": "authorization_code", "code": self.code(callback), "redirect_uri": self.redirect_uri,
                "code_verifier": self.verifier}
        answer = token_request(self.server, form, self.client_id, secret)
        assert answer.status_code == 200, answer.text
        tokens = answer.json()
        claims = id_token_claims(self.server, tokens["id_token"], self.client_id, nonce=self.nonce)
        return tokens, claims


def token_request(server, form, client_id, secret=None):
    if secret is None:
        return requests.post(server.metadata["token_endpoint"], data={**form, "client_id": client_id}, timeout=WAIT)
    return requests.post(server.metadata["token_endpoint"], data=form, auth=(client_id, secret), timeout=WAIT)


def refresh(server, refresh_token, client_id, secret=None):
    return token_request(server, {"grant_type": "refresh_token", "refresh_token": refresh_token}, client_id, secret)


def id_token_claims(server, id_token, client_id, nonce=None):
    """The ID token's claims, its signature checked against the server's JWKS and its iss, aud,
    exp and nonce against what the relying party expects."""
    keys = JsonWebKey.import_key_set(requests.get(server.metadata["jwks_uri"], timeout=WAIT).json())
    claims = jwt.decode(id_token, keys, claims_options={
        "iss": {"essential": True, "value": server.issuer}, "aud": {"essential": True, "value": client_id}})
    claims.validate(leeway=5)
    if nonce is not None:
        assert claims.get("nonce") == nonce, claims
    return claims


def wait_until(condition, what):
    """Re-checks `condition` (not the browser) every 50 ms, for at most WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.05)
