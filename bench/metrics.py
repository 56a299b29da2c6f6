"""`metrics_page_p95_ms`: the navigation-metrics page (/dashboard/metrics/, the default
twelve months) on a year of data for 2,000 patients, through the real HTTP server with a
logged-in navigator's session.

`metrics_load()` writes the year in bulk (no services: it is data, not a workflow): for
each patient a referral (10% emergency, 30% urgent) taken by one of five navigators and
its consult visit, a palliative-care visit for a quarter, three follow-up visits (5% no-
shows), a distress screening at the consult and a barrier for one in five; 40% go to a
weekly board with a signed recommendation, a treatment recorded and their care clocks
(board, treatment, post-operative radiosurgery for the resections).
Visits are dealt to clinicians in time order, so none overlaps another of its clinician.
"""

from __future__ import annotations

import random
import statistics
import time as time_module
from datetime import date, datetime, time, timedelta

PATIENTS = 2000
REQUESTS = 60
WARM_UP = 3  # the first renders draw the charts; later ones reuse them (web/charts.py)
TARGET_MS = 200
CLINICIANS = 40
NAVIGATORS = 5


def metrics_load(*, patients: int = PATIENTS, now: datetime | None = None) -> str:
    """Write the year; return a navigator's session key for the page."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.cpsat import CLINIC_ZONE
    from bench.web import navigator_session
    from board.models import Case, Meeting, Recommendation, Series
    from care.models import Barrier, Clock, DistressScreening, Treatment
    from navigation.models import Appointment, Clinician, Location
    from patients.models import Patient, Referral

    now = now or timezone.now()
    rng = random.Random(19)
    with transaction.atomic():
        place = Location.objects.create(name="Metrics pavilion", time_zone=str(CLINIC_ZONE))
        specialties = ("neurosurgery", "radiation_oncology", "palliative_care", "medical_oncology")
        clinicians = Clinician.objects.bulk_create(
            Clinician(
                name=f"Dr. Metrics {n}",
                specialty=specialties[n % len(specialties)],
                home_location=place,
            )
            for n in range(CLINICIANS)
        )
        navigators = []
        for n in range(NAVIGATORS):
            user, _ = get_user_model().objects.get_or_create(username=f"bench-metrics-nav{n}")
            user.groups.add(Group.objects.get(name="navigator"))
            navigators.append(user)
        people = Patient.objects.bulk_create(
            Patient(
                mrn=f"BENCHM{n:05d}", first_name="M", last_name="Bench", birth_date=date(1955, 1, 1)
            )
            for n in range(patients)
        )
        start = now - timedelta(days=365)
        step = timedelta(days=365) / patients
        referrals = []
        for n, patient in enumerate(people):
            received = start + step * n + timedelta(minutes=rng.randrange(60))
            draw = rng.random()
            urgency = "emergency" if draw < 0.1 else "urgent" if draw < 0.4 else "routine"
            window = timedelta(hours=24 if urgency == "emergency" else 72)
            lead = timedelta(hours=rng.uniform(2, 100 if urgency != "emergency" else 30))
            consult = received + lead
            referrals.append(
                Referral(
                    patient=patient,
                    referring_oncologist="Dr. Bench",
                    received_at=received,
                    primary_cancer=rng.choice(["lung", "breast", "kidney", "melanoma"]),
                    sites=rng.choice(["brain", "spine", "both"]),
                    urgency=urgency,
                    urgency_reason="bench",
                    consult_due_at=received + window,
                    consult_at=consult if consult < now + timedelta(days=7) else None,
                    status="closed" if consult < now - timedelta(days=30) else "open",
                    created_by=navigators[n % NAVIGATORS] if n % 10 else None,
                )
            )
        Referral.objects.bulk_create(referrals)

        visits = []  # (start, minutes, patient, specialty, fields)
        for n, referral in enumerate(referrals):
            if referral.consult_at is None:
                continue
            visits.append((referral.consult_at, 60, referral, "neurosurgery", {"is_consult": True}))
            if n % 4 == 0:
                at = referral.consult_at + timedelta(days=2)
                visits.append((at, 30, referral, "palliative_care", {}))
            for week in (3, 7, 11):
                at = referral.consult_at + timedelta(weeks=week)
                status = "no_show" if rng.random() < 0.05 else "completed"
                visits.append((at, 30, referral, "medical_oncology", {"status": status}))
        visits.sort(key=lambda v: v[0])
        Appointment.objects.bulk_create(
            Appointment(
                patient=referral.patient,
                referral=referral,
                clinician=clinicians[k % CLINICIANS],
                location=place,
                specialty=specialty,
                start=at,
                end=at + timedelta(minutes=minutes),
                is_consult=fields.get("is_consult", False),
                status=fields.get("status", "completed") if at < now else "booked",
            )
            for k, (at, minutes, referral, specialty, fields) in enumerate(visits)
        )

        series = Series.objects.create(
            name="Metrics board",
            weekday=1,
            start_time=time(7),
            end_time=time(8, 30),
            location=place,
            starts_on=start.date(),
        )
        tuesdays = []
        day = start.astimezone(CLINIC_ZONE).date()
        day += timedelta(days=(1 - day.weekday()) % 7)
        while day <= (now + timedelta(weeks=2)).date():
            begin = datetime.combine(day, time(7), CLINIC_ZONE)
            tuesdays.append(
                Meeting(
                    series=series,
                    date=day,
                    start=begin,
                    end=begin + timedelta(minutes=90),
                    cutoff_at=begin - timedelta(hours=48),
                    location=place,
                    case_capacity=40,
                    minutes_per_case=2,
                )
            )
            day += timedelta(weeks=1)
        meetings = Meeting.objects.bulk_create(tuesdays)
        cases, discussed = [], []
        for referral in referrals:
            if referral.consult_at is None or rng.random() >= 0.4:
                continue
            meeting = next((m for m in meetings if m.cutoff_at >= referral.consult_at), None)
            if meeting is None:
                continue
            cases.append(
                Case(
                    patient=referral.patient,
                    referral=referral,
                    meeting=meeting,
                    question="Bench case?",
                    submitted_at=referral.consult_at,
                    imaging_available=True,
                    imaging_reviewed=True,
                    pathology="confirmed",
                )
            )
            discussed.append((referral, meeting))
        Case.objects.bulk_create(cases)
        signer = clinicians[1]
        recommendations, clocks, treatments = [], [], []
        for case, (referral, meeting) in zip(cases, discussed, strict=True):
            clocks.append(
                Clock(
                    referral=referral,
                    patient=referral.patient,
                    kind="board",
                    started_at=referral.consult_at,
                    due_at=meeting.start,
                    at_risk_at=meeting.start - timedelta(days=1),
                    stopped_at=meeting.start if meeting.start <= now else None,
                    target="the next meeting open for cases",
                )
            )
            if meeting.start > now:
                continue
            resection = rng.random() < 0.3
            signed = meeting.start + timedelta(hours=1)
            recommendations.append(
                Recommendation(
                    case=case,
                    version=1,
                    modalities=["resection", "srs"] if resection else ["sbrt"],
                    intent="local_control",
                    rationale="Bench.",
                    status="signed",
                    signed_by=signer,
                    signed_at=signed,
                )
            )
        Recommendation.objects.bulk_create(recommendations)
        for rec in recommendations:
            referral = rec.case.referral
            began = rec.signed_at + timedelta(days=rng.uniform(3, 20))
            due = rec.signed_at + timedelta(days=14)
            clocks.append(
                Clock(
                    referral=referral,
                    patient=referral.patient,
                    kind="treatment",
                    started_at=rec.signed_at,
                    due_at=due,
                    at_risk_at=due - timedelta(days=4),
                    stopped_at=began if began <= now else None,
                    target="14 days",
                )
            )
            if began > now:
                continue
            treatments.append(
                Treatment(
                    patient=referral.patient,
                    referral=referral,
                    recommendation=rec,
                    modality=rec.modalities[0],
                    started_at=began,
                    started_elsewhere=True,
                    performer="Bench hospital",
                    recorded_at=began,
                )
            )
            if "srs" in rec.modalities:
                srs = began + timedelta(days=rng.uniform(14, 45))
                clocks.append(
                    Clock(
                        referral=referral,
                        patient=referral.patient,
                        kind="postop_srs",
                        started_at=began,
                        due_at=began + timedelta(days=30),
                        at_risk_at=began + timedelta(days=20),
                        stopped_at=srs if srs <= now else None,
                        target="30 days",
                    )
                )
        Treatment.objects.bulk_create(treatments)
        Clock.objects.bulk_create(clocks)
        barriers, screenings = [], []
        for n, referral in enumerate(referrals):
            if referral.consult_at is None or referral.consult_at > now:
                continue
            score = rng.randrange(11)
            screenings.append(
                DistressScreening(
                    patient=referral.patient,
                    referral=referral,
                    occasion="first_consult",
                    score=score,
                    screened_at=referral.consult_at,
                    referred=score >= 4,
                )
            )
            if n % 5 == 0:
                found = referral.received_at + timedelta(hours=6)
                resolved = found + timedelta(days=rng.uniform(1, 20))
                barriers.append(
                    Barrier(
                        patient=referral.patient,
                        kind=rng.choice(["transport", "lodging", "financial", "caregiver"]),
                        found_at=found,
                        resolved_at=resolved if resolved < now else None,
                    )
                )
        Barrier.objects.bulk_create(barriers)
        DistressScreening.objects.bulk_create(screenings)
    # A bulk load leaves the planner without statistics until autovacuum comes by; a
    # database in service has them.
    with connection.cursor() as cursor:
        for model in (
            Referral,
            Appointment,
            Case,
            Meeting,
            Recommendation,
            Treatment,
            Clock,
            Barrier,
            DistressScreening,
        ):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return navigator_session("bench-metrics-nav0")


def bench_metrics(bench_url: str) -> None:
    """Load the year, serve it, emit the figure. Run last: its clinicians and referrals
    would otherwise join the simulator's center and the queue page."""
    from bench.common import emit, gunicorn, log

    started = time_module.perf_counter()
    session = metrics_load()
    log(f"metrics: a year for {PATIENTS} patients in {time_module.perf_counter() - started:.1f} s")
    with gunicorn(bench_url) as port:
        wait_for_page(port, session)
        emit(**bench_metrics_page(port, session))


