"""The itinerary engine equals a brute-force search, and reads right on hand-made days."""

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations, count
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.cpsat import (
    add_resources,
    make_center,
    make_request,
    make_resource_request,
    solve_day_cpsat,
)
from navigation.engine import (
    ClinicianDay,
    DayCalendar,
    FreeInterval,
    ItineraryOption,
    ItineraryRequest,
    ResourceDay,
    find_consult_slots,
    search_itineraries,
)

SPECIALTIES = ("neurosurgery", "spine_surgery", "radiation_oncology", "neuroradiology")
MONDAY = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def buffer_between(request: ItineraryRequest, a: int, b: int) -> int:
    if a == b:
        return 0
    if (a, b) in request.buffers:
        return request.buffers[(a, b)]
    return request.buffers.get((b, a), request.default_buffer)


def minutes(delta: timedelta) -> int:
    return int(delta.total_seconds()) // 60


def on_grid(moment: datetime, grid: int) -> bool:
    return moment.timestamp() % (grid * 60) == 0


def resource_free(day: DayCalendar, resource: int, place: int, start: datetime, end: datetime):
    return any(
        r.resource_id == resource and f.location_id == place and f.start <= start and end <= f.end
        for r in day.resources
        for f in r.free
    )


def brute_force(request: ItineraryRequest, day: DayCalendar) -> tuple[int, datetime] | None:
    """Least (total wait, finish) over every order, clinician, free interval and grid start;
    a visit fits only when one resource of every group it needs is free over it too."""
    grid = timedelta(minutes=request.grid_minutes)
    best: list[tuple[int, datetime]] = []

    def grid_starts(low: datetime, high: datetime):
        step = request.grid_minutes * 60
        moment = datetime.fromtimestamp(-(-low.timestamp() // step) * step, UTC)
        while moment <= high:
            yield moment
            moment += grid

    def extend(done: list[tuple[str, int, int, datetime, datetime]], wait: int) -> None:
        if len(done) == len(request.specialties):
            best.append((wait, done[-1][4]))
            return
        seen = {spec for spec, *_ in done}
        used = {clinician for _, clinician, *_ in done}
        for spec in request.specialties:
            if spec in seen or any(b == spec and a not in seen for a, b in request.order):
                continue
            length = timedelta(minutes=request.durations[spec])
            for clinician in day.clinicians:
                if clinician.specialty != spec or clinician.clinician_id in used:
                    continue
                for free in clinician.free:
                    low = max(free.start, day.window_start)
                    high = min(free.end, day.window_end) - length
                    if done:
                        travel = buffer_between(request, done[-1][2], free.location_id)
                        ready = done[-1][4] + timedelta(minutes=travel)
                        low = max(low, ready)
                        high = min(high, ready + timedelta(minutes=request.max_total_wait - wait))
                    for start in grid_starts(low, high):
                        if not all(
                            any(
                                resource_free(day, r, free.location_id, start, start + length)
                                for r in group
                            )
                            for group in request.needs.get(spec, ())
                        ):
                            continue
                        gap = minutes(start - ready) if done else 0
                        visit = (
                            spec,
                            clinician.clinician_id,
                            free.location_id,
                            start,
                            start + length,
                        )
                        extend([*done, visit], wait + gap)

    extend([], 0)
    return min(best) if best else None


def assert_valid(option: ItineraryOption, request: ItineraryRequest, day: DayCalendar) -> None:
    visits = option.visits
    assert option.day == day.day
    assert sorted(v.specialty for v in visits) == sorted(request.specialties)
    assert len({v.clinician_id for v in visits}) == len(visits)
    assert visits[0].start >= day.window_start and visits[-1].end <= day.window_end
    for visit in visits:
        assert on_grid(visit.start, request.grid_minutes)
        assert visit.end - visit.start == timedelta(minutes=request.durations[visit.specialty])
        assert any(
            c.clinician_id == visit.clinician_id
            and c.specialty == visit.specialty
            and f.location_id == visit.location_id
            and f.start <= visit.start
            and visit.end <= f.end
            for c in day.clinicians
            for f in c.free
        )
    for visit in visits:
        groups = request.needs.get(visit.specialty, ())
        assert len(visit.resources) == len(groups)
        for group, resource in zip(groups, visit.resources, strict=True):
            assert resource in group
            assert resource_free(day, resource, visit.location_id, visit.start, visit.end)
    wait = 0
    for prev, nxt in zip(visits, visits[1:], strict=False):
        gap = minutes(nxt.start - prev.end) - buffer_between(
            request, prev.location_id, nxt.location_id
        )
        assert gap >= 0
        wait += gap
    assert wait == option.total_wait <= request.max_total_wait
    assert option.finish == visits[-1].end
    position = {v.specialty: i for i, v in enumerate(visits)}
    for before, after in request.order:
        assert visits[position[before]].end <= visits[position[after]].start


@st.composite
def small_centers(draw) -> tuple[ItineraryRequest, list[DayCalendar]]:
    """2-4 specialties, 1-3 clinicians each (ids may repeat across specialties), 1-3 days."""
    specs = draw(st.lists(st.sampled_from(SPECIALTIES), min_size=2, max_size=4, unique=True))
    places = list(range(1, draw(st.integers(1, 3)) + 1))
    buffers = {}
    for a, b in combinations(places, 2):
        minutes = draw(st.none() | st.integers(0, 30))
        if minutes is not None:
            buffers[(a, b) if draw(st.booleans()) else (b, a)] = minutes
    ranked = draw(st.permutations(specs))
    pairs = [(ranked[i], ranked[j]) for i, j in combinations(range(len(ranked)), 2)]
    request = ItineraryRequest(
        specialties=tuple(specs),
        durations={spec: draw(st.integers(10, 60)) for spec in specs},
        max_total_wait=draw(st.integers(0, 90)),
        order=tuple(draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True))),
        buffers=buffers,
        default_buffer=draw(st.integers(0, 20)),
        grid_minutes=draw(st.sampled_from((5, 10, 15))),
        limit=draw(st.integers(1, 3)),
    )
    days = []
    for offset in range(draw(st.integers(1, 3))):
        noon = MONDAY + timedelta(days=offset)
        people = []
        for spec in specs:
            for _ in range(draw(st.integers(1, 3))):
                free = []
                for _ in range(draw(st.integers(1, 3))):
                    start = noon + timedelta(minutes=draw(st.integers(0, 300)))
                    length = timedelta(minutes=draw(st.integers(10, 180)))
                    free.append(FreeInterval(start, start + length, draw(st.sampled_from(places))))
                people.append(ClinicianDay(draw(st.integers(1, 12)), spec, tuple(free)))
        opens = noon + timedelta(minutes=draw(st.integers(0, 120)))
        closes = noon + timedelta(minutes=draw(st.integers(200, 420)))
        days.append(DayCalendar(noon.date(), tuple(people), opens, closes))
    return request, days


