"""The deployment guide's nginx block, run for real in front of a real gunicorn over HTTPS (a throwaway
self-signed certificate): webhooks pass, plain HTTP is redirected, slow clients are held by nginx and
never reach the workers, and the admin login limit counts each client, not the proxy."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time

import pytest

from bot.webhook import signature
from conftest import ROOT, SECRET, server_env
from load import feedback_events
from servers import free_port, running, slow_clients, wait_for

ARGV = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "bot.app:create_app()"]
TOKEN = "proxy-admin-token-0123456789"
SLOW_CLIENTS = 100  # more than gunicorn's 2 workers × 16 threads


def guide_block() -> str:
    """The one ```nginx block of docs/deploy.md."""
    (block,) = re.findall(r"```nginx\n(.*?)```", (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8"), re.S)
    return block


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    assert found, "nginx is missing: scripts/system-deps.sh installs Debian's nginx-light"
    return found


@contextlib.contextmanager
def nginx_in_front(tmp_path, upstream: int):
    """Run nginx with the guide's block (certificate paths and ports swapped for the test's); yields
    (https port, http port)."""
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=desk.example.gov.tw", "-keyout", key, "-out", cert], check=True, capture_output=True)
    https, plain = free_port(), free_port()
    block = (guide_block().replace("/etc/ssl/desk/fullchain.pem", str(cert))
             .replace("/etc/ssl/desk/privkey.pem", str(key))
             .replace("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;")
             .replace("listen 80;", f"listen 127.0.0.1:{plain};")
             .replace("http://127.0.0.1:8000", f"http://127.0.0.1:{upstream}"))
    assert str(cert) in block and str(upstream) in block and str(plain) in block
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    os.chmod(tmp_path, 0o755)  # nginx's workers run as an unprivileged user when started as root
    user = "user nobody nogroup;" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(f"""daemon off; {user}
pid {prefix}/nginx.pid; error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi; uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
{block}
}}
""")
    os.chmod(prefix, 0o777)
    proc = subprocess.Popen([nginx_binary(), "-p", str(prefix), "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        assert wait_for(lambda: _listening(https) or proc.poll() is not None, 15) and proc.poll() is None, \
            proc.stderr.read().decode() if proc.poll() is not None else "nginx did not listen"
        yield https, plain
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def trusting_context() -> ssl.SSLContext:
    """A TLS client context that accepts the test's own self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


def https_post(port: int, path: str, body: bytes, headers: dict, source: str = "127.0.0.1") -> tuple[int, dict, bytes]:
    context = trusting_context()
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=15, context=context, source_address=(source, 0))
    try:
        conn.request("POST", path, body, {"Host": "desk.example.gov.tw", **headers})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def webhook(port: int, event: dict) -> int:
    body = json.dumps({"destination": "Uproxy", "events": [event]}).encode()
    return https_post(port, "/callback/taoyuan-vac", body,
                      {"X-Line-Signature": signature(SECRET, body), "Content-Type": "application/json"})[0]


@pytest.fixture(scope="module")
def fake_line(module_fake_line):
    """The fake LINE API of the module's server (each test counts the replies its own webhooks got)."""
    return module_fake_line


@pytest.fixture(scope="module")
def proxied(tmp_path_factory, fake_line):
    """gunicorn behind the guide's nginx, shared by the module's tests: they log in from addresses of
    their own and count only the replies to their own webhooks."""
    tmp_path = tmp_path_factory.mktemp("proxy")
    port = free_port()
    env = server_env(tmp_path, fake_line.url, PORT=str(port), WEB_CONCURRENCY="2", TRUSTED_PROXIES="1",
                     ADMIN_TOKEN=TOKEN)
    with running([*ARGV, "--bind", f"127.0.0.1:{port}"], env, port, tmp_path / "gunicorn.log"):
        with nginx_in_front(tmp_path, port) as ports:
            yield ports


def test_webhooks_pass_through_the_guides_nginx_over_https(proxied, fake_line):
    https, plain = proxied
    before = len(fake_line.replies())
    assert [webhook(https, e) for e in feedback_events(3)] == [200] * 3
    assert wait_for(lambda: len(fake_line.replies()) == before + 3, 20)
    conn = http.client.HTTPConnection("127.0.0.1", plain, timeout=5)
    conn.request("GET", "/callback/taoyuan-vac", headers={"Host": "desk.example.gov.tw"})
    response = conn.getresponse()
    assert response.status == 301 and response.getheader("Location") == "https://desk.example.gov.tw/callback/taoyuan-vac"


def test_slow_clients_are_held_by_nginx_not_by_the_workers(proxied, fake_line):
    https, _ = proxied
    before = len(fake_line.replies())
    context = trusting_context()
    connect = lambda: context.wrap_socket(socket.create_connection(("127.0.0.1", https)))  # noqa: E731
    with slow_clients(SLOW_CLIENTS, connect,
                      b"POST /callback/taoyuan-vac HTTP/1.1\r\nHost: desk.example.gov.tw\r\n") as connected:
        took = []
        for event in feedback_events(5):
            started = time.perf_counter()
            assert webhook(https, event) == 200
            took.append(time.perf_counter() - started)
        still_connected = connected()
    print(f"{SLOW_CLIENTS} slow clients behind nginx: slowest genuine 200 {max(took):.3f} s")
    assert still_connected  # the genuine webhooks went through while every slow client held on
    assert wait_for(lambda: len(fake_line.replies()) == before + 5, 20)


def test_the_login_limit_counts_each_client_behind_the_proxy(proxied):
    https, _ = proxied

    def login(password: str, source: str) -> int:
        body = f"password={password}".encode()
        return https_post(https, "/admin/login", body, {"Content-Type": "application/x-www-form-urlencoded"},
                          source)[0]

    assert [login(f"guess{i}", "127.0.0.2") for i in range(6)] == [401] * 5 + [429]
    assert login("guess", "127.0.0.3") == 401  # another client behind the same proxy is not locked out
