"""Two independent readers of our calendar files, as the calendar programs read them:
libical (Evolution, and the iTIP restriction check of RFC 5546 methods) through Debian's
python3-gi, and ical.js (Thunderbird, many web clients) through Debian's node. `make
calendar-tools` installs both; a missing one fails the tests that need it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

HERE = Path(__file__).parent / "icaljs"
SYSTEM_PYTHON = "/usr/bin/python3"
NODE = "/usr/bin/node"


def _write(files: dict[str, bytes], folder: Path) -> list[str]:
    paths = []
    for name, body in files.items():
        path = folder / f"{name}.ics"
        path.write_bytes(body)
        paths.append(str(path))
    return paths


def _run(command: list[str]) -> dict:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{command[0]} failed (run `make calendar-tools`): {done.stderr}"
    return json.loads(done.stdout)


def libical_problems(files: dict[str, bytes], folder: Path) -> dict[str, list[str]]:
    """{name: [problem]}: what libical reports parsing each file and checking its METHOD's
    iTIP restrictions; an empty list is a pass."""
    paths = _write(files, folder)
    found = _run([SYSTEM_PYTHON, str(HERE / "libical_check.py"), *paths])
    return {Path(path).stem: problems for path, problems in found.items()}


def icaljs_events(files: dict[str, bytes], folder: Path) -> dict[str, list[dict]]:
    """{name: [{uid, summary, start, end, startUtc, endUtc, zone}]}: each file's events as
    ical.js reads them, wall-clock times computed from the file's own VTIMEZONE."""
    paths = _write(files, folder)
    found = _run([NODE, str(HERE / "read.mjs"), *paths])
    return {Path(path).stem: events for path, events in found.items()}
