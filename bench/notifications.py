"""`make bench`, the notifications' figures (called from `bench.run.main`).

6. reminder_fanout_per_s  10,000 due reminder texts sent by real Celery workers through
                          Twilio's API (a local stub), against a no-op task on the same
                          workers: 5,000 patients' and 5,000 caregivers', half in English
                          and half in Spanish, each rendered from its visit at send time
7. feed_2000_events_ms    a clinician's calendar feed of 2,000 visits through gunicorn

Both run on the throwaway bench database; the Celery figure on Redis database
BENCH_REDIS_DB of the REDIS_URL server, flushed before and after, so a developer's own
worker on that server takes none of the bench's tasks.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import itertools
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from tumorboard.celery import app

ROOT = Path(__file__).resolve().parent.parent
FANOUT = 10_000
FANOUT_TIMEOUT = 300.0  # for each of the two runs, from the first enqueue
WORKER_START_TIMEOUT = 60.0
WARM_UP = 20
POLL = 0.05
BENCH_REDIS_DB = 15
COUNTER_URL = "BENCH_COUNTER_URL"
COUNTER_KEY = "bench:noop"
FANOUT_KEY = "bench-fanout:"
WORKER = [
    *("-P", "prefork", "-c", "2", "-Q", "default,alerts,reminders"),
    *("--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel=WARNING"),
    *("-I", "bench.notifications"),
]
FEED_EVENTS = 2000
FEED_VISITS_A_DAY = 10
FEED_PATIENTS = 200
FEED_REQUESTS = 20
FEED_WARM_UP = 2


@functools.cache
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=10)


@app.task(name="bench.noop", ignore_result=True)
def noop() -> None:
    """The baseline's task: one INCR, so that the bench can tell when all have run."""
    _redis(os.environ[COUNTER_URL]).incr(COUNTER_KEY)


# --- Celery workers on a Redis database of their own ---------------------------------


def redis_urls(url: str, db: int = BENCH_REDIS_DB) -> tuple[str, str]:
    """REDIS_URL for the workers' settings, and redis-py's URL, both of database `db`.
    Kombu takes a unix socket's database from `virtual_host` and ignores `db`."""
    if url.startswith("unix://"):
        socket = url.partition("?")[0]  # urlunsplit would drop the empty host's "//"
        return f"{socket}?virtual_host={db}", f"{socket}?db={db}"
    same = urlunsplit(urlsplit(url)._replace(path=f"/{db}"))
    return same, same


def use_broker(url: str) -> None:
    """Point this process's producers at another broker (Celery's own reset after fork)."""
    app.conf.broker_url = url
    app._after_fork()


