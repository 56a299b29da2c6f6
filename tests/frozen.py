"""Run a Python module or script in a process whose clock starts at a fixed aware time.

    TUMORBOARD_TEST_NOW=2026-06-01T09:00:00-04:00 python -m tests.frozen gunicorn ...
    TUMORBOARD_TEST_NOW=... python -m tests.frozen manage.py load_demo

For fault tests whose servers and workers run in their own processes: they see the same
fixed time as the test (time_machine, ticking from there, so timeouts and leases still
pass), and a process forked from them (gunicorn's and Celery's workers) inherits it.
Test-only: nothing in the application reads this variable.
"""

from __future__ import annotations

import os
import runpy
import sys
from datetime import datetime

import time_machine

VARIABLE = "TUMORBOARD_TEST_NOW"


def command(*argv: str) -> list[str]:
    """`argv` (a module name or a .py path, then its arguments) run on the frozen clock."""
    return [sys.executable, "-m", "tests.frozen", *argv]


def main() -> None:
    start = datetime.fromisoformat(os.environ[VARIABLE])
    if start.tzinfo is None:
        raise SystemExit(f"{VARIABLE} must carry an offset, not {start.isoformat()}")
    time_machine.travel(start, tick=True).start()
    target, sys.argv = sys.argv[1], sys.argv[1:]
    if target.endswith(".py"):
        runpy.run_path(target, run_name="__main__")
    else:
        runpy.run_module(target, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
