"""`make bench`: the scheduling core's figures, one JSON object a line on stdout.

1. itinerary_search_p95_ms      the pure engine on the synthetic center (bench/cpsat.py)
   itinerary_search_10x_p95_ms  the same on a center ten times larger, in two zones
   itinerary_vs_cpsat_10x       and its optimum against CP-SAT's there
2. itinerary_search_api_p95_ms  searches with resources (the MRI on a scanner, a Spanish
                                interpreter throughout) through gunicorn and PostgreSQL
   itinerary_search_api_10x_p95_ms  the same on the 10x center in the database, with its
                                60 rooms and machines and 30 interpreters
3. itinerary_vs_cpsat           single days, the engine's optimum against CP-SAT's
   (both again as itinerary_search_resources_p95_ms and itinerary_vs_cpsat_resources:
   the MRI on a scanner first, a Spanish interpreter at every visit)
4. booking_storm                50 navigators race for one visit: exactly one may win
5. bookings_per_s               32 navigators book same-day plans with a scanner and an
                                interpreter (bench/bookings.py), against a trivial GET
6. reminder_fanout_per_s        10,000 texts through real Celery workers (bench/notifications.py)
7. feed_2000_events_ms          a clinician's calendar feed of 2,000 visits
8. fhir_slot_search_p95_ms      a week of free FHIR Slots per clinician (bench/fhir.py)
9. simulate_12_weeks_s          the capacity simulator, 12 weeks at 40 a week (bench/simulate.py)
10. mixed_load                  50 users for 60 s with a Celery worker (bench/load.py), holds
    mixed_load_200              200 users against 4 gunicorn workers
11. hold_expiry_s               1,000 holds expiring at once, freed by the beat (bench/holds.py)
12. metrics_page_p95_ms         the navigation-metrics page on a year of 2,000 patients
                                (bench/metrics.py), last: its data would join the others'

Everything that needs a database runs on a throwaway `<name>_bench` database on the
server of DATABASE_URL, dropped at the start and at the end. Progress goes to stderr.
"""

from __future__ import annotations

import random
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

from bench.common import (
    SEED,
    Client,
    database_reset,
    database_urls,
    django_start,
    emit,
    gunicorn,
    log,
    next_monday,
    overlaps_in_db,
    p50,
    p95,
    together,
    wait_until_up,
)
from bench.cpsat import (
    CLINIC_ZONE,
    FIRST_MONDAY,
    Center,
    add_resources,
    make_center,
    make_request,
    make_resource_request,
    solve_day_cpsat,
)
from navigation import rules
from navigation.engine import ItineraryRequest, SearchResult, search_itineraries

SEARCHES = 200
WARM_UP = 10
ENGINE_RUNS = 3
CPSAT_INSTANCES = 40
STORM_CLIENTS = 50
BOOKING_CLIENTS = 32
BOOKINGS_EACH = 20  # itineraries each, a workday each from BOOKING_FIRST_WEEK on
BOOKING_FIRST_WEEK = 20
STORM_TIMEOUT = 120.0  # losers that PostgreSQL takes for deadlocks wait a second each
# A health system ten times today's center (issue 16), 70% booked like it.
TEN_X = {"clinicians": 400, "locations": 10, "zones": 2, "weeks": 52}
# In the database: from week 30 (after the load figures' weeks), TEN_X_DB_WEEKS of it.
TEN_X_FIRST_WEEK = 30
TEN_X_DB_WEEKS = 8  # 52 weeks take ~10 min to load on 2 shared cores


# --- the pure engine -----------------------------------------------------------------


def _engine_times(center: Center, requests: list[ItineraryRequest]) -> tuple[list, list, int]:
    """Each request's fastest of ENGINE_RUNS, so another process taking the CPU for a
    moment does not become the tail; also the first runs alone, and the options found.
    Times are the process's CPU time: the engine is single-threaded, so on an idle machine
    that is its wall time, and on a shared one others' work does not count in it."""
    for request in requests[:WARM_UP]:
        search_itineraries(request, center.days)
    runs: list[list[float]] = [[] for _ in requests]
    options = 0
    for _ in range(ENGINE_RUNS):
        for n, request in enumerate(requests):
            started = time.process_time()
            result = search_itineraries(request, center.days)
            runs[n].append(time.process_time() - started)
            options += len(result.options)
    return [min(r) for r in runs], [r[0] for r in runs], options // ENGINE_RUNS


