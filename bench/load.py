"""`mixed_load`: 50 simulated users on loopback for 60 seconds against gunicorn on
PostgreSQL and Redis, with a real Celery worker sending what the bookings put in the outbox
(`mixed_load_200`: 200 users, four times each role, against 4 gunicorn workers, MIX_200).

- 30 navigators search a same-day itinerary for a patient of their own, and book the first
  option of every other search (a 409 when another navigator took a slot first is the
  business answer to a race, counted as `conflicts`, not as an error); every other booking
  is a hold first, confirmed after a think (one hold in four released instead). Resources
  are in the mix (issue 16): one patient in INTERPRETER_EVERY needs a Spanish interpreter
  at every visit (INTERPRETERS of the load's own), and one search in MRI_EVERY of those
  with neuroradiology asks for its MRI visit type, on one of the load's SCANNERS; the
  option is booked or held with the resources and visit type the search returned;
- 10 specialists open the agenda of a 40-case board meeting;
- 10 patients open their private visit-plan pages (`/p/<code>`).

Each user has one keep-alive connection (gunicorn keeps an idle one KEEP_ALIVE_S seconds)
and thinks THINK_S seconds between requests, so 50 users ask about 24 requests a second.
An error is a 5xx, an unexpected 4xx, or a failed or timed-out (HTTP_TIMEOUT) request.
The run stops by itself after SECONDS; then the outbox is drained and checked:

- the invite emails the bookings wrote are due at once: the commit hook hands them to the
  worker during the run; the dispatcher sends any left over;
- the reminder texts are planned days before each visit, weeks ahead. The clock is moved
  on for each patient's first reminder (its `send_after` set to now), so that the worker
  renders and sends it through Twilio's API (a local stub) as it would on the day. The
  patients live in a time zone where it is daytime now, so the send-time quiet hours do
  not postpone them whatever the hour of the run.

Every sent SMS row must be at the stub (by its provider id), no body there twice, and every
text there recorded as sent; every sent email must be in the file backend's output once (by
its Message-ID); no due row may be left unsent; and `overlaps_in_db()` and
`resource_overlaps()` (a scanner or interpreter booked twice at once) must stay 0.

The load's center (its own buildings, 24 clinicians, scanners and interpreters, weekly
templates) lies in six weeks
from ten weeks after next Monday, after the synthetic center of the other figures, so
neither figure's searches find the other's free time. The drain sends the other figures'
due rows too (the invites of their bookings); only the load's patients' rows are checked.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import random
import re
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.mail.backends import filebased

from bench.common import Client, log

SECONDS = 60.0
THINK_S = (1.0, 3.0)  # uniform, between one user's requests
KEEP_ALIVE_S = 5  # gunicorn's idle keep-alive (its default, 2 s, is shorter than a think)
BOOK_EVERY = 2  # a navigator books the first option of one search in BOOK_EVERY
HOLD_EVERY = 2  # of those, one in HOLD_EVERY is held first, then confirmed after a think
RELEASE_EVERY = 4  # a navigator lets one of their holds in RELEASE_EVERY go instead
HTTP_TIMEOUT = 10.0
WARM_CLIENTS = 20  # more than gunicorn's 2 x 8 threads (workers x 8 + 4 with more workers)
TARGET_P99_MS = 200
PATIENTS_EACH = 20  # a navigator's patients, booked in turn
PAGE_PATIENTS = 5  # patients a patient-user thread stands for, in turn
WEEKS = 6
CLINICIANS_EACH = 4
LIMIT = 3
LOAD_REDIS_DB = 14
DRAIN_TIMEOUT = 120.0
SEED = 7
SCANNERS = 2  # MRI 3 T, one per building of the load's center
INTERPRETERS = 3  # Spanish, working from building A
INTERPRETER_EVERY = 5  # one load patient in INTERPRETER_EVERY needs a Spanish interpreter
MRI_EVERY = 2  # of the searches with neuroradiology, one in MRI_EVERY asks for the MRI
MRI_MINUTES = 45
SPECIALTY_SETS = (
    ("neuroradiology", "neurosurgery", "radiation_oncology"),
    ("neuroradiology", "spine_surgery", "radiation_oncology"),
    ("radiation_oncology", "medical_oncology"),
    ("neurosurgery", "medical_oncology", "palliative_care"),
    ("spine_surgery", "radiation_oncology", "palliative_care", "medical_oncology"),
)
# Patients' time zones, first that has daytime now wins (see `daytime_zone`).
ZONES = ("America/New_York", "America/Los_Angeles", "Europe/London", "Asia/Tokyo")


@dataclass(frozen=True)
class Mix:
    """Who loads the server: users of each role, gunicorn's workers, and the name, rows'
    prefix and first week (after next Monday) of the run's own data."""

    name: str
    navigators: int
    specialists: int
    patients: int
    gunicorn_workers: int
    prefix: str
    first_week: int

    @property
    def users(self) -> int:
        return self.navigators + self.specialists + self.patients


