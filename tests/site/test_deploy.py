"""deploy/'s nginx configuration, run by a real nginx: uploads are served as the app serves them
(liveblogs/media.py), and private files only through the app."""

import http.client
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from liveblogs.media import MEDIA_TYPES

from ..conftest import ON_CI, ROOT
from ..test_media import EXPECTED, stored  # noqa: F401  (the fixture, as used below)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def nginx(stored, tmp_path):  # noqa: F811  (the fixture imported above)
    """deploy/nginx-microcache.conf with its EDIT lines pointed here, on a free port."""
    if not Path(NGINX).exists():
        if ON_CI:
            pytest.fail("nginx is not installed (CI=true: .ci/run installs it)", pytrace=False)
        pytest.skip("nginx is not installed; apt-get install nginx-light to test deploy/")
    work = tmp_path / "nginx"
    (work / "tmp").mkdir(parents=True)
    port = free_port()
    site = (ROOT / "deploy" / "nginx-microcache.conf").read_text()
    for old, new in [("/var/cache/nginx/liveblogs", str(work / "cache")),
                     ("listen 80;", f"listen 127.0.0.1:{port};"),
                     ("/srv/newsroom/staticfiles/", str(work / "static") + "/"),
                     ("/srv/newsroom/media/", str(stored) + "/"),
                     ("/srv/newsroom/media-private/", str(stored) + "/")]:
        assert old in site, old
        site = site.replace(old, new)
    (work / "site.conf").write_text(site)
    user = "user root;" if os.getuid() == 0 else ""
    temp = " ".join(f"{kind}_temp_path {work}/tmp/{kind};"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (work / "nginx.conf").write_text(
        f"{user} pid {work}/nginx.pid; error_log {work}/error.log; events {{}}\n"
        f"http {{ default_type application/octet-stream; access_log off; {temp}\n"
        f"include {work}/site.conf; }}\n"
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(work), "-c", str(work / "nginx.conf"), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(process.stderr.read().decode())
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=10)


def test_nginx_serves_media_as_the_app_does(nginx):
    for name, (content_type, disposition) in EXPECTED.items():
        connection = http.client.HTTPConnection("127.0.0.1", nginx, timeout=5)
        connection.request("GET", f"/media/{name}")
        response = connection.getresponse()
        response.read()
        assert response.status == 200, name
        assert response.getheader("Content-Type") == content_type, name
        assert response.getheader("Content-Disposition") == disposition, name
        assert response.getheader("X-Content-Type-Options") == "nosniff", name
        assert response.getheader("Content-Security-Policy") == "sandbox; default-src 'none'"
        connection.close()
    # Private files are never served to anyone directly (only through X-Accel-Redirect).
    connection = http.client.HTTPConnection("127.0.0.1", nginx, timeout=5)
    connection.request("GET", "/private-media/photos/a.jpg")
    assert connection.getresponse().status == 404
    connection.close()
    # The allow-list is the app's.
    suffixes = {suffix.lstrip(".") for suffix in MEDIA_TYPES}
    config = (ROOT / "deploy" / "nginx-microcache.conf").read_text()
    for suffix in suffixes:
        assert f" {suffix}" in config or f"|{suffix}" in config, suffix