def bench_engine(
    center: Center, requests: list[ItineraryRequest], name: str = "itinerary_search_p95_ms"
) -> None:
    times, first, options = _engine_times(center, requests)
    log(f"engine: {len(requests)} searches, {options} options")
    emit(
        name,
        p95(times),
        "ms",
        target=10,
        requests=len(requests),
        median=p50(times),
        first_run=p95(first),
    )


def bench_engine_10x(center: Center, requests: list[ItineraryRequest]) -> None:
    """The engine alone on a health system ten times today's center (TEN_X), against
    today's center measured right before it: the ratio says how the cost grows. Then its
    optimum against CP-SAT's on days of the big center."""
    big = make_center(SEED, **TEN_X)
    rng = random.Random(SEED)
    big_requests = [make_request(rng, buffers=big.buffers) for _ in range(SEARCHES)]
    small, _, _ = _engine_times(center, requests)
    times, first, options = _engine_times(big, big_requests)
    log(f"engine 10x: {len(big_requests)} searches, {options} options")
    emit(
        "itinerary_search_10x_p95_ms",
        p95(times),
        "ms",
        target=15,
        requests=len(big_requests),
        median=p50(times),
        first_run=p95(first),
        baseline=p95(small),
        ratio=round(p95(times) / p95(small), 1),
        clinicians=TEN_X["clinicians"],
        locations=TEN_X["locations"],
        zones=TEN_X["zones"],
        weeks=TEN_X["weeks"],
    )
    bench_cpsat(big, name="itinerary_vs_cpsat_10x")


def bench_cpsat(
    center: Center,
    name: str = "itinerary_vs_cpsat",
    make: Callable = make_request,
    runs: int = 1,
) -> None:
    """Single days solved by both; a match is the same (total wait, finish), or both none.

    Both are timed the same way: once per instance, each in a pass of its own over the
    instances (the engine first), in the process's CPU time (CP-SAT runs with one worker,
    so that is its wall time on an idle machine too, and another process's work counts
    in neither). `ratio` is CP-SAT's time over the engine's. `ratio_interleaved` times the
    engine once more right after each solve, its caches cold from the solver's work.
    With `runs` above 1, `ratio_best` takes each instance's fastest of `runs` engine
    passes (as itinerary_search_p95_ms does) against the same single CP-SAT pass."""
    rng = random.Random(SEED + 1)
    instances = [
        (replace(make(rng, buffers=center.buffers), limit=1), rng.choice(center.days))
        for _ in range(CPSAT_INSTANCES)
    ]
    search_itineraries(instances[0][0], [instances[0][1]])  # warm-up
    took: list[list[float]] = [[] for _ in instances]
    found = []
    for _ in range(runs):
        for n, (request, day) in enumerate(instances):
            started = time.process_time()
            result = search_itineraries(request, [day])
            took[n].append(time.process_time() - started)
            if len(found) < len(instances):
                found.append(
                    (result.options[0].total_wait, result.options[0].finish)
                    if result.options
                    else None
                )
    engine_s = sum(t[0] for t in took)
    best_s = sum(min(t) for t in took)
    cpsat_s = cold_s = 0.0
    solved = matched = waiting = empty = 0
    for n, (request, day) in enumerate(instances):
        started = time.process_time()
        try:
            best = solve_day_cpsat(request, day)
        except RuntimeError as exc:
            log(f"cp-sat: instance {n} unsolved: {exc}")
            continue
        finally:
            cpsat_s += time.process_time() - started
        started = time.process_time()
        search_itineraries(request, [day])
        cold_s += time.process_time() - started
        mine = found[n]
        solved += 1
        matched += mine == best
        waiting += bool(best and best[0])
        empty += best is None
        if mine != best:
            log(f"cp-sat: instance {n} on {day.day}: engine {mine}, CP-SAT {best}")
    log(f"cp-sat: {solved} solved, {waiting} with a wait, {empty} with no itinerary")
    best_of = {"engine_best_s": round(best_s, 4), "ratio_best": round(cpsat_s / best_s, 1)}
    emit(
        name,
        matched,
        "instances",
        instances=solved,
        baseline=round(cpsat_s, 3),
        ratio=round(cpsat_s / engine_s, 1),
        engine_s=round(engine_s, 4),
        ratio_interleaved=round(cpsat_s / cold_s, 1),
        engine_interleaved_s=round(cold_s, 4),
        with_wait=waiting,
        infeasible=empty,
        **(best_of if runs > 1 else {}),
    )