@settings(max_examples=300, deadline=None, derandomize=True)
@given(small_centers())
def test_it_finds_the_true_optimum_of_every_day(center):
    request, days = center
    expected = [(day.day, best) for day in days if (best := brute_force(request, day))]
    result = search_itineraries(request, iter(days))
    by_day = {day.day: day for day in days}
    for option in result.options:
        assert_valid(option, request, by_day[option.day])
    found = [(option.day, (option.total_wait, option.finish)) for option in result.options]
    assert found == expected[: request.limit]
    assert (result.reason is None) == (len(found) == request.limit)


MACHINES = (21, 22, 23)
INTERPRETERS = (31, 32)


@st.composite
def resourced_centers(draw) -> tuple[ItineraryRequest, list[DayCalendar]]:
    """Small centers whose visits may need a machine (of a few) and, all of them, an
    interpreter (of two); each resource free in 0-3 pieces a day, at any location."""
    request, days = draw(small_centers())
    interpreter = draw(st.booleans())
    needs = {}
    for spec in request.specialties:
        groups = []
        if draw(st.booleans()):
            groups.append(tuple(draw(st.lists(st.sampled_from(MACHINES), min_size=1, unique=True))))
        if interpreter:
            groups.append(INTERPRETERS)
        if groups:
            needs[spec] = tuple(groups)
    places = sorted({f.location_id for day in days for c in day.clinicians for f in c.free})
    with_resources = []
    for day in days:
        noon = datetime.combine(day.day, time(12), UTC)
        resources = []
        for resource in MACHINES + INTERPRETERS:
            free = []
            for _ in range(draw(st.integers(0, 3))):
                start = noon + timedelta(minutes=draw(st.integers(0, 300)))
                length = timedelta(minutes=draw(st.integers(10, 240)))
                free.append(FreeInterval(start, start + length, draw(st.sampled_from(places))))
            resources.append(ResourceDay(resource, tuple(free)))
        with_resources.append(
            DayCalendar(day.day, day.clinicians, day.window_start, day.window_end, tuple(resources))
        )
    return replace(request, needs=needs), with_resources


