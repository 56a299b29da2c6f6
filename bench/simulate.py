"""`simulate_12_weeks_s`: `manage.py simulate` replaying 12 weeks at 40 referrals a week.

The figure a director waits for: the whole command (Django start-up included) against the
demo center (`load_demo`: twelve clinicians, the Tuesday board), on a database of its own
next to the bench database, created, migrated and loaded first and dropped after, so
the other benchmarks' clinicians and bookings do not change what is simulated.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
WEEKS = 12
RATE = 40
SEED = 1
TARGET_S = 60


def _manage(url: str, *args: str, timeout: float = 600) -> None:
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=timeout,
        stdout=subprocess.DEVNULL,  # the table; errors and logs go on to stderr
    )


def bench_simulate(bench_url: str) -> dict:
    """Time the command; emit and return the figure."""
    from bench.common import database_reset, emit, log

    url = urlsplit(bench_url)
    name = f"{url.path.lstrip('/')}_sim"
    admin_url = urlunsplit(url._replace(path="/postgres"))
    sim_url = urlunsplit(url._replace(path=f"/{name}"))
    database_reset(admin_url, name, create=True)
    try:
        _manage(sim_url, "migrate", "--verbosity", "0")
        _manage(sim_url, "load_demo")
        log(f"database {name}: demo center loaded; simulating {WEEKS} weeks")
        with tempfile.TemporaryDirectory() as scratch:
            report = Path(scratch) / "report.json"
            started = time.perf_counter()
            _manage(
                sim_url,
                "simulate",
                f"--weeks={WEEKS}",
                f"--rate={RATE}",
                f"--seed={SEED}",
                "--no-progress",
                f"--json={report}",
            )
            seconds = round(time.perf_counter() - started, 2)
            result = json.loads(report.read_text())["before"]
    finally:
        database_reset(admin_url, name, create=False)
    figure = {
        "name": "simulate_12_weeks_s",
        "value": seconds,
        "unit": "s",
        "target": TARGET_S,
        "referrals": result["referrals"],
        "within_72h": result["within_72h"]["share"],
        "bottleneck": (result["bottleneck"] or {}).get("specialty"),
    }
    emit(**figure)
    return figure
