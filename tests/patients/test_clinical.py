"""Triage and the clinical scores, at their edges, with fixed aware datetimes."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from patients import clinical
from patients.clinical import ClinicalPicture, sins, sla_status, tokuhashi, triage

NY = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")


def test_it_scores_sins_at_the_category_edges():
    assert sins(
        location="rigid",
        pain="none",
        lesion="blastic",
        alignment="normal",
        collapse="none",
        posterolateral="none",
    ) == clinical.Score(0, "stable")
    six = sins(
        location="junctional",
        pain="mechanical",
        lesion="blastic",
        alignment="normal",
        collapse="none",
        posterolateral="none",
    )
    assert six == clinical.Score(6, "stable")
    seven = sins(
        location="junctional",
        pain="mechanical",
        lesion="blastic",
        alignment="normal",
        collapse="none",
        posterolateral="unilateral",
    )
    assert seven == clinical.Score(7, "potentially unstable")
    twelve = sins(
        location="junctional",
        pain="mechanical",
        lesion="lytic",
        alignment="deformity",
        collapse="none_over_50_involved",
        posterolateral="unilateral",
    )
    assert twelve == clinical.Score(12, "potentially unstable")
    thirteen = sins(
        location="junctional",
        pain="mechanical",
        lesion="lytic",
        alignment="deformity",
        collapse="under_50",
        posterolateral="unilateral",
    )
    assert thirteen == clinical.Score(13, "unstable")
    top = sins(
        location="junctional",
        pain="mechanical",
        lesion="lytic",
        alignment="subluxation",
        collapse="over_50",
        posterolateral="bilateral",
    )
    assert top == clinical.Score(18, "unstable")


def test_it_gives_no_sins_until_every_component_is_known():
    assert clinical.sins_from({"sins_location": "mobile"}) is None


def test_it_bands_the_revised_tokuhashi_score():
    worst = tokuhashi(
        karnofsky=40,
        extraspinal_bone_mets=3,
        vertebral_mets=3,
        visceral_mets="unremovable",
        primary_cancer="lung",
        frankel="A",
    )
    assert worst == clinical.Score(0, "under 6 months")
    best = tokuhashi(
        karnofsky=90,
        extraspinal_bone_mets=0,
        vertebral_mets=1,
        visceral_mets="none",
        primary_cancer="breast",
        frankel="E",
    )
    assert best == clinical.Score(15, "a year or more")
    # KPS 70 (1) + 1-2 extraspinal (1) + 2 vertebral (1) + removable (1) + kidney (3) + C (1) = 8
    eight = tokuhashi(
        karnofsky=70,
        extraspinal_bone_mets=2,
        vertebral_mets=2,
        visceral_mets="removable",
        primary_cancer="kidney",
        frankel="C",
    )
    assert eight == clinical.Score(8, "under 6 months")
    nine = tokuhashi(
        karnofsky=80,
        extraspinal_bone_mets=2,
        vertebral_mets=2,
        visceral_mets="removable",
        primary_cancer="kidney",
        frankel="C",
    )
    assert nine == clinical.Score(9, "6 months or more")
    eleven = tokuhashi(
        karnofsky=80,
        extraspinal_bone_mets=0,
        vertebral_mets=1,
        visceral_mets="removable",
        primary_cancer="kidney",
        frankel="D",
    )
    assert eleven == clinical.Score(11, "6 months or more")
    twelve = tokuhashi(
        karnofsky=80,
        extraspinal_bone_mets=0,
        vertebral_mets=1,
        visceral_mets="removable",
        primary_cancer="kidney",
        frankel="E",
    )
    assert twelve == clinical.Score(12, "a year or more")


@pytest.mark.parametrize(
    ("picture", "urgency", "reason_word"),
    [
        (
            ClinicalPicture(sites="spine", neuro_status="progressing_deficit"),
            "emergency",
            "deficit",
        ),
        (ClinicalPicture(sites="spine", bladder_bowel_dysfunction=True), "emergency", "deficit"),
        (ClinicalPicture(sites="spine", suspected_mescc=True), "emergency", "compression"),
        (ClinicalPicture(sites="spine", bilsky_grade="2", pain_score=3), "emergency", "Bilsky 2"),
        (ClinicalPicture(sites="spine", bilsky_grade="3", pain_score=0), "routine", "no red flag"),
        (
            ClinicalPicture(sites="spine", sins_score=13, sins_pain="mechanical", pain_score=7),
            "emergency",
            "SINS 13",
        ),
        (
            ClinicalPicture(sites="spine", sins_score=13, sins_pain="mechanical", pain_score=6),
            "urgent",
            "mechanical",
        ),
        (ClinicalPicture(sites="spine", sins_score=7, sins_pain="none"), "urgent", "SINS 7"),
        (ClinicalPicture(sites="spine", sins_score=6, sins_pain="occasional"), "routine", "72"),
        (ClinicalPicture(sites="brain", hydrocephalus=True), "emergency", "hydrocephalus"),
        (ClinicalPicture(sites="both", uncontrolled_seizures=True), "emergency", "seizures"),
        (ClinicalPicture(sites="brain", mass_effect=True), "emergency", "mass effect"),
        (ClinicalPicture(sites="brain", brain_symptomatic=True), "urgent", "brain"),
        (ClinicalPicture(sites="spine", brain_symptomatic=True), "routine", "no red flag"),
        (ClinicalPicture(sites="brain"), "routine", "no red flag"),
    ],
)
def test_it_computes_urgency_and_names_the_red_flag(picture, urgency, reason_word):
    result = triage(picture, received_at=datetime(2026, 6, 1, 9, 0, tzinfo=NY))
    assert result.urgency == urgency
    assert reason_word in result.reason


def test_it_fixes_urgency_on_the_sins_value_when_the_score_is_partial():
    # "bilsky 1c, pain 5" with no SINS is routine: pain alone is not mechanical pain.
    result = triage(
        ClinicalPicture(sites="spine", bilsky_grade="1c", pain_score=5),
        received_at=datetime(2026, 6, 1, 9, tzinfo=NY),
    )
    assert result.urgency == "routine"


def test_it_gives_every_routine_referral_exactly_72_real_hours():
    received = datetime(2026, 6, 1, 9, 30, tzinfo=NY)
    assert triage(ClinicalPicture(sites="brain"), received_at=received).consult_due_at == (
        received + timedelta(hours=72)
    )


def test_it_gives_emergencies_24_hours():
    received = datetime(2026, 6, 1, 23, 59, tzinfo=NY)
    due = triage(ClinicalPicture(sites="spine", suspected_mescc=True), received_at=received)
    assert due.consult_due_at == datetime(2026, 6, 2, 23, 59, tzinfo=NY)


def test_it_counts_real_hours_across_the_march_dst_change():
    # Friday 6 March 2026, 17:30 EST; clocks spring forward on Sunday 8 March at 02:00.
    received = datetime(2026, 3, 6, 17, 30, tzinfo=NY)
    due = triage(ClinicalPicture(sites="brain"), received_at=received).consult_due_at
    assert due.astimezone(NY) == datetime(2026, 3, 9, 18, 30, tzinfo=NY)  # wall clock +1 h
    assert due.astimezone(UTC) - received.astimezone(UTC) == timedelta(hours=72)


def test_it_counts_real_hours_across_the_november_dst_change():
    # Friday 30 October 2026, 17:30 EDT; clocks fall back on Sunday 1 November at 02:00.
    received = datetime(2026, 10, 30, 17, 30, tzinfo=NY)
    due = triage(ClinicalPicture(sites="brain"), received_at=received).consult_due_at
    assert due.astimezone(NY) == datetime(2026, 11, 2, 16, 30, tzinfo=NY)  # wall clock -1 h
    assert due.astimezone(UTC) - received.astimezone(UTC) == timedelta(hours=72)


def test_it_runs_the_clock_through_a_friday_evening_weekend():
    received = datetime(2026, 6, 5, 18, 45, tzinfo=NY)  # a Friday
    due = triage(ClinicalPicture(sites="spine", pain_score=2), received_at=received)
    assert due.consult_due_at.astimezone(NY) == datetime(2026, 6, 8, 18, 45, tzinfo=NY)  # Monday


def test_it_refuses_a_naive_receipt_time():
    with pytest.raises(ValueError):
        triage(ClinicalPicture(sites="brain"), received_at=datetime(2026, 6, 1, 9))  # noqa: DTZ001


DUE = datetime(2026, 6, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "consult_at", "expected"),
    [
        (DUE - timedelta(hours=24), None, "on_track"),
        (DUE - timedelta(hours=23, minutes=59), None, "at_risk"),
        (DUE - timedelta(seconds=1), None, "at_risk"),
        (DUE, None, "breached"),
        (DUE - timedelta(hours=30), DUE, "met"),
        (DUE + timedelta(days=3), DUE - timedelta(hours=1), "met"),
        (DUE - timedelta(hours=30), DUE + timedelta(minutes=5), "at_risk"),
        (DUE + timedelta(minutes=1), DUE + timedelta(minutes=5), "breached"),
    ],
)
def test_it_tells_met_at_risk_and_breached(now, consult_at, expected):
    received = DUE - timedelta(hours=72)
    assert sla_status(received_at=received, due_at=DUE, now=now, consult_at=consult_at) == expected


@pytest.mark.parametrize(
    ("hours_left", "expected"),
    [(8, "on_track"), (7.99, "at_risk"), (0.01, "at_risk")],
)
def test_an_emergency_turns_at_risk_with_a_third_of_its_24_hours_left(hours_left, expected):
    """PRODUCT.md, "Rules settled": 8 h of an emergency's 24, not the 72-hour rule's 24 h
    (which made every new emergency "at risk" at once)."""
    received = DUE - timedelta(hours=24)
    now = DUE - timedelta(hours=hours_left)
    assert sla_status(received_at=received, due_at=DUE, now=now, consult_at=None) == expected


def test_a_new_emergency_is_on_track_in_sql_and_in_python_alike(db, alice):
    from patients.models import Referral
    from patients.services import referral_create

    received = DUE - timedelta(hours=24)
    referral = referral_create(
        patient=alice,
        referring_oncologist="Dr. Park",
        primary_cancer="lung",
        sites="spine",
        suspected_mescc=True,
        received_at=received,
        now=received,
    )
    assert referral.urgency == "emergency"
    for hours in (0, 15.9, 16.1, 23.9, 24.1):
        now = received + timedelta(hours=hours)
        in_sql = Referral.objects.with_sla(now).get(pk=referral.pk).sla_status
        assert in_sql == referral.sla_status_at(now), hours
    assert referral.sla_status_at(received + timedelta(minutes=1)) == "on_track"


def test_the_clock_runs_through_29_february():
    received = datetime(2028, 2, 27, 20, 15, tzinfo=NY)  # a leap year
    due = triage(ClinicalPicture(sites="brain"), received_at=received).consult_due_at
    assert due.astimezone(NY) == datetime(2028, 3, 1, 20, 15, tzinfo=NY)
    emergency = triage(
        ClinicalPicture(sites="spine", suspected_mescc=True),
        received_at=datetime(2028, 2, 28, 23, 0, tzinfo=NY),
    )
    assert emergency.consult_due_at.astimezone(NY) == datetime(2028, 2, 29, 23, 0, tzinfo=NY)
