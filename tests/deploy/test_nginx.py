"""The shipped nginx configurations, run: Debian's nginx on 127.0.0.1 in front of a real
``lottery serve`` and the demo city's built site (docs/deploy.md).

deploy/nginx-service.conf and deploy/nginx-site.conf are rendered with this run's ports, a
self-signed certificate and the test paths (each substitution must find its text, so a change
of the shipped file cannot leave the test checking something else), then nginx runs as a
foreground process with a temporary prefix. Clients connect from 127.0.0.2 and 127.0.0.3
(loopback addresses other than the proxy's own 127.0.0.1), so the address the service records
tells the client from the proxy.
"""

from __future__ import annotations

import gzip
import os
import pwd
import re
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from lottery.api.console.result_form import MAX_REQUEST
from lottery.api.upload_limit import MULTIPART_SLACK
from lottery.cli import main
from lottery.core import serving
from lottery.registry_io.limits import LIMITS
from tests.suite_guard import nginx_path

pytestmark = pytest.mark.nginx

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ADMIN, PASSWORD = "admin", "Deploy-Check-7f3k!q"  # a test-only password, never a real one


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _render(name: str, substitutions: dict[str, str]) -> str:
    text = (DEPLOY / name).read_text(encoding="utf-8")
    for old, new in substitutions.items():
        assert old in text, f"deploy/{name} no longer contains {old!r}"
        text = text.replace(old, new)
    return text


def _wait_for(port: int, proc: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"exited with {proc.returncode}: {log.read_text()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}: {log.read_text()[-2000:]}")


