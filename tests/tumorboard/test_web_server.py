"""`make run` serves through gunicorn (Procfile.dev's `web` line, as docker-compose does):
50 people opening a page at the same moment all get it, static files and the favicon
included. Loopback only; every wait is bounded."""

import http.client
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings

from tests.services import database_url, wait_for

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 50


def procfile_command(name: str) -> str:
    for line in (ROOT / "Procfile.dev").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"Procfile.dev has no {name} process")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def answers(port: int) -> bool:
    try:
        return get(port, "/healthz")[0] in (200, 503)
    except OSError:
        return False


@pytest.fixture
def web_process(transactional_db):
    """The `make run` web process on a port of its own and the test database."""
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "WEB_PORT": str(port),
        "DEBUG": "1",  # as `make run` sets it
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        ["sh", "-c", f"exec {procfile_command('web')}"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: answers(port), "gunicorn to answer")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_it_serves_the_demo_with_gunicorn_not_the_development_server():
    command = procfile_command("web")
    assert command.startswith("gunicorn tumorboard.wsgi")
    assert "${WEB_PORT:-8000}" in command
    assert "runserver" not in command


def test_it_answers_fifty_simultaneous_clients_without_a_connection_error(web_process):
    start = threading.Barrier(CLIENTS, timeout=30)
    results: list[object] = []
    paths = ["/login/", "/static/css/site.css", "/favicon.ico"]

    def client(index: int) -> None:
        start.wait()
        try:
            results.append(get(web_process, paths[index % len(paths)])[0])
        except OSError as exc:
            results.append(exc)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [200] * CLIENTS


def test_it_serves_a_favicon_so_no_page_logs_a_404(web_process):
    status, body = get(web_process, "/favicon.ico")
    assert status == 200
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file


def site_url(**env) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "WEB_PORT")}
    environment |= {"SECRET_KEY": "x", **env}
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
        cwd=ROOT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "tumorboard.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_links_in_texts_and_emails_follow_the_port_in_use_unless_site_url_is_set():
    assert site_url(WEB_PORT="8104") == "http://127.0.0.1:8104"
    assert site_url() == "http://127.0.0.1:8000"
    assert site_url(WEB_PORT="8104", SITE_URL="https://tb.example.org/") == "https://tb.example.org"
