"""The patient's private page from the link in a text: plan, calendar, confirm, reschedule."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
import vobject
from django.test import Client

from navigation.services import VisitRequest, appointment_book
from notifications.models import Alert
from notifications.services import patient_link

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=NY)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def visit(center, alice, nina):
    return appointment_book(
        patient=alice,
        visit=VisitRequest(
            clinician=center.first("pain_medicine"), start=datetime(2026, 3, 9, 14, tzinfo=NY)
        ),
        by=nina,
        now=NOW,
    )


def path_of(alice):
    return patient_link(alice, NOW).removeprefix("http://127.0.0.1:8000")


def test_the_link_shows_the_plan_without_a_password_or_a_diagnosis(visit, alice):
    page = Client().get(path_of(alice))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hello Alice" in html and "Monday 9 March" in html and "2:00 PM" in html
    assert "Pavilion" in html
    assert "pain" not in html.lower()
    assert "<title>Your visits" in html


def test_add_to_calendar_gives_the_visits_invite(visit, alice):
    response = Client().get(f"{path_of(alice)}/visit/{visit.pk}.ics")
    assert response.status_code == 200
    assert vobject.readOne(response.content.decode()).vevent.uid.value.startswith(str(visit.uid))


def test_another_patients_visit_is_not_reachable_through_my_link(visit, alice, bob):
    assert Client().get(f"{path_of(bob)}/visit/{visit.pk}.ics").status_code == 404


def test_confirm_and_reschedule_buttons(visit, alice):
    client = Client()
    assert client.post(f"{path_of(alice)}/confirm").status_code == 302
    visit.refresh_from_db()
    assert visit.patient_confirmed_at == NOW
    client.post(f"{path_of(alice)}/reschedule")
    assert Alert.objects.filter(kind="patient_reply", patient=alice).count() == 1
    assert (
        "navigator will call you"
        in client.get(f"{path_of(alice)}?done=reschedule").content.decode()
    )


def test_an_expired_link_says_so_and_an_unknown_one_is_404(visit, alice, frozen):
    path = path_of(alice)
    frozen.shift(timedelta(days=15))
    expired = Client().get(path)
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()
    assert Client().get("/p/nosuchcode0").status_code == 404
