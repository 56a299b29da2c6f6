"""Time off over visits already booked (an interpreter all of a day, the MRI for an hour,
a clinician): accepted, the answer lists the visits it falls on with a warning, and each
visit gets a navigator alert to re-plan it, which ends once the visit is moved or the
time off deleted."""

from datetime import datetime

import pytest

from navigation.models import Clinician
from notifications.alerts import alerts_sweep, open_alerts
from notifications.models import Alert
from tests.conftest import client_for
from tests.navigation import test_resources as resources

NY = resources.NY
# The scanner (Tower, 13:00-17:00 on weekdays), the Spanish interpreter, and the clock
# frozen on Friday 2026-03-06 18:45 New York, as in test_resources.
frozen = resources.frozen
scanner = resources.scanner
interpreter = resources.interpreter

pytestmark = pytest.mark.django_db


def mri(client, patient, center, start):
    reader = Clinician.objects.get(name="Dr. Ida Novak")
    visit = {"clinician": reader.pk, "start": start}
    booked = client.post("/api/v1/itineraries/", {"patient": patient.pk, "visits": [visit]})
    assert booked.status_code == 201, booked.json()
    return booked.json()["appointments"][0]


def test_scanner_time_off_over_booked_mris_lists_them_and_alerts_the_navigators(
    ada, as_navigator, center, alice, bob, scanner
):
    first = mri(as_navigator, alice, center, "2026-03-13T14:00:00-04:00")
    mri(as_navigator, bob, center, "2026-03-13T16:00:00-04:00")  # after the time off
    off = client_for(ada).post(
        "/api/v1/time-off/",
        {
            "resource": scanner.pk,
            "start": "2026-03-13T13:55:00-04:00",
            "end": "2026-03-13T15:00:00-04:00",
            "reason": "helium refill",
        },
    )
    assert off.status_code == 201, off.json()
    body = off.json()
    assert [v["id"] for v in body["affected_visits"]] == [first["id"]]
    assert body["affected_visits"][0]["patient"] == alice.pk
    assert body["warning"].startswith("1 visit booked or held falls in this time off")
    (alert,) = open_alerts().filter(kind=Alert.Kind.TIME_OFF)
    assert alert.patient == alice
    assert f"Appointment {first['id']}" in alert.text
    assert "needs MRI 3T-1, who is off then" in alert.text
    assert "Fri 2026-03-13 14:00 America/New_York" in alert.text
    # Moving the MRI off the time off ends the alert at the next sweep.
    moved = as_navigator.post(
        f"/api/v1/appointments/{first['id']}/reschedule/",
        {"start": "2026-03-13T15:00:00-04:00"},
    )
    assert moved.status_code == 200, moved.json()
    alerts_sweep(now=datetime(2026, 3, 6, 18, 46, tzinfo=NY))
    alert.refresh_from_db()
    assert alert.resolved_reason.startswith("The visit is no longer in the time off")


def test_interpreter_off_all_thursday_alerts_each_visit_and_deleting_it_ends_them(
    ada, as_navigator, center, alice, interpreter
):
    alice.interpreter_language = "es"
    alice.save()
    visits = [
        {"clinician": center.first("neurosurgery").pk, "start": "2026-03-12T09:00-04:00"},
        {"clinician": center.first("radiation_oncology").pk, "start": "2026-03-12T11:00-04:00"},
    ]
    booked = as_navigator.post("/api/v1/itineraries/", {"patient": alice.pk, "visits": visits})
    assert booked.status_code == 201, booked.json()
    off = as_navigator.post(
        "/api/v1/time-off/",
        {
            "resource": interpreter.pk,
            "start": "2026-03-12T00:00:00-04:00",
            "end": "2026-03-13T00:00:00-04:00",
        },
    )
    assert off.status_code == 201, off.json()
    assert len(off.json()["affected_visits"]) == 2
    assert off.json()["warning"].startswith("2 visits booked or held fall in this time off")
    assert open_alerts().filter(kind=Alert.Kind.TIME_OFF).count() == 2
    deleted = as_navigator.delete(f"/api/v1/time-off/{off.json()['id']}/")
    assert deleted.status_code == 204
    assert not open_alerts().filter(kind=Alert.Kind.TIME_OFF).exists()


def test_clinician_time_off_over_their_visit_warns_the_same_and_clear_time_off_is_quiet(
    ada, as_navigator, center, alice
):
    surgeon = center.first("neurosurgery")
    visit = {"clinician": surgeon.pk, "start": "2026-03-10T09:00-04:00"}
    booked = as_navigator.post("/api/v1/itineraries/", {"patient": alice.pk, "visits": [visit]})
    assert booked.status_code == 201, booked.json()
    admin = client_for(ada)
    clear = admin.post(
        "/api/v1/time-off/",
        {
            "clinician": surgeon.pk,
            "start": "2026-03-11T08:00-04:00",
            "end": "2026-03-11T12:00-04:00",
        },
    )
    assert clear.status_code == 201, clear.json()
    assert clear.json()["affected_visits"] == []
    assert "warning" not in clear.json()
    # Stretching it back over Tuesday's visit warns then.
    stretched = admin.patch(
        f"/api/v1/time-off/{clear.json()['id']}/", {"start": "2026-03-10T08:00-04:00"}
    )
    assert stretched.status_code == 200, stretched.json()
    assert [v["id"] for v in stretched.json()["affected_visits"]] == [
        booked.json()["appointments"][0]["id"]
    ]
    assert open_alerts().filter(kind=Alert.Kind.TIME_OFF).count() == 1


def test_the_admin_warns_of_time_off_over_a_booked_mri_and_alerts(
    ada, as_navigator, center, alice, scanner
):
    from django.test import Client

    first = mri(as_navigator, alice, center, "2026-03-13T14:00:00-04:00")
    browser = Client()
    browser.force_login(ada)
    added = browser.post(
        "/admin/navigation/timeoff/add/",
        {
            "resource": scanner.pk,
            "start_0": "2026-03-13",
            "start_1": "00:00:00",
            "end_0": "2026-03-14",
            "end_1": "00:00:00",
            "reason": "service",
        },
        follow=True,
    )
    assert added.status_code == 200
    page = added.content.decode()
    assert f"falls on 1 visit(s) booked or held (appointments {first['id']})" in page
    assert open_alerts().filter(kind=Alert.Kind.TIME_OFF).count() == 1
