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


def verified(patient) -> Client:
    """A browser session that confirmed the patient's birth date on the page."""
    client = Client()
    answer = client.post(f"{path_of(patient)}/verify", {"birth_date": patient.birth_date})
    assert answer.status_code == 302
    return client


def test_the_link_shows_the_plan_after_the_birth_date_without_a_diagnosis(visit, alice):
    page = verified(alice).get(path_of(alice))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Hello Alice" in html and "Monday 9 March" in html and "2:00 PM" in html
    assert "Pavilion" in html
    assert "pain" not in html.lower()
    assert "<title>Your visits" in html


def test_add_to_calendar_gives_the_visits_invite(visit, alice):
    response = verified(alice).get(f"{path_of(alice)}/visit/{visit.pk}.ics")
    assert response.status_code == 200
    assert vobject.readOne(response.content.decode()).vevent.uid.value.startswith(str(visit.uid))


def test_another_patients_visit_is_not_reachable_through_my_link(visit, alice, bob):
    assert verified(bob).get(f"{path_of(bob)}/visit/{visit.pk}.ics").status_code == 404


def test_confirm_and_reschedule_buttons(visit, alice):
    client = verified(alice)
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


def test_the_link_alone_shows_only_the_birth_date_question(visit, alice):
    page = Client().get(path_of(alice))
    html = page.content.decode()
    assert page.status_code == 200 and 'name="birth_date"' in html
    assert "Alice" not in html and "Pavilion" not in html and "9 March" not in html
    ics = Client().get(f"{path_of(alice)}/visit/{visit.pk}.ics")
    assert ics.status_code == 302 and b"VCALENDAR" not in ics.content
    Client().post(f"{path_of(alice)}/confirm")
    visit.refresh_from_db()
    assert visit.patient_confirmed_at is None


def test_wrong_birth_dates_reveal_nothing_and_are_throttled(visit, alice):
    client = Client()
    assert client.post(f"{path_of(alice)}/verify", {"birth_date": ""}).status_code == 400
    answers = ["1961-04-03", "02/04/1961", "not a date", "1961-02-30", "1900-01-01"]
    pages = [client.post(f"{path_of(alice)}/verify", {"birth_date": a}) for a in answers]
    assert [p.status_code for p in pages] == [400] * 5
    for page in pages:
        assert "Alice" not in page.content.decode() and "Pavilion" not in page.content.decode()
    assert "does not match" in pages[0].content.decode()
    right = client.post(f"{path_of(alice)}/verify", {"birth_date": "1961-04-02"})
    assert right.status_code == 429  # even the right answer waits once the tries are spent
    assert "Hello Alice" not in client.get(path_of(alice)).content.decode()


def test_the_page_says_who_what_and_the_walk_between_buildings(center, alice, nina):
    # 13:00-14:00 in the Tower, then 14:15 in the Pavilion: the 15-minute walk between.
    for start, specialty in (((13, 0), "neurosurgery"), ((14, 15), "pain_medicine")):
        appointment_book(
            patient=alice,
            visit=VisitRequest(
                clinician=center.first(specialty), start=datetime(2026, 3, 9, *start, tzinfo=NY)
            ),
            by=nina,
            now=NOW,
        )
    html = verified(alice).get(path_of(alice)).content.decode()
    assert "Dr. Nora Reyes" in html and "Dr. Ana Pires" in html
    assert "Clinic visit" in html
    assert "Walk 15 min from Tower to Pavilion" in html
    assert "neuro" not in html.lower() and "pain" not in html.lower()


def test_the_page_speaks_the_patients_language(visit, alice):
    alice.preferred_language = "es"
    alice.save()
    question = Client().get(path_of(alice)).content.decode()
    assert '<html lang="es">' in question and "fecha de nacimiento" in question
    html = verified(alice).get(path_of(alice)).content.decode()
    assert "Hola Alice" in html and "lunes 9 de marzo" in html
    assert "14:00" in html and "Añadir al calendario" in html
