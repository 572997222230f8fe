"""Helpers shared by the scripts (bench.py, soak.py, cluster_test.py)."""
import base64
import hashlib
import secrets
import socket
import subprocess
import time

import requests


def free_port():
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(binary, data, *args, stdin=None):
    """Runs an `sso` command against the data directory; its standard output."""
    return subprocess.run([binary, *args, "--data", str(data)], input=stdin, capture_output=True, text=True,
                          check=True).stdout


def pkce():
    """A PKCE verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def wait_until_serving(url, process, describe, timeout=60, interval=0.1):
    """Returns once `url` answers 2xx; raises with `describe()` (a log tail) if `process` exits
    first or `timeout` seconds pass."""
    deadline = time.time() + timeout
    while True:
        try:
            requests.get(url, timeout=1).raise_for_status()
            return
        except requests.RequestException:
            if process.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"{url} did not answer: " + describe())
            time.sleep(interval)


def nginx_config(prefix, http_body, access_log=None):
    """A whole nginx.conf for a throwaway nginx under `prefix` (pid, logs and temporary files
    there, one worker), with `http_body` inside its http block."""
    access = f"access_log {access_log};" if access_log else "access_log off;"
    return f"""
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    {access}
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
{http_body}
}}
"""