def bench_resources(center: Center) -> None:
    """The same two figures when visits need resources: 4 specialties, the MRI first on
    one of two scanners, a Spanish interpreter (one of three) at every visit."""
    resourced = add_resources(center, SEED)
    rng = random.Random(SEED + 2)
    requests = [make_resource_request(rng, buffers=center.buffers) for _ in range(SEARCHES)]
    bench_engine(resourced, requests, name="itinerary_search_resources_p95_ms")
    bench_cpsat(
        resourced,
        name="itinerary_vs_cpsat_resources",
        make=make_resource_request,
        runs=ENGINE_RUNS,  # the ratio is of single runs; the best of 3 beside it
    )


# --- the throwaway database ----------------------------------------------------------


# --- the server and its clients ------------------------------------------------------


# --- figures through the API ---------------------------------------------------------


def _clock(moment: datetime) -> str:
    return moment.astimezone(CLINIC_ZONE).strftime("%H:%M")


def engine_options(result: SearchResult) -> list:
    return [
        (
            (o.day - FIRST_MONDAY).days,
            o.total_wait,
            [(v.specialty, v.clinician_id, v.location_id, _clock(v.start)) for v in o.visits],
        )
        for o in result.options
    ]


def api_options(answer: dict, loaded) -> list:
    """The API's options in the synthetic center's ids and days, to compare with the engine's."""
    clinicians = {db: synthetic for synthetic, db in loaded.clinicians.items()}
    locations = {db: synthetic for synthetic, db in loaded.locations.items()}
    return [
        (
            (date.fromisoformat(o["day"]) - loaded.first_day).days,
            o["total_wait"],
            [
                (
                    v["specialty"],
                    clinicians[v["clinician"]],
                    locations[v["location"]],
                    _clock(datetime.fromisoformat(v["start"])),
                )
                for v in o["visits"]
            ],
        )
        for o in answer["options"]
    ]


def as_the_service_asks(request: ItineraryRequest, loaded, resources=()) -> ItineraryRequest:
    """The engine request `services.itinerary_search` builds: visit-type lengths, and
    imaging before the surgeons; with `resources` (`center_db.ResourceSpec`s) what
    `visit_needs` adds for the searching patient (a Spanish interpreter at every visit,
    an MRI scanner for neuroradiology's)."""
    from bench import center_db

    needs = center_db.search_needs(request.specialties, resources) if resources else {}
    return replace(
        request,
        durations={spec: loaded.minutes[spec] for spec in request.specialties},
        order=tuple(dict.fromkeys(request.order + rules.default_order(request.specialties))),
        needs=needs,
    )