@settings(max_examples=200, deadline=None, derandomize=True)
@given(resourced_centers())
def test_it_finds_the_true_optimum_when_visits_need_machines_and_an_interpreter(center):
    request, days = center
    expected = [(day.day, best) for day in days if (best := brute_force(request, day))]
    result = search_itineraries(request, iter(days))
    by_day = {day.day: day for day in days}
    for option in result.options:
        assert_valid(option, request, by_day[option.day])
    found = [(option.day, (option.total_wait, option.finish)) for option in result.options]
    assert found == expected[: request.limit]


def test_it_agrees_with_cp_sat_on_seeded_centers():
    for seed in range(10):
        center = make_center(seed, clinicians=20, weeks=1, booked=0.6)
        rng = random.Random(seed)
        wait = rng.choice((0, 15, 45, 90))
        request = make_request(rng, buffers=center.buffers, max_total_wait=wait, limit=1)
        for day in center.days[:2]:
            result = search_itineraries(request, [day])
            found = [(o.total_wait, o.finish) for o in result.options]
            optimum = solve_day_cpsat(request, day)
            assert found == ([optimum] if optimum else []), (seed, day.day)


def test_it_agrees_with_cp_sat_when_the_mri_needs_a_scanner_and_every_visit_an_interpreter():
    for seed in range(4):
        center = add_resources(make_center(seed, clinicians=20, weeks=1, booked=0.6), seed)
        rng = random.Random(seed)
        request = make_resource_request(rng, buffers=center.buffers, limit=1)
        for day in center.days[:3]:
            result = search_itineraries(request, [day])
            found = [(o.total_wait, o.finish) for o in result.options]
            optimum = solve_day_cpsat(request, day)
            assert found == ([optimum] if optimum else []), (seed, day.day)


# Hand-made days: UTC clock times on Monday 2026-03-09 unless a test says otherwise.

DAY = date(2026, 3, 9)


def at(clock: str, day: date = DAY) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), UTC)


def clinician(cid: int, spec: str, *spans: str, location: int = 1, day: date = DAY):
    """`spans` like "09:00-10:30": the clinician's free time at one location."""
    free = []
    for span in spans:
        start, end = span.split("-")
        free.append(FreeInterval(at(start, day), at(end, day), location))
    return ClinicianDay(cid, spec, tuple(free))


def calendar(*people: ClinicianDay, day: date = DAY, window: str = "07:00-19:00") -> DayCalendar:
    opens, closes = window.split("-")
    return DayCalendar(day, people, at(opens, day), at(closes, day))


def imaging_then_surgeon(**options) -> ItineraryRequest:
    durations = {"neuroradiology": 30, "neurosurgery": 30}
    return ItineraryRequest(("neuroradiology", "neurosurgery"), durations, **options)


def starts(option: ItineraryOption) -> list[tuple[str, str]]:
    return [(v.specialty, v.start.strftime("%H:%M")) for v in option.visits]


def test_it_leaves_the_travel_buffer_between_two_locations():
    day = calendar(
        clinician(1, "neuroradiology", "09:00-10:00", location=1),
        clinician(2, "neurosurgery", "09:00-12:00", location=2),
    )
    request = imaging_then_surgeon(buffers={(2, 1): 20})
    (option,) = search_itineraries(request, [day]).options
    assert starts(option) == [("neuroradiology", "09:00"), ("neurosurgery", "09:50")]
    assert option.total_wait == 0
    assert [v.location_id for v in option.visits] == [1, 2]


def test_it_uses_the_default_buffer_for_an_unlisted_pair_of_locations():
    day = calendar(
        clinician(1, "neuroradiology", "09:00-10:00", location=1),
        clinician(2, "neurosurgery", "09:00-12:00", location=3),
    )
    (option,) = search_itineraries(imaging_then_surgeon(default_buffer=25), [day]).options
    assert starts(option) == [("neuroradiology", "09:00"), ("neurosurgery", "09:55")]