@dataclass
class Stack:
    service: int  # lottery serve, direct
    service_tls: int  # nginx, the service's TLS server
    service_http: int  # nginx, the service's plain-HTTP redirect
    site_tls: int
    site_http: int
    cert: Path
    data: Path
    site: Path

    def client(self, source: str = "127.0.0.2", **kw: object) -> httpx.Client:
        """A client connecting from ``source`` (a loopback address), trusting the test cert."""
        context = ssl.create_default_context(cafile=str(self.cert))
        transport = httpx.HTTPTransport(local_address=source, verify=context)
        return httpx.Client(transport=transport, timeout=30, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, demo_city: Path) -> Iterator[Stack]:
    nginx = nginx_path()
    assert nginx is not None  # the suite guard left this test out otherwise
    tmp = tmp_path_factory.mktemp("deploy")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
         "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    ports = [_free_port() for _ in range(5)]
    stack = Stack(*ports, cert=cert, data=tmp / "data", site=tmp / "site")
    # The site path is a link to a build, as the service and the push script leave it.
    stack.site.symlink_to(demo_city / "site")

    lottery = [sys.executable, "-c", "from lottery.cli import main; main()"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTTERY_")}
    # `lottery init` in this process (one Python start less), with the same environment.
    with pytest.MonkeyPatch.context() as mp, pytest.raises(SystemExit) as init:
        for name in set(os.environ) - set(env):
            mp.delenv(name)
        mp.setenv("LOTTERY_ADMIN_PASSWORD", PASSWORD)
        main(["init", "--admin", ADMIN, "--data-dir", str(stack.data)])
    assert init.value.code in (0, None), init.value.code
    # The proxy's address, as the unit file sets it.
    unit = (DEPLOY / "lottery.service").read_text(encoding="utf-8")
    trusted = re.search(r"^Environment=LOTTERY_TRUSTED_PROXIES=(\S+)$", unit, re.M)
    assert trusted is not None
    service_log = tmp / "service.log"
    service = subprocess.Popen(
        [*lottery, "serve", "--data-dir", str(stack.data), "--port", str(stack.service),
         "--no-scheduler"],
        env={**env, "LOTTERY_TRUSTED_PROXIES": trusted.group(1)},
        stdout=service_log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip

    certs = {"/etc/lottery/tls/service.crt": str(cert), "/etc/lottery/tls/service.key": str(key)}
    (tmp / "service.conf").write_text(
        _render(
            "nginx-service.conf",
            {
                "    listen [::]:80;\n": "",
                "    listen [::]:443 ssl;\n": "",
                "listen 80;": f"listen 127.0.0.1:{stack.service_http};",
                "listen 443 ssl;": f"listen 127.0.0.1:{stack.service_tls} ssl;",
                "server 127.0.0.1:8000;": f"server 127.0.0.1:{stack.service};",
                **certs,
            },
        )
    )
    (tmp / "site.conf").write_text(
        _render(
            "nginx-site.conf",
            {
                "    listen [::]:80;\n": "",
                "    listen [::]:443 ssl;\n": "",
                "listen 80;": f"listen 127.0.0.1:{stack.site_http};",
                "listen 443 ssl;": f"listen 127.0.0.1:{stack.site_tls} ssl;",
                "/etc/ssl/lottery-site/fullchain.pem": str(cert),
                "/etc/ssl/lottery-site/privkey.pem": str(key),
                "root /srv/lottery/site;": f"root {stack.site};",
            },
        )
    )
    # As root, nginx's workers would run as nobody, who cannot read the test's folders.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    temp = " ".join(
        f"{kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp / "nginx.conf").write_text(
        f"""{user}
worker_processes 1;
daemon off;
pid {tmp / "nginx.pid"};
error_log {tmp / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp / "access.log"};
    {temp}
    include {tmp / "service.conf"};
    include {tmp / "site.conf"};
}}
"""
    )
    command = [nginx, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(tmp / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    nginx_log = tmp / "nginx.out"
    proxy = subprocess.Popen(command, stdout=nginx_log.open("wb"), stderr=subprocess.STDOUT)
    try:
        _wait_for(stack.site_tls, proxy, nginx_log)
        _wait_for(stack.service, service, service_log)
        yield stack
    finally:
        for proc in (proxy, service):
            proc.terminate()
        for proc in (proxy, service):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


# --- the service behind nginx ------------------------------------------------------------


def test_tls_and_the_services_headers_pass(stack: Stack) -> None:
    with stack.client() as client:
        page = client.get(f"https://127.0.0.1:{stack.service_tls}/console/login")
        assert page.status_code == 200
        assert page.headers["strict-transport-security"] == "max-age=31536000"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert "nginx/" not in page.headers.get("server", "")  # no version
        # Not offered through the proxy (Prometheus scrapes 127.0.0.1:8000 on the host).
        assert client.get(f"https://127.0.0.1:{stack.service_tls}/metrics").status_code == 404
        plain = client.get(f"http://127.0.0.1:{stack.service_http}/console/login")
        assert plain.status_code == 301
        assert plain.headers["location"].startswith("https://127.0.0.1")


def test_a_client_without_the_certificate_is_refused(stack: Stack) -> None:
    # TLS is real: an unknown certificate does not verify.
    with pytest.raises(httpx.ConnectError), httpx.Client() as client:
        client.get(f"https://127.0.0.1:{stack.service_tls}/console/login")


def _throttle_keys(data: Path) -> set[str]:
    with sqlite3.connect(data / "lottery.db") as db:
        return {row[0] for row in db.execute("SELECT key FROM login_throttle")}


def test_the_real_address_reaches_the_audit_trail_and_the_throttle(stack: Stack) -> None:
    wrong = {"name": ADMIN, "password": "not the password"}
    spoofed = {"X-Forwarded-For": "203.0.113.66"}
    # Through nginx from 127.0.0.2, with a header of the client's own: nginx replaces it.
    with stack.client("127.0.0.2") as client:
        answer = client.post(
            f"https://127.0.0.1:{stack.service_tls}/api/auth/login", json=wrong, headers=spoofed
        )
        assert answer.status_code == 401
    # Straight to the service from 127.0.0.3 (not a trusted proxy): the header is ignored.
    with stack.client("127.0.0.3") as client:
        answer = client.post(
            f"http://127.0.0.1:{stack.service}/api/auth/login",
            json=wrong,
            headers={"X-Forwarded-For": "203.0.113.77"},
        )
        assert answer.status_code == 401

    keys = {k for k in _throttle_keys(stack.data) if k.startswith("address:")}
    assert keys == {"address:127.0.0.2", "address:127.0.0.3"}

    with stack.client("127.0.0.4") as client:
        base = f"https://127.0.0.1:{stack.service_tls}"
        login = client.post(f"{base}/api/auth/login", json={"name": ADMIN, "password": PASSWORD})
        assert login.status_code == 200, login.text
        # Over TLS the session cookie is marked Secure, once: by the service (nginx, a trusted
        # proxy, says X-Forwarded-Proto: https) and by the proxy's rule, which keeps one.
        cookie = login.headers["set-cookie"]
        attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
        assert cookie.startswith("lottery_session=") and attributes.count("secure") == 1, cookie
        token = login.json()["token"]
        events = client.get(
            f"{base}/api/audit",
            params={"action": "auth.login-failed"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert events.status_code == 200, events.text
        assert sorted(e["remote_addr"] for e in events.json()) == ["127.0.0.2", "127.0.0.3"]
        login_event = client.get(
            f"{base}/api/audit",
            params={"action": "auth.login"},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        assert [e["remote_addr"] for e in login_event] == ["127.0.0.4"]


def _configured_body_limit() -> int:
    text = (DEPLOY / "nginx-service.conf").read_text(encoding="utf-8")
    found = re.search(r"^\s*client_max_body_size (\d+);", text, re.M)
    assert found is not None
    return int(found.group(1))


def test_the_body_limit_is_the_services() -> None:
    largest = max(limits.max_bytes for limits in LIMITS.values())
    assert _configured_body_limit() == largest + MULTIPART_SLACK
    assert _configured_body_limit() >= MAX_REQUEST  # the console's result form fits too


def _raw_tls_request(port: int, cert: Path, request: bytes) -> tuple[bytes, bytes]:
    """Send ``request`` as is; the answer's head and body (read up to its Content-Length: nginx
    keeps the connection a while for the body it refused, which this client never sends)."""
    context = ssl.create_default_context(cafile=str(cert))
    with (
        socket.create_connection(("127.0.0.1", port), timeout=30) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        tls.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += tls.recv(65536)
        head, _, body = answer.partition(b"\r\n\r\n")
        length = re.search(rb"(?im)^content-length: *(\d+)", head)
        assert length is not None, head
        while len(body) < int(length.group(1)):
            body += tls.recv(65536)
    return head, body


def test_an_oversized_upload_is_refused_by_nginx(stack: Stack) -> None:
    over = _configured_body_limit() + 1
    head, body = _raw_tls_request(
        stack.service_tls,
        stack.cert,
        b"POST /api/registries/targets/import HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: multipart/form-data; boundary=x\r\n"
        + f"Content-Length: {over}\r\nConnection: close\r\n\r\n".encode(),
    )
    assert head.startswith(b"HTTP/1.1 413"), head
    assert b'"error":"UploadTooLarge"' in body
    assert "300 MB" in body.decode()
    # An ordinary upload passes nginx and is the service's to judge (here: not logged in).
    with stack.client() as client:
        small = client.post(
            f"https://127.0.0.1:{stack.service_tls}/api/registries/targets/import",
            files={"file": ("targets.csv", b"uscc,name\n")},
        )
        assert small.status_code == 401, small.text


# --- the public site ---------------------------------------------------------------------


def _meta_policy(page: str) -> str:
    found = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert found is not None
    return found.group(1)


def test_the_sites_pages_and_headers(stack: Stack) -> None:
    with stack.client() as client:
        base = f"https://127.0.0.1:{stack.site_tls}"
        home = client.get(f"{base}/")
        assert home.status_code == 200
        assert home.headers["content-type"].startswith("text/html")
        # The header policy is the page's own, plus what a <meta> policy cannot say.
        assert home.headers["content-security-policy"] == (
            _meta_policy(home.text) + "; frame-ancestors 'none'"
        )
        assert home.headers["x-frame-options"] == "DENY"
        assert home.headers["x-content-type-options"] == "nosniff"
        assert home.headers["referrer-policy"] == "no-referrer"
        assert home.headers["strict-transport-security"] == "max-age=31536000"
        assert home.headers["cache-control"] == "no-cache"  # pages change with each version
        # Every page: the one policy.
        tasks = client.get(f"{base}/tasks/")
        assert tasks.status_code == 200
        assert tasks.headers["content-security-policy"] == home.headers["content-security-policy"]

        missing = client.get(f"{base}/no/such/page/")
        assert missing.status_code == 404
        assert missing.headers["x-frame-options"] == "DENY"  # errors too
        assert client.get(f"{base}/_headers").status_code == 404
        assert client.post(f"{base}/", content=b"x").status_code in (403, 405)
        assert client.get(f"http://127.0.0.1:{stack.site_http}/").status_code == 301
        # Except certificate challenges (none here).
        acme = client.get(f"http://127.0.0.1:{stack.site_http}/.well-known/acme-challenge/x")
        assert acme.status_code == 404


def test_hashed_assets_are_immutable_and_the_others_revalidate(stack: Stack) -> None:
    site = stack.site
    bundles = sorted(site.glob("assets/javascripts/bundle.*.min.js"))
    styles = sorted(site.glob("assets/stylesheets/main.*.min.css"))
    shards = sorted(p for p in site.glob("targets/data/*.json") if p.name != "manifest.json")
    own = sorted(site.glob("assets/lottery/*.js"))
    assert bundles and styles and shards and own
    immutable = "public, max-age=31536000, immutable"
    with stack.client() as client:
        base = f"https://127.0.0.1:{stack.site_tls}"
        for path in (bundles[0], styles[0], shards[0]):
            answer = client.get(f"{base}/{path.relative_to(site)}")
            assert answer.status_code == 200
            assert answer.headers["cache-control"] == immutable, path
            assert answer.headers["x-content-type-options"] == "nosniff"
        # Unhashed files keep their names across versions: revalidated.
        answer = client.get(f"{base}/{own[0].relative_to(site)}")
        assert answer.headers["cache-control"] == "no-cache"
        assert answer.headers["content-type"].startswith(
            ("application/javascript", "text/javascript")
        )


def test_every_export_path_has_the_logs_media_type_and_caching(stack: Stack) -> None:
    """Each file of the site's export, against the rules of docs/export.md
    ("Serving the export"), as ``lottery/core/serving.py`` states them for every server."""
    export = stack.site / "export"
    files = sorted(p for p in export.rglob("*") if p.is_file())
    kinds = {serving.cache_control(str(p.relative_to(export))) for p in files}
    # The demo's export has a file of every caching kind.
    assert kinds == {serving.IMMUTABLE, serving.REMOVABLE, serving.REVALIDATE}
    with stack.client() as client:
        base = f"https://127.0.0.1:{stack.site_tls}/export"
        for path in files:
            rel = str(path.relative_to(export))
            answer = client.get(f"{base}/{rel}", headers={"Accept-Encoding": "identity"})
            assert answer.status_code == 200, rel
            assert answer.headers["content-type"] == serving.media_type(rel), rel
            assert answer.headers["cache-control"] == serving.cache_control(rel), rel
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert answer.content == path.read_bytes(), rel
        checkpoint = client.get(f"{base}/checkpoint")
        assert checkpoint.headers["content-type"] == "text/plain; charset=utf-8"
        assert checkpoint.headers["cache-control"] == "no-cache"
        # Entry bundles are compressed for clients that accept it.
        bundle = next(p for p in files if str(p.relative_to(export)).startswith("tile/entries/"))
        url = f"{base}/{bundle.relative_to(export)}"
        with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as answer:
            assert answer.headers["content-encoding"] == "gzip"
            assert answer.headers["vary"] == "Accept-Encoding"
            assert gzip.decompress(b"".join(answer.iter_raw())) == bundle.read_bytes()


def test_a_withdrawn_blob_is_gone_and_a_new_version_appears_at_once(stack: Stack) -> None:
    """The site path is a link; a new version is a new link renamed over it (the push
    script in docs/deploy.md, the service's own publishing): nginx follows it per request."""
    build = stack.site.parent / "site.builds" / "next"
    (build / "export" / "blobs").mkdir(parents=True)
    (build / "index.html").write_text("<!doctype html><title>next</title>", encoding="utf-8")
    blobs = sorted((stack.site / "export" / "blobs").iterdir())
    assert blobs
    before = stack.site.readlink()
    with stack.client() as client:
        base = f"https://127.0.0.1:{stack.site_tls}"
        assert client.get(f"{base}/export/blobs/{blobs[0].name}").status_code == 200
        link = stack.site.parent / "site.new"
        link.symlink_to(build)
        link.rename(stack.site)
        try:
            assert client.get(f"{base}/").text == "<!doctype html><title>next</title>"
            # Not in the new version: gone from the public host.
            assert client.get(f"{base}/export/blobs/{blobs[0].name}").status_code == 404
        finally:
            link.symlink_to(before)
            link.rename(stack.site)
        assert client.get(f"{base}/export/blobs/{blobs[0].name}").status_code == 200
