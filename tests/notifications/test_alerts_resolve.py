"""Alerts that end: once its cause is gone an alert resolves itself, saying when and why;
the alerts page puts emergencies first and acknowledges several at once."""

from datetime import timedelta

import pytest

from board.services.cases import case_update
from navigation.models import Clinician
from navigation.services import VisitRequest, appointment_book, consult_options
from notifications.alerts import CONSULT_BOOKED, alerts_resolve, alerts_sweep
from notifications.models import Alert
from notifications.tasks import resolve_alerts
from tests.center import board_series
from tests.web.conftest import BOARD_NOW, NOW, frozen_at, logged_in, make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(NOW) as traveller:
        yield traveller


@pytest.fixture
def emergency(alice, center):
    return make_referral(alice, mass_effect=True, brain_symptomatic=True)


def book_consult(referral, nina):
    slot = consult_options(referral=referral, now=NOW).slots[0]
    clinician = Clinician.objects.get(pk=slot.clinician_id)
    return appointment_book(
        patient=referral.patient,
        visit=VisitRequest(clinician=clinician, start=slot.start, specialty=slot.specialty),
        by=nina,
        now=NOW,
        referral=referral,
        is_consult=True,
    )


def test_it_resolves_an_emergency_alert_once_the_consult_is_booked(emergency, nina):
    alert = Alert.objects.get(referral=emergency, kind="emergency")
    assert alerts_sweep(now=NOW) == 0  # no consult yet: the cause is still there
    book_consult(emergency, nina)  # the booking itself resolves it, at once
    alert.refresh_from_db()
    assert alert.resolved_at == NOW and alert.resolved_reason == CONSULT_BOOKED
    assert alerts_sweep(now=NOW + timedelta(minutes=1)) == 0  # once


def test_the_beat_task_resolves_what_a_write_left_open(emergency, nina):
    book_consult(emergency, nina)
    # As an alert written by an older release, before bookings resolved their alerts.
    Alert.objects.filter(referral=emergency).update(resolved_at=None, resolved_reason="")
    assert resolve_alerts() == 1
    assert Alert.objects.get(referral=emergency).resolved_reason == CONSULT_BOOKED


def test_resolving_names_its_kinds_and_referral_only(emergency, alice, nina):
    other = Alert.objects.create(kind="at_risk", text="x", dedupe_key="x", patient=alice)
    done = alerts_resolve(
        kinds=["emergency"], referral=emergency, reason="Handled by phone.", now=NOW
    )
    assert done == 1
    other.refresh_from_db()
    assert other.resolved_at is None


def test_a_board_case_becoming_ready_resolves_its_unready_alert(center, alice, nina):
    from board.models import Meeting
    from board.services.cases import case_submit, unready_alerts

    series, _ = board_series(center, now=BOARD_NOW)
    meeting = Meeting.objects.filter(series=series, start__gt=NOW).order_by("start")[1]

    with frozen_at(meeting.start - timedelta(days=3)):
        now = meeting.start - timedelta(days=3)
        case = case_submit(
            meeting=meeting, patient=alice, question="SRS or surgery?", by=nina, now=now
        )
        unready_alerts(now=meeting.cutoff_at - timedelta(hours=1))
        alert = Alert.objects.get(dedupe_key__startswith="board_unready:")
        case_update(
            case=case,
            by=nina,
            now=now,
            imaging_available=True,
            imaging_reviewed=True,
            pathology="confirmed",
        )
    alert.refresh_from_db()
    assert alert.resolved_reason == "The case became ready for the board."


def test_the_alerts_page_puts_emergencies_first_and_hides_resolved_ones(emergency, alice, nina):
    Alert.objects.create(kind="freed_slot", text="A slot was freed", dedupe_key="f", patient=alice)
    Alert.objects.create(kind="at_risk", text="Routine at risk", dedupe_key="r", patient=alice)
    html = logged_in(nina).get("/alerts/").content.decode()
    positions = [html.index(t) for t in ("EMERGENCY referral", "Routine at risk", "A slot was")]
    assert positions == sorted(positions)
    book_consult(emergency, nina)
    alerts_sweep(now=NOW)
    html = logged_in(nina).get("/alerts/").content.decode()
    assert "EMERGENCY referral" not in html
    shown = logged_in(nina).get("/alerts/?show=all").content.decode()
    assert "Resolved Mon 2 Mar 07:00: The consult is booked." in shown


def test_it_acknowledges_the_ticked_alerts_or_all_open_ones(emergency, alice, nina):
    one = Alert.objects.create(kind="at_risk", text="one", dedupe_key="1", patient=alice)
    two = Alert.objects.create(kind="at_risk", text="two", dedupe_key="2", patient=alice)
    client = logged_in(nina)
    assert 'form="bulk"' in client.get("/alerts/").content.decode()
    response = client.post("/alerts/acknowledge/", {"alert": [one.pk]}, follow=True)
    assert "1 alert acknowledged." in response.content.decode()
    two.refresh_from_db()
    assert two.acknowledged_at is None
    response = client.post("/alerts/acknowledge/", {"all": "1"}, follow=True)
    assert "2 alerts acknowledged." in response.content.decode()
    assert not Alert.objects.filter(acknowledged_at__isnull=True).exists()
    assert Alert.objects.get(pk=one.pk).acknowledged_by == nina
