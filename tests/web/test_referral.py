"""A referral's page: clinical picture, SINS as you pick, triage, consult options."""

import re
from datetime import datetime

import pytest

from navigation.models import Appointment
from patients.models import Referral
from tests.web.conftest import NOW, NY, frozen_at, logged_in, make_referral

pytestmark = pytest.mark.django_db

SINS_13 = {
    "sins_location": "junctional",
    "sins_pain": "mechanical",
    "sins_lesion": "lytic",
    "sins_alignment": "deformity",
    "sins_collapse": "under_50",
    "sins_posterolateral": "unilateral",
}


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(NOW) as traveller:
        yield traveller


def test_it_shows_the_picture_the_triage_and_the_deadline(nina, center, emergency):
    html = logged_in(nina).get(f"/referrals/{emergency.pk}/").content.decode()
    assert "<title>Referral" in html
    assert "Brain metastases with mass effect" in html
    assert "Emergency" in html and "At risk" in html and "7 h 0 min left" in html
    assert "Dr. Helen Park, Riverside Oncology" in html


def test_it_offers_consult_slots_before_the_deadline_with_a_book_button(nina, center, emergency):
    html = logged_in(nina).get(f"/referrals/{emergency.pk}/").content.decode()
    assert "start at or before the deadline" in html
    assert "Mon 2 Mar, 08:00" in html and ">Book</button>" in html


def test_booking_a_consult_meets_the_deadline(nina, center, emergency):
    client = logged_in(nina)
    surgeon = center.first("neurosurgery")
    response = client.post(
        f"/referrals/{emergency.pk}/consult/",
        {"clinician": surgeon.pk, "start": "2026-03-02T08:00:00-05:00", "minutes": 60},
    )
    assert response.status_code == 302
    emergency.refresh_from_db()
    assert emergency.consult_at == datetime(2026, 3, 2, 8, tzinfo=NY)
    page = client.get(f"/referrals/{emergency.pk}/").content.decode()
    assert "Consult booked with Dr. Nora Reyes on Mon 02 Mar at 08:00" in page
    assert "Met" in page


def test_a_double_click_on_a_consult_book_button_books_it_once(nina, center, emergency):
    client = logged_in(nina)
    html = client.get(f"/referrals/{emergency.pk}/").content.decode()
    action = f'action="/referrals/{emergency.pk}/consult/#consult"'
    form = html.split(action, 1)[1].split("</form>")[0]
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    assert fields.keys() >= {"form_token", "clinician", "start", "minutes"}
    first = client.post(f"/referrals/{emergency.pk}/consult/", fields)
    second = client.post(f"/referrals/{emergency.pk}/consult/", fields)
    assert first.status_code == second.status_code == 302  # the second: no "not free" 409
    assert first["Location"] == second["Location"]
    assert Appointment.objects.filter(referral=emergency, is_consult=True).count() == 1


def test_a_consult_slot_taken_meanwhile_shows_why(nina, center, emergency, routine):
    client = logged_in(nina)
    surgeon = center.first("neurosurgery")
    slot = {"clinician": surgeon.pk, "start": "2026-03-02T08:00:00-05:00", "minutes": 60}
    client.post(f"/referrals/{routine.pk}/consult/", slot)
    response = client.post(f"/referrals/{emergency.pk}/consult/", slot)
    assert response.status_code == 409
    assert "is not free" in response.content.decode()


def test_sins_scores_as_you_pick(nina, center, emergency):
    client = logged_in(nina)
    partial = client.get(
        f"/referrals/{emergency.pk}/sins/",
        {"sins_location": "junctional", "sins_pain": "mechanical"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "6 points from 2 of 6 parts so far" in partial
    full = client.get(
        f"/referrals/{emergency.pk}/sins/", SINS_13, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "SINS 13 of 18" in full and "unstable" in full and "surgical opinion" in full


def test_the_sins_calculator_keeps_the_csrf_token_out_of_its_urls(nina, center, routine):
    html = logged_in(nina).get(f"/referrals/{routine.pk}/").content.decode()
    assert 'hx-params="not csrfmiddlewaretoken"' in html


def test_the_sins_choices_carry_the_points_of_the_score(nina, center, routine):
    html = logged_in(nina).get(f"/referrals/{routine.pk}/").content.decode()
    assert "subluxation or translation: 4 points" in html
    assert "semi-rigid (T3-T10): 1 point<" in html
    assert '<label for="id_sins_location">Location</label>' in html


def test_saving_sins_triages_the_referral_again(nina, center, bob):
    referral = make_referral(bob, sites="spine", pain_score=8)
    assert referral.urgency == "routine"
    response = logged_in(nina).post(f"/referrals/{referral.pk}/sins/", SINS_13)
    assert response.status_code == 302
    referral = Referral.objects.get(pk=referral.pk)
    assert referral.sins_score == 13 and referral.urgency == "emergency"


def checked(html: str, value: str) -> bool:
    return "checked" in html.split(f'value="{value}"', 1)[1].split(">", 1)[0]


def test_the_plan_form_is_prefilled_from_the_case(nina, center, emergency):
    html = logged_in(nina).get(f"/referrals/{emergency.pk}/").content.decode()
    assert all(checked(html, s) for s in ("neurosurgery", "radiation_oncology", "palliative_care"))
    assert not checked(html, "pain_medicine")
    assert 'value="2026-03-02"' in html and 'value="2026-03-15"' in html


def test_a_referral_out_of_reach_is_404(nina):
    assert logged_in(nina).get("/referrals/999/").status_code == 404


def test_the_booked_visits_are_listed(nina, center, emergency):
    Appointment.objects.create(
        patient=emergency.patient,
        clinician=center.first("pain_medicine"),
        location=center.pavilion,
        specialty="pain_medicine",
        start=datetime(2026, 3, 3, 9, tzinfo=NY),
        end=datetime(2026, 3, 3, 9, 30, tzinfo=NY),
        referral=emergency,
    )
    html = logged_in(nina).get(f"/referrals/{emergency.pk}/").content.decode()
    assert "Tue 3 Mar, 09:00–09:30" in html and "Pain medicine with Dr. Ana Pires" in html
