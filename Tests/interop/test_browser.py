"""A real headless browser (Chromium through Selenium) drives the login, consent and demo pages:
the forms, the cookies, the redirects and the demo's JavaScript relying party."""
import json
import secrets
import shutil
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from conftest import PASSWORD, Server, cli, free_port

CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(CHROMEDRIVER is None, reason="chromium-driver is not installed (Scripts/setup --browser)")


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def relying_party():
    """A site's callback endpoint: records the query it receives."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if urlparse(self.path).path == "/callback":  # not the browser's /favicon.ico
                received.append(parse_qs(urlparse(self.path).query))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<html><body>callback</body></html>")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/callback", received
    server.shutdown()


def wait(browser, condition):
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(browser, 15).until(condition)


def test_demo_signs_in_and_a_second_site_gets_single_sign_on(tmp_path, browser, relying_party):
    from selenium.webdriver.common.by import By

    callback, received = relying_party
    data = tmp_path / "data"
    server = Server(data, extra=["--demo"])
    try:
        browser.get(server.issuer + "/demo")
        browser.find_element(By.ID, "signin").click()
        wait(browser, lambda b: "/login" in b.current_url)
        browser.find_element(By.ID, "login").send_keys("demo")
        browser.find_element(By.ID, "password").send_keys("not-the-password")
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(browser, lambda b: "Invalid login or password." in b.page_source)
        browser.find_element(By.ID, "password").send_keys("demo-password")
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(browser, lambda b: "/consent" in b.current_url)
        browser.find_element(By.CSS_SELECTOR, "button[value=approve]").click()
        output = wait(browser, lambda b: b.find_element(By.ID, "output").text.strip() or None)
        shown = json.loads(output)
        assert shown["id_token"]["preferred_username"] == "demo"
        assert shown["userinfo"]["email"] == "demo@example.com"
        assert shown["access_token"]["client_id"] == "demo"

        # A second site: registered while the server runs, first-party, so no consent either.
        cli(data, "client", "add", "--id", "site2", "--redirect-uri", callback, "--skip-consent")
        browser.get(server.issuer + "/authorize?" + urlencode({
            "response_type": "code", "client_id": "site2", "redirect_uri": callback, "scope": "openid",
            "state": "s2", "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256"}))
        wait(browser, lambda b: b.current_url.startswith(callback))
        assert received and received[-1]["state"] == ["s2"] and received[-1]["code"][0]
    finally:
        server.stop()


def test_pages_speak_russian_to_a_russian_browser(tmp_path, relying_party):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    callback, _ = relying_party
    data = tmp_path / "data"
    cli(data, "user", "add", "--login", "ivan", "--password-stdin", stdin=PASSWORD + "\n")
    cli(data, "client", "add", "--id", "lk", "--name", "Личный кабинет", "--redirect-uri", callback,
        "--scope", "openid ordersread trades personal")
    server = Server(data)
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=ru"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "ru,ru-RU"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get(server.issuer + "/authorize?" + urlencode({
            "response_type": "code", "client_id": "lk", "redirect_uri": callback,
            "scope": "openid ordersread trades personal", "state": secrets.token_urlsafe(8),
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"}))
        wait(driver, lambda b: "/login" in b.current_url)
        assert "Вход" in driver.page_source and "Личный кабинет" in driver.page_source
        driver.find_element(By.ID, "login").send_keys("ivan")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(driver, lambda b: "/consent" in b.current_url)
        assert "Совершать сделки от вашего имени" in driver.page_source
    finally:
        driver.quit()
        server.stop()
