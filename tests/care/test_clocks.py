"""The clock rules on their own: targets in days and hours across a DST change, and the
SQL status held to the Python one."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from care import clocks
from care.models import Clock
from tests.board.conftest import new_patient, new_referral

NY = ZoneInfo("America/New_York")
SIGNED = datetime(2026, 3, 7, 12, 0, tzinfo=NY)  # Saturday, the day before the change


def treatment(urgency: str, *modalities: str) -> clocks.Clock:
    events = clocks.Events(urgency=urgency, recommended_at=SIGNED, modalities=modalities, zone=NY)
    [clock] = clocks.referral_clocks(events, clocks.Targets())
    return clock


def test_an_emergencys_radiation_is_due_in_48_real_hours_other_care_in_14_calendar_days():
    urgent = treatment("emergency", "chemotherapy", "conventional_ebrt")
    assert urgent.due_at.astimezone(NY) == datetime(2026, 3, 9, 13, 0, tzinfo=NY)
    assert "48 h" in urgent.target and "conventional ebrt" in urgent.target
    ordinary = treatment("routine", "chemotherapy", "conventional_ebrt")
    assert ordinary.due_at.astimezone(NY) == datetime(2026, 3, 21, 12, 0, tzinfo=NY)
    watching = clocks.Events(recommended_at=SIGNED, modalities=("observation",), zone=NY)
    assert clocks.referral_clocks(watching, clocks.Targets()) == []


@pytest.mark.django_db
def test_the_sql_status_is_the_python_status(board):
    referral = new_referral(new_patient(7))
    start = datetime(2026, 3, 5, 9, tzinfo=NY)
    running = clocks.Clock(
        "treatment", start, start + timedelta(days=3), start + timedelta(days=2), None, ""
    )
    late = clocks.Clock(
        "board", start, start + timedelta(days=1), start, start + timedelta(days=2), ""
    )
    for clock in (running, late):
        Clock.objects.create(
            referral=referral,
            patient=referral.patient,
            kind=clock.kind,
            started_at=clock.started_at,
            due_at=clock.due_at,
            at_risk_at=clock.at_risk_at,
            stopped_at=clock.stopped_at,
        )
    for hours in (-1, 0, 47, 49, 71, 72, 80):
        now = start + timedelta(hours=hours)
        in_sql = dict(Clock.objects.with_status(now).values_list("kind", "status"))
        assert in_sql == {c.kind: clocks.clock_status(c, now) for c in (running, late)}, hours
    assert clocks.clock_status(running, start + timedelta(hours=49)) == "at_risk"
    assert clocks.clock_status(late, start) == "breached"


@pytest.mark.django_db
def test_the_sweep_ends_an_alert_whose_clock_stopped_without_telling_it(board):
    from care.services import clocks_watch
    from notifications.alerts import alerts_sweep
    from notifications.models import Alert

    referral = new_referral(new_patient(8))
    start = datetime(2026, 3, 5, 9, tzinfo=NY)
    row = Clock.objects.create(
        referral=referral,
        patient=referral.patient,
        kind="treatment",
        started_at=start,
        due_at=start + timedelta(days=3),
        at_risk_at=start + timedelta(days=2),
        target="3 days after the recommendation",
    )
    assert clocks_watch(now=start + timedelta(days=2, hours=1)) == 1
    Clock.objects.filter(pk=row.pk).update(stopped_at=start + timedelta(days=2, hours=2))
    assert alerts_sweep(now=start + timedelta(days=2, hours=3)) == 1
    alert = Alert.objects.get(kind="clock")
    assert alert.resolved_reason == "Treatment started."
    assert "at risk" in alert.text