MIX = Mix("mixed_load", 30, 10, 10, 2, "load", 10)
# Four times the users against twice the gunicorn workers (the Celery worker has two
# processes either way), on six weeks of its own.
MIX_200 = Mix("mixed_load_200", 120, 40, 40, 4, "load200", 20)


@dataclass(frozen=True)
class LoadData:
    navigators: list[str]  # tokens
    specialists: list[str]
    patients: list[list[int]]  # per navigator
    pages: list[str]  # /p/<code> paths
    meeting: int
    days: list[date]  # the clinic days, Monday to Friday
    mix: Mix
    mri_type: int  # the visit type (neuroradiology) that needs a scanner


@dataclass
class Tally:
    """What one user thread saw: (kind, start, seconds, outcome) per request."""

    requests: list[tuple[str, float, float, str]] = field(default_factory=list)
    bookings: int = 0
    conflicts: int = 0
    holds: int = 0
    scanner_searches: int = 0  # searches that asked for the MRI visit on a scanner


# --- the data -------------------------------------------------------------------------


def daytime_zone(now: datetime) -> str:
    """A time zone among ZONES where it is 09:00-18:00 now: the reminders sent at the end
    of the run fall outside the 20:00-08:00 quiet hours whenever the bench runs."""
    return next(z for z in ZONES if 9 <= now.astimezone(ZoneInfo(z)).hour < 18)