def bench_api_search(
    port,
    token,
    patient,
    center,
    loaded,
    requests,
    name: str = "itinerary_search_api_p95_ms",
    target: float = 25,
    baseline: float | None = None,
    resources=(),
) -> float:
    """Searches through the API, each answer checked against the engine's on the
    synthetic center (with `resources`, `center_db.ResourceSpec`s, its days carrying
    theirs); returns the p95 (ms). With `baseline` (another center's p95 measured just
    before) the figure carries the ratio of the two."""
    last = loaded.first_day + (center.days[-1].day - FIRST_MONDAY)

    def body(request: ItineraryRequest) -> dict:
        return {
            "patient": patient,
            "specialties": list(request.specialties),
            "order": [list(pair) for pair in request.order],
            "date_from": loaded.first_day.isoformat(),
            "date_to": last.isoformat(),
            "max_total_wait": request.max_total_wait,
            "limit": request.limit,
        }

    client = Client(port, token)
    path = "/api/v1/itineraries/search/"
    try:
        warm = random.Random(SEED + 2)
        for _ in range(WARM_UP):
            client.request("POST", path, body(make_resource_request(warm, buffers=center.buffers)))
        times, answers = [], []
        for request in requests:
            started = time.perf_counter()
            status, answer = client.request("POST", path, body(request))
            times.append(time.perf_counter() - started)
            answers.append((status, answer))
    finally:
        client.close()
    errors = agree = 0
    for request, (status, answer) in zip(requests, answers, strict=True):
        if status != 200:
            errors += 1
            log(f"api search answered {status}: {answer}")
            continue
        expected = engine_options(
            search_itineraries(as_the_service_asks(request, loaded, resources), center.days)
        )
        got = api_options(answer, loaded)
        agree += got == expected
        if got != expected:
            log(f"api search disagrees on {request}:\n  api {got}\n  engine {expected}")
    log(f"api search: median {p50(times)} ms, {agree} of {len(requests)} agree with the engine")
    compared = {} if baseline is None else {"baseline": baseline}
    if baseline:
        compared["ratio"] = round(p95(times) / baseline, 2)
    emit(
        name,
        p95(times),
        "ms",
        target=target,
        requests=len(requests),
        median=p50(times),
        errors=errors,
        agree_with_engine=agree,
        resources=len(resources),
        **compared,
    )
    return p95(times)


def bench_storm(port, tokens, patients, clinician: int, start: datetime) -> None:
    visit = {"clinician": clinician, "start": start.isoformat()}
    calls = [[("POST", "/api/v1/appointments/", {"patient": p, **visit})] for p in patients]
    statuses, seconds = together(port, tokens, calls, STORM_TIMEOUT)
    won, lost = statuses.count(201), statuses.count(409)
    others = [s for s in statuses if s not in (201, 409)]
    log(f"storm: {len(statuses)} answers in {seconds:.2f} s; other answers {others}")
    emit(
        "booking_storm",
        won,
        "bookings",
        clients=len(calls),
        conflicts=lost,
        other=len(others),
        overlaps_in_db=overlaps_in_db(),
    )


