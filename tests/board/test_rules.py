"""The board's pure rules: meeting dates, quorum, agenda order and rollover, readiness,
the follow-up interval, and the NOMS picture. No database."""

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest

from board import noms, rules
from patients import clinical

T0 = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)


def entry(n: int, urgency: str, minutes: int = 0) -> rules.Entry:
    return rules.Entry(n, urgency, T0 + timedelta(minutes=minutes))


def test_it_lists_every_tuesday_of_the_next_eight_weeks():
    dates = rules.meeting_dates(weekday=1, first=date(2026, 3, 5), last=date(2026, 4, 30))
    assert dates[0] == date(2026, 3, 10)
    assert len(dates) == 8
    assert all(d.weekday() == 1 for d in dates)


def test_it_keeps_the_wall_clock_across_dst_and_counts_the_cutoff_in_real_hours():
    start, end, cutoff = rules.meeting_times(
        day=date(2026, 3, 10),
        start=time(7),
        end=time(8, 30),
        time_zone="America/New_York",
        cutoff_hours=48,
    )
    assert start == datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # 07:00 EDT
    assert end - start == timedelta(minutes=90)
    assert start - cutoff == timedelta(hours=48)  # 07:00 EDT Sunday, after the change


def test_it_is_quorate_only_with_every_required_group():
    full = [
        "spine_surgery",
        "radiation_oncology",
        "medical_oncology",
        "neuroradiology",
        "pathology",
    ]
    assert rules.quorum(present=full, required=rules.DEFAULT_QUORUM).quorate
    short = rules.quorum(present=full[1:], required=rules.DEFAULT_QUORUM)
    assert not short.quorate
    assert short.missing == ("neurosurgery or spine surgery",)


def test_a_configured_quorum_can_ask_for_other_specialties():
    required = [["neurosurgery"], ["palliative_care"]]
    assert rules.quorum(present=["neurosurgery"], required=required).missing == ("palliative care",)


def test_it_orders_emergency_then_urgent_then_routine_then_by_submission():
    ordered = rules.agenda_order(
        [
            entry(1, "routine", 0),
            entry(2, "urgent", 5),
            entry(3, "emergency", 9),
            entry(4, "urgent", 1),
        ]
    )
    assert [e.case_id for e in ordered] == [3, 4, 2, 1]


def test_it_rolls_over_the_last_routine_cases_only():
    entries = [entry(1, "routine", 0), entry(2, "routine", 1), entry(3, "emergency", 2)]
    entries += [entry(4, "urgent", 3), entry(5, "routine", 4)]
    assert [e.case_id for e in rules.overflow(entries, 3)] == [2, 5]
    assert rules.overflow(entries, 5) == []


def test_emergencies_beyond_capacity_stay_and_every_routine_case_rolls():
    entries = [entry(1, "emergency"), entry(2, "urgent"), entry(3, "routine")]
    assert [e.case_id for e in rules.overflow(entries, 1)] == [3]


def test_time_boxes_follow_each_other():
    boxes = rules.time_boxes(start=T0, count=3, minutes=8)
    assert boxes[2] == (T0 + timedelta(minutes=16), T0 + timedelta(minutes=24))
    assert rules.capacity_of(start=time(7), end=time(8, 30), minutes_per_case=8) == 11


@pytest.mark.parametrize(
    ("available", "reviewed", "pathology", "ready"),
    [
        (True, True, "confirmed", True),
        (True, True, "waived", True),
        (True, False, "confirmed", False),
        (False, False, "confirmed", False),
        (True, True, "pending", False),
    ],
)
def test_a_case_is_ready_with_imaging_reviewed_and_pathology_settled(
    available, reviewed, pathology, ready
):
    result = rules.readiness(
        imaging_available=available, imaging_reviewed=reviewed, pathology=pathology
    )
    assert result[0] is ready
    assert bool(result[1]) is not ready


@pytest.mark.parametrize(
    ("activity", "weeks"),
    [
        ("new_therapy", 6),
        ("active", 6),
        ("pseudoprogression", 6),
        ("responding", 8),
        ("post_srs", 8),
        ("stable", 12),
    ],
)
def test_the_interval_comes_from_disease_activity(activity, weeks):
    assert rules.interval_weeks(activity) == weeks
    low, high = rules.INTERVALS[activity]
    assert 6 <= low <= weeks <= high <= 16


def test_two_stable_scans_in_a_row_lengthen_the_interval():
    activity, stable = rules.activity_after_scan(
        result="stable", current="new_therapy", stable_scans=0
    )
    assert (activity, stable) == ("responding", 1)
    activity, stable = rules.activity_after_scan(result="stable", current=activity, stable_scans=1)
    assert (activity, stable) == ("stable", 2)
    assert rules.activity_after_scan(result="progression", current=activity, stable_scans=2) == (
        "active",
        0,
    )


def test_due_dates_cross_months_by_the_calendar():
    assert rules.next_due(since=date(2026, 1, 20), weeks=8) == date(2026, 3, 17)
    assert rules.next_due(since=date(2026, 10, 27), weeks=16) == date(2027, 2, 16)


@pytest.mark.parametrize(
    ("primary", "histology", "expected"),
    [
        ("lymphoma", "", noms.RADIOSENSITIVE),
        ("breast", "", noms.MODERATELY),
        ("kidney", "", noms.RADIORESISTANT),
        ("lung", "", noms.UNKNOWN),
        ("lung", "small_cell_lung", noms.MODERATELY),
        ("lung", "non_small_cell_lung", noms.RADIORESISTANT),
        ("other_unknown", "seminoma", noms.RADIOSENSITIVE),
    ],
)
def test_radiosensitivity_follows_the_histology_table(primary, histology, expected):
    assert noms.radiosensitivity(primary_cancer=primary, histology=histology) == expected


def referral(**fields):
    """A stand-in with a referral's NOMS inputs; scores come from patients.clinical."""
    base = {
        "sites": "spine",
        "primary_cancer": "kidney",
        "bilsky_grade": "2",
        "neuro_status": "intact",
        "frankel_grade": "E",
        "sins_pain": "mechanical",
        "ecog": 1,
        "karnofsky": 80,
    }
    base.update(fields)
    sins = clinical.Score(9, "potentially unstable")
    tokuhashi = clinical.Score(10, "6 months or more")
    picture = clinical.ClinicalPicture(sites=base["sites"], neuro_status=base["neuro_status"])
    return SimpleNamespace(
        **base,
        sins=lambda: sins,
        tokuhashi=lambda: tokuhashi,
        clinical_picture=lambda: picture,
    )


def test_noms_points_a_radioresistant_high_grade_unstable_case_to_surgery_then_srs():
    picture = noms.noms_of(referral())
    assert picture.neurologic["high_grade_compression"] is True
    assert picture.mechanical["sins"] == 9
    assert picture.systemic["expected_survival"] == "6 months or more"
    assert picture.suggestion == (
        "Mechanical instability: stabilization, whatever the rest.",
        "Radioresistant with high-grade compression: separation surgery, then SRS.",
    )


def test_noms_sends_a_radiosensitive_case_to_conventional_radiation_whatever_the_grade():
    picture = noms.noms_of(referral(primary_cancer="myeloma", sins_pain="none", karnofsky=40))
    assert "Radiosensitive: conventional radiation" in picture.suggestion[1]
    assert picture.suggestion[-1] == "Poor performance status: can the patient tolerate treatment?"
