"""The drawing helpers: an option's day and the day view's grid, without a database."""

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from navigation.engine import ItineraryOption, Visit
from web.timeline import day_grid, option_timeline

NY = ZoneInfo("America/New_York")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=NY)


def test_it_draws_the_walk_first_then_the_wait_between_two_places():
    option = ItineraryOption(
        date(2026, 3, 2),
        (
            Visit("neurosurgery", 1, 10, at(8), at(9)),
            Visit("palliative_care", 2, 20, at(9, 40), at(10, 25)),
        ),
        total_wait=25,
        finish=at(10, 25),
    )
    timeline = option_timeline(
        option,
        clinicians={1: SimpleNamespace(name="Dr. A"), 2: SimpleNamespace(name="Dr. B")},
        places={10: "Tower", 20: "Pavilion"},
        buffers={(10, 20): 15},
        zone=NY,
    )
    kinds = [(s.kind, s.minutes) for s in timeline.segments]
    assert kinds == [("visit", 60), ("walk", 15), ("wait", 25), ("visit", 45)]
    assert timeline.walk_minutes == 15
    walk = timeline.segments[1]
    assert walk.place == "Pavilion"
    assert (round(walk.left, 2), round(walk.width, 2)) == (33.33, 8.33)
    assert [label for _, label in timeline.ticks] == ["08:00", "09:00", "10:00", "11:00"]


def test_visits_in_one_place_have_no_walk():
    option = ItineraryOption(
        date(2026, 3, 2),
        (Visit("a", 1, 10, at(8), at(9)), Visit("b", 2, 10, at(9), at(9, 30))),
        total_wait=0,
        finish=at(9, 30),
    )
    timeline = option_timeline(option, clinicians={}, places={}, buffers={}, zone=NY)
    assert [s.kind for s in timeline.segments] == ["visit", "visit"]


def test_the_day_grid_places_blocks_on_five_minute_rows_from_the_first_hour():
    nora = SimpleNamespace(pk=1)
    idle = SimpleNamespace(pk=2)
    visit = SimpleNamespace(clinician_id=1, start=at(9), end=at(10), override=False)
    grid = day_grid(
        day=date(2026, 3, 2),
        zone=NY,
        clinicians=[nora, idle],
        free={1: [(at(6, 30), at(9))]},
        booked=[visit],
        off=[],
    )
    assert (grid.first_hour, grid.last_hour) == (6, 18)
    assert [c.clinician for c in grid.columns] == [nora]
    free, booked = grid.columns[0].blocks
    assert (free.kind, free.row, free.rows) == ("free", 2 + 6, 30)
    assert (booked.kind, booked.row, booked.rows) == ("visit", 2 + 36, 12)
    assert grid.hours[0] == (2, "06:00")
