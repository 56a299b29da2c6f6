"""`bookings_per_s`: navigators booking same-day plans with resources, side by side with
an authenticated no-op GET in the same run (issue 16).

Each client books its own plans through the itinerary API (`POST /api/v1/itineraries/`,
the option as a search returns it): an MRI on a scanner, then neurosurgery and radiation
oncology, a Spanish interpreter at all three visits. Every client has its own three
clinicians, scanner, interpreter and patient, so no two clients' plans clash; each plan
is on a day of its own. The figure counts plans (itineraries) a second; `visits_per_s`
counts their visits.

The clients' MRI visit type, clinicians and resources are live only while the figure
runs (`retire`): later figures see the center as they would without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bench.common import CHEAP_GET, emit, log, together

ZONE = ZoneInfo("America/New_York")
# The plan: (specialty, minutes, takes the scanner); back to back from PLAN_START.
PLAN = (
    ("neuroradiology", 45, True),
    ("neurosurgery", 60, False),
    ("radiation_oncology", 45, False),
)
PLAN_START = time(9, 0)
PATH = "/api/v1/itineraries/"


@dataclass(frozen=True)
class BookingClients:
    """What `clients_create` made: per client the itinerary bodies to post, in order;
    and the rows `retire` turns off afterwards."""

    bodies: list[list[dict]]
    visit_type: int
    resources: list[int]
    clinicians: list[int]

    @property
    def visits(self) -> int:
        return sum(len(body["visits"]) for plans in self.bodies for body in plans)


def _workdays(first: date, count: int) -> list[date]:
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def clients_create(
    *, count: int, plans_each: int, first_day: date, prefix: str = "Bench"
) -> BookingClients:
    """`count` booking clients, each with a neuroradiologist, a neurosurgeon and a
    radiation oncologist, an MRI 3 T scanner and a Spanish interpreter (all Mon-Fri
    08:00-17:00 from `first_day`, a location of their own in New York) and a patient who
    needs Spanish; and the MRI visit type that needs a scanner. Returns each client's
    `plans_each` itinerary bodies, one a workday from `first_day`. `prefix` starts the
    rows' names (a second set needs another)."""
    from django.db import transaction

    from bench import center_db
    from navigation.models import AvailabilityTemplate, Clinician, Location, Resource, VisitType
    from navigation.services import visits_minutes
    from patients.models import Patient

    days = _workdays(first_day, plans_each)
    with transaction.atomic():
        place = Location.objects.create(name=f"{prefix} booking clients", time_zone=str(ZONE))
        mri = VisitType.objects.create(
            specialty="neuroradiology",
            name=f"{prefix} MRI brain with contrast",
            minutes=PLAN[0][1],
            new_patient=True,
            needs=["mri"],
        )
        clinicians = Clinician.objects.bulk_create(
            Clinician(name=f"Dr. {prefix} {n} {spec}", specialty=spec, home_location=place)
            for n in range(count)
            for spec, _, _ in PLAN
        )
        scanners = Resource.objects.bulk_create(
            Resource(name=f"{prefix} MRI {n}", kind="equipment", equipment="mri_3t", location=place)
            for n in range(count)
        )
        interpreters = Resource.objects.bulk_create(
            Resource(
                name=f"{prefix} interpreter {n}",
                kind="interpreter",
                languages=["es"],
                location=place,
            )
            for n in range(count)
        )
        owners = [{"clinician": c} for c in clinicians] + [
            {"resource": r} for r in scanners + interpreters
        ]
        AvailabilityTemplate.objects.bulk_create(
            AvailabilityTemplate(
                **owner,
                weekday=weekday,
                start_time=time(8),
                end_time=time(17),
                location=place,
                valid_from=first_day,
                valid_until=days[-1],
            )
            for owner in owners
            for weekday in range(5)
        )
        patients = center_db.patients_create(prefix=f"booking-{prefix.lower()}", count=count)
        Patient.objects.filter(pk__in=patients).update(interpreter_language="es")
    bodies = []
    # Each visit lasts its visit type's minutes (a booking refuses any other length).
    lengths = visits_minutes([spec for spec, _, _ in PLAN])
    for n, patient in enumerate(patients):
        team = clinicians[n * len(PLAN) : (n + 1) * len(PLAN)]
        plans = []
        for day in days:
            start = datetime.combine(day, PLAN_START, ZONE)
            visits = []
            for (spec, _, scan), clinician in zip(PLAN, team, strict=True):
                end = start + timedelta(minutes=lengths[spec])
                taken = [scanners[n].pk] if scan else []
                visits.append(
                    {
                        "specialty": spec,
                        "clinician": clinician.pk,
                        "location": place.pk,
                        "start": start.isoformat(),
                        "end": end.isoformat(),
                        "resources": [*taken, interpreters[n].pk],
                    }
                )
                start = end
            plans.append({"patient": patient, "visits": visits, "day": day.isoformat()})
        bodies.append(plans)
    return BookingClients(
        bodies, mri.pk, [r.pk for r in scanners + interpreters], [c.pk for c in clinicians]
    )


def retire(clients: BookingClients) -> None:
    """The clients' MRI visit type is no longer the new-patient one, their clinicians and
    resources inactive: later figures search and book as without them."""
    from navigation.models import Clinician, Resource, VisitType

    VisitType.objects.filter(pk=clients.visit_type).update(new_patient=False)
    Resource.objects.filter(pk__in=clients.resources).update(active=False)
    Clinician.objects.filter(pk__in=clients.clinicians).update(active=False)


def bench_bookings(port: int, tokens: list[str], clients: BookingClients) -> None:
    """The no-op GET's rate, then every client's plans at once; the ratio of the two."""
    together(port, tokens, [[CHEAP_GET] * 2 for _ in clients.bodies])  # warm every thread
    gets = max(len(plans) for plans in clients.bodies)
    statuses, seconds = together(port, tokens, [[CHEAP_GET] * gets for _ in clients.bodies])
    baseline = len(statuses) / seconds
    if statuses.count(200) != len(statuses):
        log(f"baseline: not every GET answered 200: {sorted(set(map(str, statuses)))}")
    calls = [[("POST", PATH, body) for body in plans] for plans in clients.bodies]
    statuses, seconds = together(port, tokens, calls)
    booked = statuses.count(201)
    failed = [s for s in statuses if s != 201]
    visits = clients.visits * booked // max(1, len(statuses))
    log(
        f"bookings: {booked} itineraries ({visits} visits) in {seconds:.2f} s; "
        f"baseline {baseline:.1f} GET/s; failed {failed[:10]}"
    )
    emit(
        "bookings_per_s",
        round(booked / seconds, 1),
        "itineraries/s",
        target_ratio=0.4,
        baseline=round(baseline, 1),
        ratio=round(booked / seconds / baseline, 3),
        visits_per_s=round(visits / seconds, 1),
        visits_each=len(PLAN),
        clients=len(clients.bodies),
        requests=len(statuses),
        failed=len(failed),
    )
