"""`agenda_p95_ms`: the agenda of a 40-case board meeting through the HTTP API.

`board_load()` puts a board series and one meeting with 40 cases (every urgency, ready
and not, a few draft recommendations, a quorate attendance) in the database Django is
set up on; `bench_agenda()` asks a running server for that agenda over one keep-alive
connection and returns the figure as a dict for `bench.common.emit(**figure)`.
"""

from __future__ import annotations

import http.client
import json
import math
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock
from urllib.parse import urlsplit

CASES = 40
REQUESTS = 200
WARM_UP = 10
TARGET_MS = 50
QUORUM = ("neurosurgery", "radiation_oncology", "medical_oncology", "neuroradiology", "pathology")


@dataclass(frozen=True)
class LoadedBoard:
    meeting_id: int
    token: str
    cases: int


def board_load(*, cases: int = CASES, now: datetime | None = None) -> LoadedBoard:
    """A Tuesday board 07:00-13:00 (room for 45 eight-minute cases) and its next
    meeting with `cases` cases; a navigator's token to read it."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from board.models import Attendance, Meeting
    from board.services.cases import case_submit
    from board.services.meetings import series_create
    from board.services.recommendations import recommendation_create
    from navigation.models import Clinician, Location
    from patients.models import Patient
    from patients.services import referral_create

    now = now or timezone.now()
    with transaction.atomic():
        user, _ = get_user_model().objects.get_or_create(username="board-bench-navigator")
        user.groups.add(Group.objects.get_or_create(name="navigator")[0])
        token, _ = Token.objects.get_or_create(user=user)
        room, _ = Location.objects.get_or_create(name="Board room (bench)")
        # Inactive: board members only, never offered by the scheduling benchmarks.
        members = [
            Clinician.objects.create(
                name=f"Board bench {specialty}",
                specialty=specialty,
                home_location=room,
                active=False,
            )
            for specialty in QUORUM
        ]
        series = series_create(
            name=f"Bench board {now:%Y%m%d%H%M%S}",
            weekday=1,
            start_time=clock(7),
            end_time=clock(13),
            location=room,
            case_capacity=45,
            starts_on=date(2000, 1, 1),
            members=members,
            now=now,
        )
        meeting = Meeting.objects.filter(series=series, cutoff_at__gt=now).order_by("start")[0]
        for n in range(cases):
            patient = Patient.objects.create(
                mrn=f"BENCH-BOARD-{series.pk}-{n:03d}",
                first_name=f"Bench{n}",
                last_name="Board",
                birth_date=date(1960, 1, 1),
            )
            referral = referral_create(
                patient=patient,
                referring_oncologist="Dr. Bench",
                referring_email="bench@example.org",
                primary_cancer=["kidney", "breast", "lung", "myeloma"][n % 4],
                sites=["spine", "brain", "both"][n % 3],
                pain_score=n % 10,
                bilsky_grade=["0", "1b", "2", "3"][n % 4],
                sins_pain=["none", "mechanical", "occasional"][n % 3],
                received_at=now - timedelta(hours=n),
                now=now,
            )
            case = case_submit(
                meeting=meeting,
                referral=referral,
                question=f"Bench case {n}: surgery, SRS or conventional radiation?",
                imaging_available=n % 3 != 0,
                imaging_reviewed=n % 3 == 2,
                pathology="confirmed" if n % 2 else "pending",
                by=user,
                now=now + timedelta(seconds=n),
            )
            if n % 5 == 0:
                recommendation_create(
                    case=case,
                    by=user,
                    now=now,
                    modalities=["srs"],
                    intent="local_control",
                    rationale="Bench draft.",
                )
        Attendance.objects.bulk_create(
            Attendance(meeting=meeting, clinician=c, specialty=c.specialty, recorded_by=user)
            for c in members
        )
    return LoadedBoard(meeting.pk, token.key, cases)


def _p95_ms(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return round(ordered[math.ceil(0.95 * len(ordered)) - 1] * 1000, 2)


def bench_agenda(
    base_url: str, token: str, meeting_id: int, *, requests: int = REQUESTS, cases: int = CASES
) -> dict:
    """The p95 of `requests` agenda reads after a warm-up, one keep-alive connection."""
    url = urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    path = f"/api/v1/board/meetings/{meeting_id}/agenda/"

    def read() -> dict:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"the agenda answered {response.status}: {body[:200]!r}")
        return json.loads(body)

    try:
        for _ in range(WARM_UP):
            shown = read()
        if len(shown["items"]) != cases:
            raise RuntimeError(f"the agenda shows {len(shown['items'])} cases, not {cases}")
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            read()
            times.append(time.perf_counter() - started)
    finally:
        conn.close()
    return {
        "name": "agenda_p95_ms",
        "value": _p95_ms(times),
        "unit": "ms",
        "target": TARGET_MS,
        "cases": cases,
        "requests": requests,
        "median": round(sorted(times)[len(times) // 2] * 1000, 2),
    }
