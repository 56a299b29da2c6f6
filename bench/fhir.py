"""`fhir_slot_search_p95_ms`: a week of free Slots through `/fhir/R4/Slot`, the search an
EHR makes, for each of the synthetic center's 40 clinicians in turn.

`bench_slot_search(bench_url)` reuses the center `bench.center_db` loaded (loading it when
the database has none), starts gunicorn, and asks
`Slot?schedule=Schedule/{id}&start=ge{monday}&start=lt{next monday}&status=free` over one
keep-alive connection, as one navigator; the figure also carries the p95 of the same week
for all 40 schedules at once (one page of up to 200 slots).
"""

from __future__ import annotations

import time
from datetime import timedelta

REQUESTS = 200
WARM_UP = 10
ALL_AT_ONCE = 40
TARGET_MS = 150
CLINICIANS = 40


def slot_search_load() -> tuple[list[int], str]:
    """The synthetic center's clinicians (loaded if missing) and a navigator's token."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from bench import center_db
    from bench.common import SEED, next_monday
    from bench.cpsat import make_center
    from navigation.models import Clinician, Location
    from tumorboard.roles import NAVIGATOR

    if not Location.objects.filter(name="Bench booked building 1").exists():  # center_load's name
        center_db.center_load(center=make_center(SEED), first_day=next_monday())
    clinicians = list(
        Clinician.objects.filter(name__regex=r"^Dr\. Bench \d+$", active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if len(clinicians) != CLINICIANS:
        raise RuntimeError(f"the bench center has {len(clinicians)} clinicians, not {CLINICIANS}")
    user, _ = get_user_model().objects.get_or_create(username="fhir-bench-navigator")
    user.groups.add(Group.objects.get_or_create(name=NAVIGATOR)[0])
    token, _ = Token.objects.get_or_create(user=user)
    return clinicians, token.key


def bench_slot_search(bench_url: str) -> None:
    from bench.common import Client, emit, gunicorn, log, next_monday, p50, p95, wait_until_up

    clinicians, token = slot_search_load()
    monday = next_monday()
    week = f"start=ge{monday}&start=lt{monday + timedelta(days=7)}&status=free"
    paths = [f"/fhir/R4/Slot?schedule=Schedule/{pk}&{week}" for pk in clinicians]
    everyone = f"/fhir/R4/Slot?{week}&_count=200"
    with gunicorn(bench_url) as port:
        wait_until_up(port, token)
        client = Client(port, token)
        try:

            def search(path: str) -> tuple[float, int]:
                started = time.perf_counter()
                status, body = client.request("GET", path)
                took = time.perf_counter() - started
                if status != 200 or body.get("resourceType") != "Bundle":
                    raise RuntimeError(f"{path} answered {status}: {str(body)[:200]}")
                return took, body["total"]

            for n in range(WARM_UP):
                search(paths[n % len(paths)])
            times, totals = [], []
            for n in range(REQUESTS):
                took, total = search(paths[n % len(paths)])
                times.append(took)
                totals.append(total)
            all_times = [search(everyone)[0] for _ in range(ALL_AT_ONCE)]
            all_total = search(everyone)[1]
        finally:
            client.close()
    log(
        f"fhir slots: {sum(totals) / len(totals):.1f} free slots a clinician-week, "
        f"median {p50(times)} ms; all {CLINICIANS} at once: {all_total} slots, "
        f"p95 {p95(all_times)} ms"
    )
    emit(
        "fhir_slot_search_p95_ms",
        p95(times),
        "ms",
        target=TARGET_MS,
        requests=REQUESTS,
        median=p50(times),
        clinicians=len(clinicians),
        free_slots_per_clinician_week=round(sum(totals) / len(totals), 1),
        all_clinicians_p95_ms=p95(all_times),
        all_clinicians_slots=all_total,
    )