def bench_server(center: Center, requests: list[ItineraryRequest], bench_url: str) -> None:
    from bench import bookings, center_db
    from navigation.models import Clinician, Resource, VisitType
    from patients.models import Patient

    started = time.perf_counter()
    # The rooms, machines and interpreters of bench_resources' center, in the database too.
    center = add_resources(center, SEED)
    loaded = center_db.center_load(
        center=center, first_day=next_monday(), resources=center_db.SMALL_RESOURCES
    )
    tokens = center_db.navigators_create(count=STORM_CLIENTS)
    searcher = center_db.patients_create(prefix="search", count=1)[0]
    Patient.objects.filter(pk=searcher).update(interpreter_language="es")
    racers = center_db.patients_create(prefix="storm", count=STORM_CLIENTS)
    log(
        f"loaded {loaded.appointments} appointments for {loaded.patients} patients from "
        f"{loaded.first_day} in {time.perf_counter() - started:.1f} s"
    )
    ids = sorted(loaded.clinicians)

    def starts(clinician: int, count: int) -> list[datetime]:
        minutes = loaded.minutes[loaded.specialties[clinician]]
        return center_db.visit_starts(
            center=center, loaded=loaded, clinician=clinician, minutes=minutes, count=count
        )

    storm_at = starts(ids[0], 1)[0]
    from bench import board as board_bench
    from bench import web as web_bench

    loaded_board = board_bench.board_load()
    queue_session = web_bench.queue_load()
    started = time.perf_counter()
    big, big_resources = center_db.system_resources(
        make_center(SEED, **{**TEN_X, "weeks": TEN_X_DB_WEEKS}), SEED
    )
    big_loaded = center_db.center_load(
        center=big,
        first_day=next_monday() + timedelta(weeks=TEN_X_FIRST_WEEK),
        prefix="ten",
        resources=big_resources,
    )
    # Searches with resources, as bench_resources': the MRI first, an interpreter throughout.
    rng = random.Random(SEED + 2)
    small_requests = [make_resource_request(rng, buffers=center.buffers) for _ in requests]
    rng = random.Random(SEED)
    big_requests = [make_resource_request(rng, buffers=big.buffers) for _ in range(SEARCHES)]
    log(
        f"loaded the 10x center: {big_loaded.appointments} appointments from "
        f"{big_loaded.first_day} in {time.perf_counter() - started:.1f} s"
    )
    with gunicorn(bench_url) as port:
        wait_until_up(port, tokens[0])
        log(f"gunicorn up on 127.0.0.1:{port}")
        # Today's center is searched as it is alone, then the big one beside it; the
        # MRI visit needs a scanner only while they run (later figures book single visits).
        big_clinicians = Clinician.objects.filter(pk__in=big_loaded.clinicians.values())
        big_machines = Resource.objects.filter(pk__in=big_loaded.resources.values())
        mri = VisitType.objects.filter(specialty="neuroradiology", new_patient=True)
        mri.update(needs=["mri"])
        big_clinicians.update(active=False)
        big_machines.update(active=False)
        small = bench_api_search(
            *(port, tokens[0], searcher, center, loaded, small_requests),
            resources=center_db.SMALL_RESOURCES,
        )
        big_clinicians.update(active=True)
        big_machines.update(active=True)
        bench_api_search(
            *(port, tokens[0], searcher, big, big_loaded, big_requests),
            name="itinerary_search_api_10x_p95_ms",
            target=40,
            baseline=small,
            resources=big_resources,
        )
        # Later figures search centers of their own: the big one's clinicians retire, and
        # both centers' rooms, machines and interpreters.
        big_clinicians.update(active=False)
        big_machines.update(active=False)
        Resource.objects.filter(pk__in=loaded.resources.values()).update(active=False)
        mri.update(needs=[])
        bench_storm(port, tokens, racers, loaded.clinicians[ids[0]], storm_at)
        # Its MRI visit type needs a scanner: made after the figures above, retired after.
        clients = bookings.clients_create(
            count=BOOKING_CLIENTS,
            plans_each=BOOKINGS_EACH,
            first_day=next_monday() + timedelta(weeks=BOOKING_FIRST_WEEK),
        )
        try:
            bookings.bench_bookings(port, tokens[:BOOKING_CLIENTS], clients)
        finally:
            bookings.retire(clients)
        emit(
            **board_bench.bench_agenda(
                f"http://127.0.0.1:{port}", loaded_board.token, loaded_board.meeting_id
            )
        )
        emit(**web_bench.bench_queue(port, queue_session))


def main() -> int:
    # `embedded run` passes SIGTERM on; exiting through the finally blocks stops the
    # server and drops the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    center = make_center(SEED)
    rng = random.Random(SEED)
    requests = [make_request(rng, buffers=center.buffers) for _ in range(SEARCHES)]
    bench_engine(center, requests)
    bench_engine_10x(center, requests)
    bench_cpsat(center)
    # At 70% booked every optimum has zero wait; a 90%-booked center checks the engine's
    # wait logic against the solver too.
    bench_cpsat(make_center(SEED, booked=0.9), name="itinerary_vs_cpsat_90pct_booked")
    bench_resources(center)
    admin_url, bench_url, name = database_urls()
    database_reset(admin_url, name, create=True)
    log(f"database {name}: dropped and created")
    try:
        django_start(bench_url)
        from bench import fhir, holds, interop, load, metrics, notifications, simulate

        # First, while the outbox holds only its own rows.
        notifications.bench_reminder_fanout(bench_url)
        holds.bench_hold_expiry(bench_url)
        bench_server(center, requests, bench_url)
        notifications.bench_feed(bench_url)
        simulate.bench_simulate(bench_url)
        fhir.bench_slot_search(bench_url)
        load.bench_mixed_load(bench_url)
        load.bench_mixed_load(bench_url, load.MIX_200)
        interop.bench_fhir_find(bench_url)
        interop.bench_siu(bench_url)
        metrics.bench_metrics(bench_url)
    finally:
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        database_reset(admin_url, name, create=False)
        log(f"database {name}: dropped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
