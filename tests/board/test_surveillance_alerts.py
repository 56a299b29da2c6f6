"""Imaging alerts end when their cause does: a new scan booked after a missed one, the
scan done after none could be booked."""

from datetime import date, datetime

import pytest
import time_machine

from board.tasks import run_surveillance
from navigation.models import Appointment
from navigation.services import appointment_set_status
from notifications.alerts import alerts_sweep
from notifications.models import Alert
from tests.board.conftest import NOW
from tests.board.test_surveillance import NY, at, plan  # noqa: F401 - the plan fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plan")]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_a_missed_scan_alert_resolves_once_the_next_one_is_booked(alice, nina, frozen):
    frozen.move_to(at(date(2026, 4, 14)))
    run_surveillance()
    frozen.move_to(at(date(2026, 5, 5), 10))
    appointment_set_status(
        appointment=Appointment.objects.get(patient=alice), status="no_show", by=nina
    )
    run_surveillance()  # escalates and books another
    now = datetime(2026, 5, 5, 10, 1, tzinfo=NY)
    assert alerts_sweep(now=now) == 1
    alert = Alert.objects.get(kind="imaging")
    assert (alert.resolved_at, alert.resolved_reason) == (now, "The scan was booked.")


def test_a_no_slot_alert_resolves_when_the_scan_is_done(center, alice, nina, frozen):
    mri_suite = center.first("neuroradiology")
    mri_suite.active = False
    mri_suite.save()
    frozen.move_to(at(date(2026, 4, 14)))
    assert run_surveillance() == {"no_slot": 1}
    mri_suite.active = True
    mri_suite.save()
    frozen.move_to(at(date(2026, 4, 15)))
    assert run_surveillance() == {"booked": 1}
    frozen.move_to(at(date(2026, 5, 5), 10))
    appointment_set_status(
        appointment=Appointment.objects.get(patient=alice), status="completed", by=nina
    )
    assert run_surveillance() == {"done": 1}
    alert = Alert.objects.get(kind="imaging")
    assert alert.resolved_reason == "The scan was done."
    assert alert.resolved_at == at(date(2026, 5, 5), 10)