def users_create(*, prefix: str, role: str, count: int) -> list[str]:
    """`count` users of `role` who log in only by API token; returns the tokens."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        user_model(username=f"{prefix}-{n:02d}", password=make_password(None)) for n in range(count)
    )
    group = Group.objects.get_or_create(name=role)[0]
    group.user_set.add(*users)
    tokens = Token.objects.bulk_create(Token(key=Token.generate_key(), user=u) for u in users)
    return [t.key for t in tokens]


def center_create(first: date, last: date, prefix: str = "load") -> list:
    """Two buildings 10 minutes apart; CLINICIANS_EACH clinicians of every specialty the
    searches ask for, in clinic Monday to Friday 08:00-17:00 from `first` to `last`.
    Returns the buildings."""
    from bench.cpsat import CLINIC_ZONE
    from navigation.models import AvailabilityTemplate, Clinician, Location, TravelBuffer

    places = [
        Location.objects.create(
            name=f"{prefix.title()} building {name}", time_zone=str(CLINIC_ZONE)
        )
        for name in "AB"
    ]
    TravelBuffer.objects.bulk_create(
        [
            TravelBuffer(from_location=places[0], to_location=places[1], minutes=10),
            TravelBuffer(from_location=places[1], to_location=places[0], minutes=10),
        ]
    )
    specialties = sorted({s for group in SPECIALTY_SETS for s in group})
    clinicians = Clinician.objects.bulk_create(
        Clinician(
            name=f"Dr. Load {specialty} {n}",
            specialty=specialty,
            home_location=places[(i + n) % 2],
        )
        for i, specialty in enumerate(specialties)
        for n in range(CLINICIANS_EACH)
    )
    AvailabilityTemplate.objects.bulk_create(
        AvailabilityTemplate(
            clinician=c,
            weekday=weekday,
            start_time=clock(8),
            end_time=clock(17),
            location=c.home_location,
            valid_from=first,
            valid_until=last,
        )
        for c in clinicians
        for weekday in range(5)
    )
    return places


def resources_create(places: list, first: date, last: date, prefix: str = "load") -> int:
    """The load's own resources, open Monday to Friday 08:00-17:00 from `first` to `last`:
    SCANNERS MRI 3 T (one per building) and INTERPRETERS Spanish interpreters; and the MRI
    visit type that needs a scanner (neuroradiology, not a new-patient visit, so no other
    figure's searches use it). Returns the visit type's id."""
    from navigation.models import AvailabilityTemplate, Resource, VisitType

    resources = Resource.objects.bulk_create(
        [
            Resource(
                name=f"{prefix.title()} MRI 3T-{n + 1}",
                kind=Resource.Kind.EQUIPMENT,
                equipment=Resource.Equipment.MRI_3T,
                location=places[n % len(places)],
            )
            for n in range(SCANNERS)
        ]
        + [
            Resource(
                name=f"{prefix.title()} interpreter {n + 1}",
                kind=Resource.Kind.INTERPRETER,
                languages=["es"],
                location=places[0],
            )
            for n in range(INTERPRETERS)
        ]
    )
    AvailabilityTemplate.objects.bulk_create(
        AvailabilityTemplate(
            resource=r,
            weekday=weekday,
            start_time=clock(8),
            end_time=clock(17),
            location=r.location,
            valid_from=first,
            valid_until=last,
        )
        for r in resources
        for weekday in range(5)
    )
    mri, _ = VisitType.objects.get_or_create(
        specialty="neuroradiology",
        name=f"MRI brain with contrast ({prefix})",
        defaults={"minutes": MRI_MINUTES, "new_patient": False, "needs": ["mri"]},
    )
    return mri.pk


def patients_create(*, count: int, zone: str, prefix: str) -> list[int]:
    """Patients with a phone, SMS consent and an email: each booking texts and mails. One
    in INTERPRETER_EVERY (at random, SEED) needs a Spanish interpreter at every visit."""
    from django.utils import timezone

    from patients.models import Patient

    now = timezone.now()
    rng = random.Random(SEED)
    return [
        p.pk
        for p in Patient.objects.bulk_create(
            Patient(
                mrn=f"{prefix.upper()}-{n:05d}",
                first_name=f"Load{n}",
                last_name="Patient",
                birth_date=date(1955, 1, 1) + timedelta(days=n),
                phone=f"+1617555{n:04d}",
                email=f"load-{n}@example.org",
                time_zone=zone,
                sms_consent=True,
                sms_consent_at=now,
                interpreter_language="es" if rng.randrange(INTERPRETER_EVERY) == 0 else None,
            )
            for n in range(count)
        )
    ]


def load_build(mix: Mix) -> LoadData:
    from django.db import transaction
    from django.utils import timezone

    from bench.board import board_load
    from bench.common import next_monday
    from notifications.services import patient_link
    from patients.models import Patient
    from tumorboard.roles import NAVIGATOR, SPECIALIST

    now = timezone.now()
    first = next_monday() + timedelta(weeks=mix.first_week)
    days = [first + timedelta(days=n) for n in range(7 * WEEKS) if n % 7 < 5]
    with transaction.atomic():
        places = center_create(days[0], days[-1], mix.prefix)
        mri_type = resources_create(places, days[0], days[-1], mix.prefix)
        navigators = users_create(
            prefix=f"{mix.prefix}-navigator", role=NAVIGATOR, count=mix.navigators
        )
        specialists = users_create(
            prefix=f"{mix.prefix}-specialist", role=SPECIALIST, count=mix.specialists
        )
        ids = patients_create(
            count=mix.navigators * PATIENTS_EACH, zone=daytime_zone(now), prefix=mix.prefix
        )
        # A patient-user opens the pages of patients the navigators book, so pages fill up.
        pages = [
            "/p/" + patient_link(patient, now).rsplit("/p/", 1)[1]
            for patient in Patient.objects.filter(pk__in=ids[: mix.patients * PAGE_PATIENTS])
        ]
    meeting = board_load().meeting_id
    patients = [ids[n :: mix.navigators] for n in range(mix.navigators)]
    return LoadData(navigators, specialists, patients, pages, meeting, days, mix, mri_type)


# --- the users ------------------------------------------------------------------------


def timed(tally: Tally, kind: str, conn: Client, method: str, path: str, body=None):
    """One request, recorded; returns (status, payload), status 0 when it failed."""
    started = time.perf_counter()
    try:
        status, payload = conn.raw(method, path, body)
    except (OSError, http.client.HTTPException) as exc:
        outcome, status, payload = type(exc).__name__, 0, b""
    else:
        outcome = str(status)
    tally.requests.append((kind, started, time.perf_counter() - started, outcome))
    if outcome not in EXPECTED.get(kind, {"200"}):
        log(f"load: {kind} answered {outcome}: {payload[:300].decode(errors='replace')}")
    return status, payload


def think(rng: random.Random, until: float) -> None:
    """A user's pause between requests, cut short at the end of the run."""
    time.sleep(max(0.0, min(rng.uniform(*THINK_S), until - time.monotonic())))


def navigator(conn: Client, tally: Tally, data: LoadData, n: int, rng, until: float):
    """Search a week from a day the patient can come for the next patient (one search in
    MRI_EVERY with neuroradiology for its MRI on a scanner); every BOOK_EVERY-th search,
    book the first option with the resources and visit types it came with."""
    patients = data.patients[n]
    searches = 0
    while time.monotonic() < until:
        patient = patients[tally.bookings % len(patients)]
        day = rng.choice(data.days)
        body = {
            "patient": patient,
            "specialties": list(rng.choice(SPECIALTY_SETS)),
            "date_from": day.isoformat(),
            "date_to": (day + timedelta(days=6)).isoformat(),
            "limit": LIMIT,
        }
        if "neuroradiology" in body["specialties"] and rng.randrange(MRI_EVERY) == 0:
            body["visit_types"] = {"neuroradiology": data.mri_type}
            tally.scanner_searches += 1
        status, payload = timed(tally, "search", conn, "POST", "/api/v1/itineraries/search/", body)
        searches += 1
        options = json.loads(payload)["options"] if status == 200 else []
        if options and searches % BOOK_EVERY == 0 and time.monotonic() < until:
            think(rng, until)
            visits = [
                {
                    "clinician": v["clinician"],
                    "start": v["start"],
                    "specialty": v["specialty"],
                    "resources": [r["id"] for r in v["resources"]],
                    "visit_type": v["visit_type"],
                }
                for v in options[0]["visits"]
            ]
            if (searches // BOOK_EVERY) % HOLD_EVERY:
                status, _ = timed(
                    tally,
                    "book",
                    conn,
                    "POST",
                    "/api/v1/itineraries/",
                    {"patient": patient, "visits": visits},
                )
            else:
                status = hold_then_confirm(conn, tally, patient, visits, rng, until)
            tally.bookings += status == 201
            tally.conflicts += status == 409
        think(rng, until)


def hold_then_confirm(conn: Client, tally: Tally, patient: int, visits, rng, until) -> int:
    """Hold the option, talk to the patient (a think), then confirm it; one hold in
    RELEASE_EVERY is let go instead. Returns the status that tells whether it was booked."""
    status, payload = timed(
        tally, "hold", conn, "POST", "/api/v1/holds/", {"patient": patient, "visits": visits}
    )
    if status != 201:
        return status
    tally.holds += 1
    hold = json.loads(payload)["id"]
    think(rng, until)
    if tally.holds % RELEASE_EVERY == 0:
        timed(tally, "release", conn, "DELETE", f"/api/v1/holds/{hold}/")
        return 0
    status, _ = timed(tally, "confirm", conn, "POST", f"/api/v1/holds/{hold}/confirm/")
    return status


def reader(conn: Client, tally: Tally, kind: str, paths: list[str], rng, until: float):
    """A specialist on the agenda, or a patient on their page, again and again."""
    n = 0
    while time.monotonic() < until:
        timed(tally, kind, conn, "GET", paths[n % len(paths)])
        n += 1
        think(rng, until)


EXPECTED = {
    "search": {"200"},
    "book": {"201", "409"},
    "hold": {"201", "409"},
    "confirm": {"201"},
    "release": {"200"},
    "agenda": {"200"},
    "page": {"200"},
}


def run_users(port: int, data: LoadData) -> tuple[list[Tally], float]:
    """All users released together, each stopping at the deadline; returns their
    tallies and the moment (perf_counter) they were released."""
    agenda = [f"/api/v1/board/meetings/{data.meeting}/agenda/"]
    roles = (
        [("navigator", data.navigators[n], n) for n in range(data.mix.navigators)]
        + [("agenda", data.specialists[n], n) for n in range(data.mix.specialists)]
        + [("page", None, n) for n in range(data.mix.patients)]
    )
    tallies = [Tally() for _ in roles]
    barrier = threading.Barrier(len(roles) + 1, timeout=60)
    until = [0.0]

    def user(index: int) -> None:
        role, token, n = roles[index]
        rng = random.Random(SEED * 1000 + index)
        # Connected by the first request, not before: gunicorn's gthread worker gives a
        # new connection a thread that waits (up to 5 s) for its first bytes, so 50
        # connections opened ahead of a think would hold every thread of the server.
        conn = Client(port, token, timeout=HTTP_TIMEOUT)
        try:
            barrier.wait()
            think(rng, until[0])  # users do not all click at the same moment
            if role == "navigator":
                navigator(conn, tallies[index], data, n, rng, until[0])
            elif role == "agenda":
                reader(conn, tallies[index], "agenda", agenda, rng, until[0])
            else:
                mine = data.pages[n :: data.mix.patients]
                reader(conn, tallies[index], "page", mine, rng, until[0])
        finally:
            conn.close()

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(len(roles))]
    for thread in threads:
        thread.start()
    until[0] = time.monotonic() + SECONDS
    barrier.wait()
    released = time.perf_counter()
    for thread in threads:
        thread.join(timeout=max(0.0, until[0] + HTTP_TIMEOUT * 3 - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("a user thread did not stop in time")
    return tallies, released


def warm_up(port: int, data: LoadData) -> None:
    """More clients than the server has threads, each asking every kind a few times, so
    that no thread's first request (and database connection) falls in the measured run."""
    from bench.common import together

    day = data.days[0].isoformat()
    search = {"patient": data.patients[0][0], "specialties": ["radiation_oncology"]}
    search |= {"date_from": day, "date_to": day}
    mri = {
        "patient": data.patients[0][0],
        "specialties": ["neuroradiology"],
        "visit_types": {"neuroradiology": data.mri_type},
    }
    mri |= {"date_from": day, "date_to": day}
    kinds = [
        ("POST", "/api/v1/itineraries/search/", search),
        ("POST", "/api/v1/itineraries/search/", mri),
        ("GET", f"/api/v1/board/meetings/{data.meeting}/agenda/", None),
        ("GET", data.pages[0], None),  # the token header is ignored there
    ]
    clients = max(WARM_CLIENTS, data.mix.gunicorn_workers * 8 + 4)
    statuses, _ = together(port, data.navigators, [kinds * 3 for _ in range(clients)])
    if set(statuses) != {200}:
        raise RuntimeError(f"the warm-up failed: {Counter(map(str, statuses))}")


# --- the outbox -----------------------------------------------------------------------

MAIL_DIR = "BENCH_MAIL_DIR"


class MailDir(filebased.EmailBackend):
    """The worker's email backend: Django's file backend, writing to $BENCH_MAIL_DIR (the
    settings read EMAIL_BACKEND from the environment, not EMAIL_FILE_PATH)."""

    def __init__(self, *args, **kwargs):
        kwargs["file_path"] = os.environ[MAIL_DIR]
        super().__init__(*args, **kwargs)


def drain(worker, patients: list[int], timeout: float) -> bool:
    """Dispatch due rows until none of the load's due rows is pending or sending."""
    from django.utils import timezone

    from bench.notifications import POLL
    from notifications.models import Message
    from notifications.services import dispatch_due
    from notifications.tasks import enqueue_send

    deadline = time.monotonic() + timeout
    while True:
        while ids := dispatch_due():
            enqueue_send(ids)
        if not Message.objects.filter(
            patient__in=patients,
            status__in=[Message.Status.PENDING, Message.Status.SENDING],
            send_after__lte=timezone.now(),
        ).exists():
            return True
        if worker.poll() is not None:
            raise RuntimeError(f"the celery worker exited with {worker.returncode}")
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL * 10)


def first_reminders_due(patients: list[int]) -> int:
    """Move the clock on for each patient's first pending reminder: due now."""
    from django.utils import timezone

    from notifications.models import Message

    firsts = (
        Message.objects.filter(
            patient__in=patients, template="reminder", status=Message.Status.PENDING
        )
        .order_by("patient_id", "send_after")
        .distinct("patient_id")  # PostgreSQL's DISTINCT ON: the first row of each patient
        .values_list("pk", flat=True)
    )
    return Message.objects.filter(pk__in=list(firsts)).update(send_after=timezone.now())


MESSAGE_ID = re.compile(rb"^Message-ID: <(.+)@tumorboard>\r?$", re.MULTILINE)


def outbox_check(patients: list[int], stub_received: list[dict], mail_dir: Path) -> dict:
    """The load's outbox rows against what the providers took. A row sent twice shows as
    a body the stub took twice or a Message-ID mailed twice; a sent row the provider lacks,
    or a due row not sent, is lost; a text at the stub that no row records as sent is
    unrecorded (a later dispatch would send it again)."""
    from django.utils import timezone

    from notifications.models import Message

    rows = Message.objects.filter(patient__in=patients)
    sent = rows.filter(status=Message.Status.SENT)
    texts = set(sent.filter(channel=Message.Channel.SMS).values_list("provider_id", flat=True))
    mails = {
        key.replace(":", ".")
        for key in sent.filter(channel=Message.Channel.EMAIL).values_list(
            "idempotency_key", flat=True
        )
    }
    at_stub = {m["sid"] for m in stub_received}
    bodies = Counter(m["body"] for m in stub_received)
    mailed = Counter(
        found.decode()
        for path in mail_dir.iterdir()
        for found in MESSAGE_ID.findall(path.read_bytes())
    )
    unsent = rows.filter(
        status__in=[Message.Status.PENDING, Message.Status.SENDING, Message.Status.FAILED],
        send_after__lte=timezone.now(),
    ).count()
    recorded = Message.objects.filter(status=Message.Status.SENT, provider_id__in=at_stub).count()
    by_status = Counter(
        f"{channel}:{status}" for channel, status in rows.values_list("channel", "status")
    )
    return {
        "messages_sent": len(texts) + len(mails),
        "messages_duplicated": sum(n > 1 for n in bodies.values())
        + sum(n > 1 for n in mailed.values()),
        "messages_lost": len(texts - at_stub) + sum(mailed[key] == 0 for key in mails) + unsent,
        "messages_unrecorded": len(at_stub) - recorded,
        "outbox": dict(sorted(by_status.items())),
    }


# --- the figure -----------------------------------------------------------------------


def resource_overlaps() -> int:
    """Pairs of live resource rows that overlap for one room, machine or interpreter
    (the exclusion constraint's promise, checked after the run)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM navigation_appointmentresource a
              JOIN navigation_appointmentresource b
                ON a.resource_id = b.resource_id AND a.id < b.id
               AND a.start < b."end" AND b.start < a."end"
             WHERE a.live AND b.live
            """
        )
        return cursor.fetchone()[0]


def resources_booked(patients: list[int]) -> dict[str, int]:
    """The load's live visits that took a scanner or an interpreter, by kind of resource."""
    from navigation.models import AppointmentResource

    rows = AppointmentResource.objects.filter(
        appointment__patient__in=patients, live=True
    ).values_list("resource__kind", flat=True)
    return dict(sorted(Counter(rows).items()))


def percentile_ms(seconds: list[float], q: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    ordered = sorted(seconds)
    return round(ordered[math.ceil(q * len(ordered)) - 1] * 1000, 1)


def bench_mixed_load(bench_url: str, mix: Mix = MIX) -> None:
    from django.conf import settings

    from bench import notifications as celery_bench
    from bench.common import emit, gunicorn, overlaps_in_db, wait_until_up
    from patients.models import Patient
    from tests.notifications.twilio_stub import TwilioStub

    started = time.perf_counter()
    data = load_build(mix)
    patients = [p for pool in data.patients for p in pool]
    interpreter_patients = Patient.objects.filter(
        pk__in=patients, interpreter_language__isnull=False
    ).count()
    log(f"load: data built in {time.perf_counter() - started:.1f} s")
    worker_redis, redis_url = celery_bench.redis_urls(settings.REDIS_URL, LOAD_REDIS_DB)
    counter = celery_bench._redis(redis_url)
    counter.flushdb()
    previous = celery_bench.app.conf.broker_url
    with contextlib.ExitStack() as stack:
        stack.callback(counter.flushdb)
        stack.callback(celery_bench.use_broker, previous)
        celery_bench.use_broker(worker_redis.replace("unix://", "redis+socket://", 1))
        stub = stack.enter_context(TwilioStub())
        mail_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-mail-")))
        env = {
            "REDIS_URL": worker_redis,
            **stub.worker_env(),
            "EMAIL_BACKEND": "bench.load.MailDir",
            MAIL_DIR: str(mail_dir),
            "LOG_LEVEL": "WARNING",
        }
        server_env = {**env, "GUNICORN_CMD_ARGS": f"--keep-alive {KEEP_ALIVE_S}"}
        worker_env = {
            **os.environ,
            **env,
            "DATABASE_URL": bench_url,
            celery_bench.COUNTER_URL: redis_url,
        }
        worker_env.pop("DEBUG", None)
        worker = stack.enter_context(celery_bench.celery_worker(worker_env))
        workers = ("-w", str(mix.gunicorn_workers))
        port = stack.enter_context(gunicorn(bench_url, extra_env=server_env, args=workers))
        wait_until_up(port, data.navigators[0])
        # One no-op task run through the broker: the worker is up before the clock starts.
        celery_bench.noop_throughput(counter, worker, 1, celery_bench.WORKER_START_TIMEOUT)
        warm_up(port, data)
        log(f"load: {mix.users} users for {SECONDS:.0f} s, {mix.gunicorn_workers} gunicorn workers")
        load_before = os.getloadavg()[0]
        tallies, released = run_users(port, data)
        load_after = os.getloadavg()[0]
        drained = drain(worker, patients, DRAIN_TIMEOUT)
        reminders = first_reminders_due(patients)
        drained = drain(worker, patients, DRAIN_TIMEOUT) and drained
        if not drained:
            log(f"load: the outbox did not drain within {DRAIN_TIMEOUT:.0f} s")
        stub_received = list(stub.received)
        checks = outbox_check(patients, stub_received, mail_dir)

    requests = [r for t in tallies for r in t.requests]
    seconds = max(start + took for _, start, took, _ in requests) - released
    times = [took for _, _, took, _ in requests]
    outcomes = Counter(f"{kind} {outcome}" for kind, _, _, outcome in requests)
    errors = Counter(
        f"{kind} {outcome}" for kind, _, _, outcome in requests if outcome not in EXPECTED[kind]
    )
    by_kind = {
        kind: percentile_ms(took, 0.99)
        for kind in EXPECTED
        if (took := [took for k, _, took, _ in requests if k == kind])
    }
    windows = [  # each 10 s of the run, to tell a bad moment from a bad run
        [took for _, at, took, _ in requests if w <= at - released < w + 10]
        for w in range(0, math.ceil(SECONDS), 10)
    ]
    by_window = [percentile_ms(window, 0.99) for window in windows if window]
    log(f"load: {len(requests)} requests in {seconds:.1f} s; {dict(sorted(outcomes.items()))}")
    log(f"load: p99 by kind {by_kind}; by 10 s {by_window}; outbox {checks['outbox']}")
    log(f"load: load average {load_before:.1f} before, {load_after:.1f} after")
    emit(
        mix.name,
        round(len(requests) / seconds, 1),
        "requests/s",
        p50_ms=percentile_ms(times, 0.50),
        p95_ms=percentile_ms(times, 0.95),
        p99_ms=percentile_ms(times, 0.99),
        errors=sum(errors.values()),
        target_p99_ms=TARGET_P99_MS,
        users=len(tallies),
        gunicorn_workers=mix.gunicorn_workers,
        seconds=round(seconds, 1),
        think_s=list(THINK_S),
        keep_alive_s=KEEP_ALIVE_S,
        loadavg_1m=[round(load_before, 1), round(load_after, 1)],
        requests=len(requests),
        p99_ms_by_kind=by_kind,
        errors_by_kind=dict(errors),
        bookings=sum(t.bookings for t in tallies),
        conflicts=sum(t.conflicts for t in tallies),
        holds=sum(t.holds for t in tallies),
        scanner_searches=sum(t.scanner_searches for t in tallies),
        interpreter_patients=interpreter_patients,
        resources_booked=resources_booked(patients),
        double_booked=overlaps_in_db(),
        resources_double_booked=resource_overlaps(),
        reminders_sent_early=reminders,
        **checks,
    )