def test_it_sends_the_patient_to_imaging_before_the_surgeon_when_asked():
    day = calendar(
        clinician(1, "neuroradiology", "09:00-14:00"),
        clinician(2, "neurosurgery", "09:00-09:30", "13:00-13:30"),
    )
    (free_order,) = search_itineraries(imaging_then_surgeon(), [day]).options
    assert starts(free_order) == [("neurosurgery", "09:00"), ("neuroradiology", "09:30")]
    ordered = imaging_then_surgeon(order=(("neuroradiology", "neurosurgery"),))
    (option,) = search_itineraries(ordered, [day]).options
    assert starts(option) == [("neuroradiology", "12:30"), ("neurosurgery", "13:00")]


def test_it_slides_the_first_visit_later_rather_than_make_the_patient_wait():
    day = calendar(
        clinician(1, "neuroradiology", "08:00-12:00"),
        clinician(2, "neurosurgery", "11:00-11:30"),
    )
    (option,) = search_itineraries(imaging_then_surgeon(), [day]).options
    assert starts(option) == [("neuroradiology", "10:30"), ("neurosurgery", "11:00")]
    assert option.total_wait == 0


def test_it_slides_earlier_visits_later_only_in_whole_grid_steps():
    """Odd visit lengths: one partial plan ends sooner but can only slide to 2 minutes short
    of the next visit, so it must not hide a plan that ends later on the grid."""
    day = calendar(
        clinician(6, "neuroradiology", "13:21-14:58", location=3),
        clinician(5, "radiation_oncology", "13:00-14:34", location=1),
        clinician(4, "radiation_oncology", "14:15-16:43", location=3),
        clinician(7, "spine_surgery", "15:43-18:11", location=3),
        clinician(1, "neurosurgery", "14:52-16:11", location=2),
        window="13:29-17:19",
    )
    durations = {"neuroradiology": 33, "radiation_oncology": 31, "spine_surgery": 34}
    request = ItineraryRequest(
        specialties=("neuroradiology", "radiation_oncology", "spine_surgery", "neurosurgery"),
        durations={**durations, "neurosurgery": 13},
        max_total_wait=7,
        buffers={(2, 1): 14, (1, 3): 16, (2, 3): 21},
    )
    (option,) = search_itineraries(request, [day]).options
    assert (option.total_wait, option.finish) == (5, at("16:24"))
    assert starts(option) == [
        ("radiation_oncology", "13:30"),
        ("neuroradiology", "14:20"),
        ("neurosurgery", "15:15"),
        ("spine_surgery", "15:50"),
    ]


def test_it_skips_a_day_whose_only_fit_waits_longer_than_the_limit():
    monday = calendar(
        clinician(1, "neuroradiology", "09:00-09:30"),
        clinician(2, "neurosurgery", "11:00-11:30"),
    )
    tuesday = date(2026, 3, 10)
    tuesday_day = calendar(
        clinician(1, "neuroradiology", "09:00-09:30", day=tuesday),
        clinician(2, "neurosurgery", "10:00-10:30", day=tuesday),
        day=tuesday,
    )
    strict = search_itineraries(imaging_then_surgeon(max_total_wait=60), [monday, tuesday_day])
    assert [(o.day, o.total_wait) for o in strict.options] == [(tuesday, 30)]
    relaxed = search_itineraries(imaging_then_surgeon(max_total_wait=90), [monday, tuesday_day])
    assert [(o.day, o.total_wait) for o in relaxed.options] == [(DAY, 90), (tuesday, 30)]


def test_it_keeps_every_visit_inside_the_patients_window():
    people = (
        clinician(1, "neuroradiology", "08:00-17:00"),
        clinician(2, "neurosurgery", "08:00-17:00"),
    )
    (option,) = search_itineraries(
        imaging_then_surgeon(), [calendar(*people, window="13:02-14:10")]
    ).options
    assert starts(option)[0][1] == "13:05"
    assert option.finish == at("14:05")
    narrow = search_itineraries(imaging_then_surgeon(), [calendar(*people, window="13:00-13:50")])
    assert narrow.options == ()
    assert narrow.reason.startswith("No day fits every visit within the 90-minute wait limit")


def test_it_reads_no_more_days_than_it_needs():
    read: list[date] = []

    def endless_days() -> Iterator[DayCalendar]:
        for offset in count():
            day = DAY + timedelta(days=offset)
            read.append(day)
            yield calendar(
                clinician(1, "neuroradiology", "09:00-10:00", day=day),
                clinician(2, "neurosurgery", "09:00-10:00", day=day),
                day=day,
            )

    result = search_itineraries(imaging_then_surgeon(limit=3), endless_days())
    assert [o.day for o in result.options] == read == [DAY + timedelta(days=n) for n in range(3)]
    assert result.reason is None


