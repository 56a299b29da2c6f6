"""Specialists reach their own patients: "My week" links to the referral, which they read
(no booking control, writes refused) when the patient is on their schedule or their
board's agenda; any other referral is a 404. The header greets people by name, and a
patient's password login lands on their own page."""

from datetime import datetime

import pytest

from board.services.cases import case_submit
from navigation.services import VisitRequest, appointment_book
from tests.web.conftest import NOW, NY, frozen_at, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(NOW) as traveller:
        yield traveller


@pytest.fixture
def consult(emergency, radiation, nina):
    """Alice's emergency consult with the radiation oncologist, sam's clinician."""
    return appointment_book(
        patient=emergency.patient,
        visit=VisitRequest(clinician=radiation, start=datetime(2026, 3, 2, 9, tzinfo=NY)),
        by=nina,
        now=NOW,
        referral=emergency,
        is_consult=True,
    )


def test_my_week_links_each_visit_to_its_referral(sam, consult, emergency):
    html = logged_in(sam).get("/me/week/?week=2026-03-02").content.decode()
    assert f'href="/referrals/{emergency.pk}/"' in html


def test_a_specialist_reads_the_referral_of_a_patient_on_their_schedule(sam, consult, emergency):
    client = logged_in(sam)
    response = client.get(f"/referrals/{emergency.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Clinical picture" in html and "Alice Archer" in html and "2 Apr 1961" in html
    assert "Mon 2 Mar, 09:00" in html  # the consult, in the visits
    assert "<form" not in html.split("<main", 1)[1]  # nothing to book or change
    assert "ask an administrator" not in html
    for action in ("consult", "book", "sins", "board"):
        assert client.post(f"/referrals/{emergency.pk}/{action}/").status_code == 403


def test_a_specialist_reads_a_patient_on_their_boards_agenda(sam, meeting, routine, nina):
    case_submit(meeting=meeting, referral=routine, question="SBRT?", by=nina, now=NOW)
    assert logged_in(sam).get(f"/referrals/{routine.pk}/").status_code == 200


def test_any_other_referral_is_not_found_for_a_specialist(sam, radiation, routine):
    assert logged_in(sam).get(f"/referrals/{routine.pk}/").status_code == 404


def test_a_forbidden_page_sends_a_specialist_to_their_own_pages(sam, radiation):
    html = logged_in(sam).get("/queue/").content.decode()
    assert "ask an administrator" not in html and 'href="/me/week/"' in html


def test_the_header_shows_the_persons_name(nina):
    nina.first_name, nina.last_name = "Nina", "Navarro"
    nina.save()
    html = logged_in(nina).get("/queue/").content.decode()
    assert '<span class="who">Nina Navarro</span>' in html


def test_a_patients_password_login_lands_on_their_own_page(client, alice, consult):
    response = client.post("/login/", {"username": "alice", "password": "alice-pw-1"})
    assert response.status_code == 302 and response["Location"].startswith("/p/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Alice" in page.content.decode()
    assert client.get("/").status_code == 302  # home finds the same page again


def test_both_referral_headers_say_the_patient_needs_an_interpreter(sam, nina, consult, emergency):
    emergency.patient.interpreter_language = "es"
    emergency.patient.save()
    for user in (sam, nina):
        html = logged_in(user).get(f"/referrals/{emergency.pk}/").content.decode()
        header = html[html.index("<h1>") : html.index('id="triage-h"')]
        assert "<strong>Needs a Spanish interpreter</strong> at every visit." in header
