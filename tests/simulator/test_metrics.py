"""The report's arithmetic on plain data, no database."""

from dataclasses import replace
from datetime import timedelta

from simulator import metrics
from tests.simulator.conftest import MONDAY, NY, at


def outcome(received, consult, *, urgency="routine", sites="brain"):
    window = timedelta(hours=24 if urgency == "emergency" else 72)
    return metrics.Outcome(
        received_at=received,
        urgency=urgency,
        sites=sites,
        due_at=received + window,
        consult_at=consult,
        consult_specialties=("neurosurgery", "radiation_oncology"),
    )


def test_it_takes_the_median_of_the_two_middle_values_and_the_p90_by_nearest_rank():
    assert metrics.median([1, 2, 3, 4]) == 2.5
    assert metrics.p90(list(range(1, 11))) == 9  # ceil(0.9 * 10) = 9th smallest
    assert metrics.p90(list(range(1, 12))) == 10  # ceil(9.9) = 10th
    assert metrics.p90([]) is None


def test_a_referral_never_booked_is_a_miss_and_not_a_lead_time():
    report = metrics.summarize(
        outcomes=[outcome(at(6, 9), at(7, 9)), outcome(at(6, 10), None)],
        loads=[],
        meetings=[],
        first_day=MONDAY,
        weeks=1,
        zone=NY,
    )
    assert report["within_72h"] == {"hits": 1, "total": 2, "share": 0.5}
    assert report["not_booked"] == 1
    assert report["lead_time_hours"] == {"median": 24.0, "p90": 24.0}


def test_exactly_72_hours_keeps_the_promise_and_a_minute_more_breaks_it():
    kept = outcome(at(6, 9), at(9, 9))
    broken = outcome(at(6, 9), at(9, 9) + timedelta(minutes=1))
    assert kept.within_72h and kept.met_deadline
    assert not broken.within_72h and not broken.met_deadline


def test_the_bottleneck_is_the_fullest_specialty_the_missed_referrals_could_see():
    missed = metrics.Outcome(
        received_at=at(6, 9),
        urgency="routine",
        sites="spine",
        due_at=at(9, 9),
        consult_at=at(13, 9),
        consult_specialties=("spine_surgery", "neurosurgery"),
    )
    neck = metrics.bottleneck(
        [missed], {"spine_surgery": 0.7, "neurosurgery": 0.9, "palliative_care": 0.99}
    )
    assert neck["specialty"] == "neurosurgery"
    assert neck["missed_deadlines"] == 1


def test_a_miss_with_no_clinic_session_in_time_is_called_a_coverage_gap():
    """A Friday-evening emergency due Saturday evening: more weekday capacity cannot help."""
    weekend = replace(outcome(at(10, 19), at(13, 8), urgency="emergency"), session_in_time=False)
    crowded = outcome(at(6, 9), at(13, 9))  # sessions there were, all taken
    neck = metrics.bottleneck([weekend, crowded], {"neurosurgery": 0.9})
    assert neck["missed_deadlines"] == 2 and neck["missed_without_session"] == 1
    assert "1 of the misses had no clinic session at all" in neck["why"]
    assert "missed_without_session" in metrics.bottleneck([crowded], {"neurosurgery": 0.9})
    assert "no clinic session" not in metrics.bottleneck([crowded], {"neurosurgery": 0.9})["why"]


def test_board_figures_count_cases_full_meetings_and_rollovers():
    figures = metrics.board(
        [
            metrics.MeetingLoad(MONDAY, cases=10, capacity=10, rolled_over=3),
            metrics.MeetingLoad(MONDAY + timedelta(weeks=1), cases=6, capacity=10, rolled_over=0),
            metrics.MeetingLoad(MONDAY + timedelta(weeks=2), 0, 10, 0, cancelled=True),
        ]
    )
    assert figures["cases_per_meeting"] == 8.0  # the cancelled meeting is not an average 0
    assert figures["full_meetings"] == 1
    assert figures["rollovers"] == 3