@contextlib.contextmanager
def celery_worker(env: dict[str, str], *extra: str) -> Iterator[subprocess.Popen]:
    """One `celery worker -c 2` process group (`extra` arguments added, e.g. `-B` for its
    own beat), killed whatever happens."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tumorboard", "-q", "worker", *WORKER, *extra],
        cwd=ROOT,
        env=env,
        stdout=sys.stderr,
        stderr=sys.stderr,
        start_new_session=True,
    )
    try:
        yield worker
    finally:
        # SIGTERM to the main process only: a warm shutdown, no child killed mid-task;
        # then whatever is left of the group.
        if worker.poll() is None:
            worker.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def wait_for(done: Callable[[], bool], worker: subprocess.Popen, timeout: float) -> bool:
    """Poll `done` until it holds (True) or `timeout` passes (False); a dead worker fails."""
    deadline = time.monotonic() + timeout
    while not done():
        if worker.poll() is not None:
            raise RuntimeError(f"the celery worker exited with {worker.returncode}")
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL)
    return True


def noop_throughput(counter, worker: subprocess.Popen, count: int, timeout: float) -> float:
    """Tasks a second for `count` no-op tasks, from the first enqueue to the last run."""
    counter.set(COUNTER_KEY, 0)
    started = time.perf_counter()
    for _ in range(count):
        noop.apply_async(queue="default", retry=False)
    if not wait_for(lambda: int(counter.get(COUNTER_KEY)) >= count, worker, timeout):
        raise RuntimeError(f"only {counter.get(COUNTER_KEY)} of {count} no-op tasks ran")
    return count / (time.perf_counter() - started)


DAYTIME_ZONES = (
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Madrid",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Pacific/Auckland",
    "America/Sao_Paulo",
)


def daytime_zone(now: datetime) -> str:
    """A zone where `now` is between 09:00 and 17:59, so no reminder waits for the end of
    quiet hours whenever the bench runs."""
    from zoneinfo import ZoneInfo

    return next(z for z in DAYTIME_ZONES if 9 <= now.astimezone(ZoneInfo(z)).hour < 18)


def reminders_create(count: int, now: datetime) -> None:
    """`count` due reminder rows: half to patients, half to a caregiver of each (their
    own number), languages alternating English and Spanish; each patient has one visit
    tomorrow, which the text is rendered from at send time, as in production."""
    from navigation.models import Appointment, Clinician, Location
    from notifications.models import Message
    from patients.models import Contact, Patient

    zone = daytime_zone(now)
    place = Location.objects.create(name="Bench pavilion", time_zone=zone)
    clinician = Clinician.objects.create(
        name="Dr. Bench", specialty="pain_medicine", home_location=place
    )
    patients = Patient.objects.bulk_create(
        Patient(
            mrn=f"BENCH-{n:05d}",
            first_name=("Zoë", "Łucja", "Ana", "Nguyễn")[n % 4],
            last_name="Bench",
            birth_date=date(1950, 1, 1),
            phone=f"+1617555{n % 10_000:04d}",
            time_zone=zone,
            preferred_language=("en", "es")[n % 2],
            sms_consent=True,
        )
        for n in range(count // 2)
    )
    contacts = Contact.objects.bulk_create(
        Contact(
            patient=patient,
            name="Dana Bench",
            phone=f"+1617666{n % 10_000:04d}",
            time_zone=zone,
            preferred_language=("es", "en")[n % 2],
            sms_consent=True,
        )
        for n, patient in enumerate(patients)
    )
    starts = [now + timedelta(days=1, minutes=30 * n) for n in range(len(patients))]
    Appointment.objects.bulk_create(
        Appointment(
            patient=patient,
            clinician=clinician,
            location=place,
            specialty="pain_medicine",
            start=start,
            end=start + timedelta(minutes=30),
        )
        for patient, start in zip(patients, starts, strict=True)
    )
    rows = []
    for n, (patient, contact) in enumerate(zip(patients, contacts, strict=True)):
        day = [starts[n].astimezone(ZoneInfo(zone)).date().isoformat()]
        for who, phone, extra in (
            ("p", patient.phone, {}),
            ("c", contact.phone, {"contact": contact.pk}),
        ):
            rows.append(
                Message(
                    channel=Message.Channel.SMS,
                    to=str(phone),
                    patient=patient,
                    template="reminder",
                    payload={"days": day, **extra},
                    idempotency_key=f"{FANOUT_KEY}{who}{n}",
                    send_after=now - timedelta(minutes=1),
                )
            )
    Message.objects.bulk_create(rows, batch_size=2000)


def bench_reminder_fanout(bench_url: str) -> None:
    from django.conf import settings
    from django.utils import timezone

    from bench.common import emit, log
    from notifications.models import Message
    from notifications.services import dispatch_due
    from notifications.tasks import enqueue_send
    from tests.notifications.twilio_stub import TwilioStub

    others = Message.objects.filter(status=Message.Status.PENDING).count()
    if others:
        log(f"fanout: {others} pending rows of other figures will be dispatched as well")
    reminders_create(FANOUT, timezone.now())
    worker_redis, counter_url = redis_urls(settings.REDIS_URL)
    counter = _redis(counter_url)
    counter.flushdb()
    previous = app.conf.broker_url
    use_broker(worker_redis.replace("unix://", "redis+socket://", 1))
    sent = Message.objects.filter(
        idempotency_key__startswith=FANOUT_KEY, status=Message.Status.SENT
    )
    try:
        with TwilioStub() as stub:
            env = {
                **os.environ,
                "DATABASE_URL": bench_url,
                "REDIS_URL": worker_redis,
                COUNTER_URL: counter_url,
                **stub.worker_env(),
                "LOG_LEVEL": "WARNING",
            }
            env.pop("DEBUG", None)
            with celery_worker(env) as worker:
                noop_throughput(counter, worker, WARM_UP, WORKER_START_TIMEOUT)
                baseline = noop_throughput(counter, worker, FANOUT, FANOUT_TIMEOUT)
                log(f"fanout: {FANOUT} no-op tasks at {baseline:.0f}/s")
                started = time.perf_counter()
                while ids := dispatch_due():
                    enqueue_send(ids)
                enqueued = time.perf_counter() - started
                finished = wait_for(lambda: sent.count() >= FANOUT, worker, FANOUT_TIMEOUT)
                seconds = time.perf_counter() - started
            bodies = Counter((m["to"], m["body"]) for m in stub.received)
            spanish = sum(1 for m in stub.received if "recordatorio" in m["body"])
    finally:
        use_broker(previous)
        counter.flushdb()
    delivered = sent.count()
    lost = FANOUT - delivered
    value = delivered / seconds
    log(
        f"fanout: {delivered} sent in {seconds:.1f} s ({enqueued:.1f} s to enqueue), "
        f"{len(stub.received)} at the stub{'' if finished else '; gave up waiting'}"
    )
    emit(
        "reminder_fanout_per_s",
        round(value, 1),
        "messages/s",
        baseline=round(baseline, 1),
        ratio=round(value / baseline, 3),
        target=0.5,
        messages=FANOUT,
        delivered=len(stub.received),
        duplicates=sum(1 for n in bodies.values() if n > 1),
        spanish=spanish,
        caregivers=sent.filter(payload__has_key="contact").count(),
        lost=lost,
        seconds=round(seconds, 2),
    )


# --- the clinician's calendar feed ----------------------------------------------------


def feed_create(count: int, now: datetime) -> str:
    """A clinician with `count` back-to-back half-hour visits from 29 days ago, ten a
    day, all inside the feed's window; returns the feed's token."""
    from bench import center_db
    from bench.cpsat import CLINIC_ZONE
    from navigation.models import Appointment, Clinician, Location

    place = Location.objects.create(
        name="Bench feed clinic", address="1 Bench Street, Boston, MA", time_zone=str(CLINIC_ZONE)
    )
    clinician = Clinician.objects.create(
        name="Dr. Bench Feed", specialty="neurosurgery", home_location=place
    )
    patients = center_db.patients_create(prefix="feed", count=FEED_PATIENTS)
    first = now.astimezone(CLINIC_ZONE).date() - timedelta(days=29)
    visits = []
    for n in range(count):
        day, slot = divmod(n, FEED_VISITS_A_DAY)
        start = datetime.combine(first + timedelta(days=day), datetime.min.time(), CLINIC_ZONE)
        start += timedelta(hours=8, minutes=30 * slot)
        visits.append(
            Appointment(
                patient_id=patients[n % FEED_PATIENTS],
                clinician=clinician,
                location=place,
                specialty=clinician.specialty,
                start=start,
                end=start + timedelta(minutes=30),
            )
        )
    Appointment.objects.bulk_create(visits, batch_size=2000)
    return clinician.calendar_token


def feed_get(port: int, path: str) -> tuple[int, bytes]:
    """One GET on a connection of its own, as a calendar app polling the feed."""
    from bench.common import HTTP_TIMEOUT

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def feed_breakdown(token: str) -> dict[str, float]:
    """Milliseconds of each step `api.clinician_feed` takes, in this process."""
    from django.utils import timezone

    from navigation.models import Appointment
    from notifications import invites

    now = timezone.now()
    marks = [time.perf_counter()]
    visits = list(
        Appointment.objects.filter(
            clinician__calendar_token=token,
            start__gte=now - timedelta(days=30),
            start__lt=now + timedelta(days=180),
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("location", "patient")
    )
    marks.append(time.perf_counter())
    events = [invites.visit_event(a, now=now, for_patient=False) for a in visits]
    marks.append(time.perf_counter())
    calendar = invites._calendar(None)
    for event in events:
        calendar.add_component(event)
    days = [now.date()] + [event.DTSTART.date() for event in events]
    calendar.add_missing_timezones(
        first_date=min(days) - timedelta(days=366), last_date=max(days) + timedelta(days=366)
    )
    marks.append(time.perf_counter())
    calendar.to_ical()
    marks.append(time.perf_counter())
    steps = ("query", "visit_event", "add_missing_timezones", "to_ical")
    return {
        step: round((b - a) * 1000, 1)
        for step, (a, b) in zip(steps, itertools.pairwise(marks), strict=True)
    }


def bench_feed(bench_url: str) -> None:
    from django.utils import timezone

    from bench.common import START_TIMEOUT, emit, gunicorn, log, p50, p95

    token = feed_create(FEED_EVENTS, timezone.now())
    path = f"/calendar/{token}.ics"
    with gunicorn(bench_url) as port:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            with contextlib.suppress(OSError):
                status, body = feed_get(port, path)
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer within {START_TIMEOUT:.0f} s")
            time.sleep(0.2)
        if status != 200:
            raise RuntimeError(f"the feed answered {status}: {body[:200]!r}")
        for _ in range(FEED_WARM_UP):
            feed_get(port, path)
        times, statuses = [], Counter()
        for _ in range(FEED_REQUESTS):
            started = time.perf_counter()
            status, body = feed_get(port, path)
            times.append(time.perf_counter() - started)
            statuses[status] += 1
    events = body.count(b"BEGIN:VEVENT")
    breakdown = feed_breakdown(token)
    log(f"feed: {events} events, {len(body)} bytes, median {p50(times)} ms; {breakdown}")
    emit(
        "feed_2000_events_ms",
        p95(times),
        "ms",
        target=200,
        requests=FEED_REQUESTS,
        median=p50(times),
        events=events,
        bytes=len(body),
        errors=FEED_REQUESTS - statuses[200],
        in_process_ms=breakdown,
    )