def wait_for_page(port: int, session_key: str, timeout: float = 60.0) -> None:
    import http.client

    deadline = time_module.monotonic() + timeout
    while time_module.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time_module.sleep(0.2)
    raise RuntimeError("the server did not answer")


def bench_metrics_page(port: int, session_key: str, *, requests: int = REQUESTS) -> dict:
    """The page's p95 over `requests` GETs on one keep-alive connection, and its first
    (cold) view."""
    from django.conf import settings

    from bench.web import page_times

    # The first view computes every figure and draws every chart: what a navigator waits
    # for once a minute at most (METRICS_CACHE_SECONDS), reported beside the p95.
    cold, _ = page_times(port, session_key, "/dashboard/metrics/", requests=0, warm_up=0)
    times, size = page_times(
        port, session_key, "/dashboard/metrics/", requests=requests, warm_up=WARM_UP
    )
    return {
        "name": "metrics_page_p95_ms",
        "value": round(times[int(0.95 * len(times)) - 1], 2),
        "unit": "ms",
        "target": TARGET_MS,
        "patients": PATIENTS,
        "requests": requests,
        "median": round(statistics.median(times), 2),
        "cold_ms": round(cold[0], 2),
        "cache_seconds": settings.METRICS_CACHE_SECONDS,
        "bytes": size,
    }
