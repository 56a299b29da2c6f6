"""`queue_page_p95_ms`: the navigator's referral queue with 500 open referrals (its first
page: the 100 most urgent), through the real HTTP server with a logged-in session."""

from __future__ import annotations

import http.client
import random
import statistics
import time
from datetime import date, timedelta

QUEUE_REFERRALS = 500
REQUESTS = 40


def queue_load(*, referrals: int = QUEUE_REFERRALS) -> str:
    """Create the open referrals and a navigator's session; return the session key."""
    from django.utils import timezone

    from patients.models import Patient
    from patients.services import referral_create

    now = timezone.now()
    rng = random.Random(6)
    patients = Patient.objects.bulk_create(
        Patient(
            mrn=f"BENCHQ{i:05d}", first_name="Q", last_name="Bench", birth_date=date(1950, 1, 1)
        )
        for i in range(referrals)
    )
    for index, patient in enumerate(patients):
        referral_create(
            now=now,
            patient=patient,
            referring_oncologist="Dr. Bench",
            received_at=now - timedelta(hours=rng.uniform(0, 70)),
            primary_cancer=rng.choice(["lung", "breast", "kidney", "melanoma"]),
            sites=rng.choice(["brain", "spine", "both"]),
            pain_score=rng.randrange(11),
            suspected_mescc=index % 25 == 0,
        )
    return navigator_session("bench-queue-navigator")


def navigator_session(username: str) -> str:
    """A logged-in navigator's session key (the user made if missing)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore

    user, _ = get_user_model().objects.get_or_create(username=username)
    user.groups.add(Group.objects.get(name="navigator"))
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def page_times(
    port: int, session_key: str, path: str, *, requests: int, warm_up: int = 1
) -> tuple[list[float], int]:
    """Milliseconds of `requests` GETs of `path` over one keep-alive connection, sorted,
    after `warm_up` GETs (the first must answer 200); and the page's size in bytes. With
    `warm_up=0` the first GET is timed too (a cold view)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": f"sessionid={session_key}"}

    def read() -> tuple[int, int]:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, len(response.read())

    times = []
    started = time.perf_counter()
    status, size = read()
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    if not warm_up:
        times.append((time.perf_counter() - started) * 1000)
    for _ in range(warm_up - 1):
        read()
    for _ in range(requests):
        started = time.perf_counter()
        read()
        times.append((time.perf_counter() - started) * 1000)
    conn.close()
    return sorted(times), size


def bench_queue(port: int, session_key: str, *, requests: int = REQUESTS) -> dict:
    times, size = page_times(port, session_key, "/queue/", requests=requests)
    return {
        "name": "queue_page_p95_ms",
        "value": round(times[int(0.95 * len(times)) - 1], 2),
        "unit": "ms",
        "target": 150,
        "referrals": QUEUE_REFERRALS,
        "requests": requests,
        "median": round(statistics.median(times), 2),
        "bytes": size,
    }