def test_it_names_the_specialty_that_has_no_free_time():
    days = [
        calendar(clinician(1, "neuroradiology", "09:00-10:00"), day=DAY + timedelta(days=n))
        for n in range(2)
    ]
    result = search_itineraries(imaging_then_surgeon(), days)
    assert result.options == ()
    assert result.missing_specialties == ("neurosurgery",)
    assert result.reason == "No free neurosurgery time between 2026-03-09 and 2026-03-10"


def test_it_says_how_many_days_fit_when_fewer_than_asked():
    day = calendar(
        clinician(1, "neuroradiology", "09:00-10:00"),
        clinician(2, "neurosurgery", "09:00-10:00"),
    )
    result = search_itineraries(imaging_then_surgeon(max_total_wait=30), [day])
    assert len(result.options) == 1
    assert result.reason == (
        "Only 1 day fits every visit within the 30-minute wait limit (on 2026-03-09)"
    )


def test_it_never_gives_one_clinician_two_visits():
    day = calendar(
        clinician(7, "neurosurgery", "09:00-12:00"),
        clinician(7, "spine_surgery", "09:00-12:00"),
        clinician(8, "spine_surgery", "11:00-12:00"),
    )
    durations = {"neurosurgery": 30, "spine_surgery": 30}
    request = ItineraryRequest(("neurosurgery", "spine_surgery"), durations)
    (option,) = search_itineraries(request, [day]).options
    assert [(v.clinician_id, v.start.strftime("%H:%M")) for v in option.visits] == [
        (7, "10:30"),
        (8, "11:00"),
    ]


def test_it_refuses_an_order_that_names_a_specialty_not_requested():
    with pytest.raises(ValueError, match="pathology"):
        search_itineraries(imaging_then_surgeon(order=(("pathology", "neurosurgery"),)), [])


@pytest.mark.parametrize("change", [date(2026, 3, 8), date(2026, 11, 1)])
def test_it_books_local_8am_clinics_at_8am_on_both_sides_of_a_dst_change(change):
    boston = ZoneInfo("America/New_York")

    def local_day(day: date) -> DayCalendar:
        def utc(clock: str) -> datetime:
            return datetime.combine(day, time.fromisoformat(clock), boston).astimezone(UTC)

        free = (FreeInterval(utc("08:00"), utc("12:00"), 1),)
        people = (ClinicianDay(1, "neuroradiology", free), ClinicianDay(2, "neurosurgery", free))
        return DayCalendar(day, people, utc("07:00"), utc("18:00"))

    days = [local_day(change - timedelta(days=1)), local_day(change)]
    result = search_itineraries(imaging_then_surgeon(), days)
    firsts = [option.visits[0].start for option in result.options]
    assert [moment.astimezone(boston).time() for moment in firsts] == [time(8), time(8)]
    assert firsts[1] - firsts[0] == timedelta(hours=23 if change.month == 3 else 25)


def test_it_offers_consult_slots_before_the_deadline_earliest_first():
    people = [
        clinician(1, "neurosurgery", "09:00-10:30"),
        clinician(2, "radiation_oncology", "08:50-09:40", location=2),
        clinician(1, "neurosurgery", "09:00-12:00", day=date(2026, 3, 11)),
    ]
    slots = find_consult_slots(
        clinicians=people, duration=45, not_before=at("08:52"), due_at=at("09:46")
    )
    assert [(s.clinician_id, s.start.strftime("%H:%M"), s.late) for s in slots] == [
        (2, "08:55", False),
        (1, "09:00", False),
        (1, "09:45", False),
    ]
    assert slots[0].end == at("09:40") and slots[0].location_id == 2


def test_it_flags_the_earliest_late_slots_when_the_deadline_cannot_be_met():
    people = [
        clinician(1, "neurosurgery", "09:00-10:00", day=date(2026, 3, 12)),
        clinician(2, "spine_surgery", "13:00-14:00", day=date(2026, 3, 11)),
    ]
    slots = find_consult_slots(
        clinicians=people, duration=60, not_before=at("08:00"), due_at=at("12:00"), limit=5
    )
    assert [(s.clinician_id, s.start, s.late) for s in slots] == [
        (2, at("13:00", date(2026, 3, 11)), True),
        (1, at("09:00", date(2026, 3, 12)), True),
    ]
