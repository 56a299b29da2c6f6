"""What every bench module shares: output (emit, log), percentiles, the bench database,
gunicorn, the HTTP client, and the clock. It imports no other bench module but the
synthetic center (bench.cpsat), so the modules do not import each other in a circle."""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.cpsat import CLINIC_ZONE

ROOT = Path(__file__).resolve().parent.parent
SEED = 1
HTTP_TIMEOUT = 30.0
START_TIMEOUT = 60.0
GUNICORN = ["-w", "2", "-k", "gthread", "--threads", "8", "--log-level", "warning"]


def emit(name: str, value: float, unit: str, **extra) -> None:
    print(json.dumps({"name": name, "value": value, "unit": unit, **extra}), flush=True)


def log(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def p95(seconds: list[float]) -> float:
    """Nearest-rank 95th percentile, in milliseconds."""
    ordered = sorted(seconds)
    return round(ordered[math.ceil(0.95 * len(ordered)) - 1] * 1000, 2)


def p50(seconds: list[float]) -> float:
    return round(sorted(seconds)[len(seconds) // 2] * 1000, 2)


def database_urls() -> tuple[str, str, str]:
    """The server's maintenance database, the bench database, and the latter's name."""
    from tumorboard import embedded

    url = urlsplit(os.environ.get("DATABASE_URL") or embedded.database_url())
    name = f"{url.path.lstrip('/') or 'tumorboard'}_bench"
    return (
        urlunsplit(url._replace(path="/postgres")),
        urlunsplit(url._replace(path=f"/{name}")),
        name,
    )


def database_reset(admin_url: str, name: str, *, create: bool) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def django_start(bench_url: str) -> None:
    import django
    from django.core.management import call_command

    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tumorboard.settings")
    django.setup()
    call_command("migrate", interactive=False, verbosity=0, stdout=sys.stderr)


def overlaps_in_db() -> int:
    """Pairs of live appointments that overlap for one clinician or for one patient."""
    from django.db import connection

    pairs = """
        SELECT count(*) FROM navigation_appointment a JOIN navigation_appointment b
          ON a.{0} = b.{0} AND a.id < b.id AND a.start < b."end" AND b.start < a."end"
         WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
           AND NOT a.override AND NOT b.override
    """
    with connection.cursor() as cursor:
        total = 0
        for column in ("clinician_id", "patient_id"):
            cursor.execute(pairs.format(column))
            total += cursor.fetchone()[0]
    return total


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn(
    bench_url: str, extra_env: dict[str, str] | None = None, args: tuple[str, ...] = ()
) -> Iterator[int]:
    """A real server on 127.0.0.1 with production settings; killed whatever happens.
    `extra_env` adds to (or overrides) the environment the server's settings read; `args`
    to GUNICORN's (a later option wins, e.g. `-w 4`)."""
    port = free_port()
    env = {
        **os.environ,
        **(extra_env or {}),
        "DATABASE_URL": bench_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key",
        "ALLOWED_HOSTS": "127.0.0.1",
        # The bench measures scheduling, not logging in: its users have no second factor.
        "MFA_REQUIRED": "0",
    }
    env.pop("DEBUG", None)
    command = [str(Path(sys.executable).with_name("gunicorn")), "tumorboard.wsgi", *GUNICORN, *args]
    server = subprocess.Popen(
        [*command, "-b", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=sys.stderr,
        stderr=sys.stderr,
        start_new_session=True,
    )
    try:
        yield port
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)


class Client:
    """One keep-alive HTTP connection to the bench server, as one user (a token, or none
    for the patient's page). A failed request closes it; the next one reconnects."""

    def __init__(self, port: int, token: str | None, timeout: float = HTTP_TIMEOUT):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.headers = {"Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Token {token}"

    def raw(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            raise

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, object]:
        status, payload = self.raw(method, path, body)
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, payload[:200]

    def close(self) -> None:
        self.conn.close()


CHEAP_GET = ("GET", "/api/v1/locations/?limit=1", None)


def wait_until_up(port: int, token: str) -> None:
    client = Client(port, token)
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while time.monotonic() < deadline:
            try:
                status, body = client.request(*CHEAP_GET)
            except OSError:
                time.sleep(0.2)
                continue
            if status != 200:
                raise RuntimeError(f"the server answered {status}: {body}")
            return
        raise RuntimeError(f"the server did not answer within {START_TIMEOUT:.0f} s")
    finally:
        client.close()


Call = tuple[str, str, dict | None]  # method, path, JSON body


def together(
    port: int, tokens: list[str], calls: list[list[Call]], timeout: float = HTTP_TIMEOUT
) -> tuple[list, float]:
    """Each client its own connection, connected first, then released at once by a barrier;
    returns every status (or error name) and the seconds from release to the last answer."""
    barrier = threading.Barrier(len(calls) + 1, timeout=START_TIMEOUT)
    statuses: list[list] = [[] for _ in calls]
    finished = [0.0] * len(calls)

    def run(n: int) -> None:
        client = Client(port, tokens[n % len(tokens)], timeout)
        with contextlib.suppress(OSError):  # else the first request connects, or fails
            client.conn.connect()
        try:
            barrier.wait()
            for call in calls[n]:
                try:
                    statuses[n].append(client.request(*call)[0])
                except (OSError, http.client.HTTPException) as exc:
                    statuses[n].append(type(exc).__name__)
        finally:
            finished[n] = time.perf_counter()
            client.close()

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    barrier.wait()
    released = time.perf_counter()
    deadline = time.monotonic() + timeout * max(len(c) for c in calls) + 10
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("a client thread did not finish in time")
    return [s for client in statuses for s in client], max(finished) - released


def next_monday() -> date:
    today = datetime.now(CLINIC_ZONE).date()
    return today + timedelta(days=7 - today.weekday())
