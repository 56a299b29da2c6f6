"""The simulator's counts against a scenario counted by hand, through the real services.

Dr. Solo's slots in the two weeks: Tue 7 and Thu 9, Tue 14 and Thu 16 April, each at
09:00 and 10:00. The referrals, in arrival order, and the consult each gets:

  R1 routine  Mon 6 09:00 -> Tue 7 09:00    24 h  within 72 h
  R2 routine  Mon 6 10:00 -> Tue 7 10:00    24 h  within 72 h
  R3 routine  Mon 6 11:00 -> Thu 9 09:00    70 h  within 72 h
  R4 routine  Mon 6 12:00 -> Thu 9 10:00    70 h  within 72 h
  R5 routine  Mon 6 13:00 -> Tue 14 09:00  188 h  late: nothing free before Thu 9 13:00
  R6 EMERGENCY Wed 8 08:00 -> Tue 14 10:00  146 h  late: due Thu 9 08:00, no slot
  R7 routine  Mon 13 12:00 (spine) -> Thu 16 09:00  69 h  within 72 h

Within 72 h: 5 of 7. Emergencies within 24 h: 0 of 1. Lead times sorted: 24, 24, 69,
70, 70, 146, 188: median 70, p90 the 7th (ceil 6.3) = 188. Utilization: 7 one-hour
consults in 8 open hours = 87.5%.
"""

import pytest

from simulator.runner import Scenario, simulate
from simulator.stream import PICTURES, SyntheticReferral
from tests.simulator.conftest import MONDAY, at

pytestmark = pytest.mark.django_db

HAND = [
    ("routine", "brain", at(6, 9)),
    ("routine", "brain", at(6, 10)),
    ("routine", "brain", at(6, 11)),
    ("routine", "brain", at(6, 12)),
    ("routine", "brain", at(6, 13)),
    ("emergency", "brain", at(8, 8)),
    ("routine", "spine", at(13, 12)),
]


def hand_stream():
    return [
        SyntheticReferral(i, received, urgency, sites, "breast", dict(PICTURES[urgency, sites]))
        for i, (urgency, sites, received) in enumerate(HAND)
    ]


SCENARIO = Scenario(first_day=MONDAY, weeks=2, board_share=0, itineraries=False)


@pytest.fixture
def report(solo):
    return simulate(SCENARIO, stream=hand_stream())


def test_it_counts_who_is_seen_within_72_hours(report):
    assert report["referrals"] == 7
    assert report["within_72h"] == {"hits": 5, "total": 7, "share": round(5 / 7, 4)}
    assert report["within_72h_by_site"]["brain"]["hits"] == 4
    assert report["within_72h_by_site"]["spine"] == {"hits": 1, "total": 1, "share": 1.0}
    assert report["not_booked"] == 0


def test_the_emergency_with_no_slot_in_24_hours_is_counted_a_miss(report):
    assert report["emergencies_within_24h"] == {"hits": 0, "total": 1, "share": 0.0}
    assert report["deadline_met_by_urgency"]["emergency"]["hits"] == 0
    assert report["deadline_met"]["hits"] == 5
    # R5 arrived on Monday, the emergency on Wednesday.
    assert {d: n for d, n in report["missed_by_weekday"].items() if n} == {"Mon": 1, "Wed": 1}


def test_it_reports_the_median_and_90th_percentile_lead_times(report):
    assert report["lead_time_hours"] == {"median": 70.0, "p90": 188.0}
    histogram = {b["label"]: b["count"] for b in report["lead_time_histogram"]}
    assert histogram["0-24 h"] == 0 and histogram["24-48 h"] == 2
    assert histogram["48-72 h"] == 3 and histogram["120-168 h"] == 1
    assert histogram["168 h or more"] == 1


def test_it_measures_the_surgeon_s_utilization_and_names_the_bottleneck(report):
    [solo] = report["utilization"]["by_clinician"]
    assert (solo["booked_hours"], solo["open_hours"], solo["share"]) == (7.0, 8.0, 0.875)
    assert report["utilization"]["by_specialty"] == {"neurosurgery": 0.875}
    assert report["bottleneck"]["specialty"] == "neurosurgery"
    assert report["bottleneck"]["missed_deadlines"] == 2


def test_a_wednesday_session_keeps_the_promise_for_all_but_not_the_emergency_s_24_hours(solo):
    from simulator.whatif import parse_session

    more = Scenario(
        first_day=MONDAY,
        weeks=2,
        board_share=0,
        itineraries=False,
        add_sessions=(parse_session("Dr. Solo:wed:09:00-11:00"),),
    )
    report = simulate(more, stream=hand_stream())
    # First come, first served: R3 and R4 take Wednesday's slots (46 h), R5 Thu 9 09:00
    # (68 h), and the emergency, arriving Wed 8 08:00, Thu 9 10:00: 26 h, a day too late.
    assert report["within_72h"]["hits"] == 7
    assert report["emergencies_within_24h"] == {"hits": 0, "total": 1, "share": 0.0}
    assert report["lead_time_hours"]["p90"] == 68.0
    assert report["utilization"]["by_clinician"][0]["open_hours"] == 12.0
