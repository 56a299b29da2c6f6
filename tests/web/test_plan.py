"""Plan a same-day visit: options drawn as a day, booked in one click, clashes shown."""

from datetime import datetime

import pytest

from navigation.models import Appointment
from tests.web.conftest import NOW, NY, frozen_at, logged_in

pytestmark = pytest.mark.django_db

SEARCH = {
    "specialties": ["neurosurgery", "radiation_oncology", "palliative_care"],
    "date_from": "2026-03-02",
    "date_to": "2026-03-06",
    "max_wait": "90",
}


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(NOW) as traveller:
        yield traveller


def search(client, referral, **changes):
    return client.get(
        f"/referrals/{referral.pk}/plan/", {**SEARCH, **changes}, HTTP_HX_REQUEST="true"
    )


def first_option(html: str) -> dict:
    form = html.split('<article class="option"', 1)[1].split("</form>", 1)[0]
    visits = [part.split('"', 1)[0] for part in form.split('name="visit" value="')[1:]]
    return {"visit": visits, "search": "x"}


def test_it_draws_each_option_as_a_day_with_visits_walks_and_waits(nina, center, emergency):
    html = search(logged_in(nina), emergency).content.decode()
    assert "5 options" in html
    assert "Option 1: Monday 2 March, 08:00–" in html
    assert 'class="seg visit"' in html and 'class="seg walk"' in html
    assert "08:00–08:45</strong> Radiation oncology with Dr. Ravi Shah, Pavilion" in html
    assert "08:45–09:30</strong> Palliative care with Dr. Lee Wong, Pavilion" in html
    assert "Walk 15 min to Tower" in html
    assert "09:45–10:45</strong> Neurosurgery with Dr. Nora Reyes, Tower" in html
    assert ">Book option 1</button>" in html
    assert "<html" not in html


def test_a_plain_form_submit_gets_the_whole_page_with_the_options(nina, center, emergency):
    response = logged_in(nina).get(f"/referrals/{emergency.pk}/plan/", SEARCH)
    html = response.content.decode()
    assert "<title>Referral" in html and "Option 1: Monday 2 March" in html


def test_it_says_plainly_when_no_day_fits(nina, center, emergency):
    html = search(logged_in(nina), emergency, specialties=["pathology"]).content.decode()
    assert "Blocked by pathology: no free time long enough for the visit" in html
    assert "No day fits" in html


def test_a_bad_search_says_what_to_fix(nina, center, emergency):
    response = search(logged_in(nina), emergency, date_to="2026-03-01")
    assert response.status_code == 400
    assert "The last day comes before the first." in response.content.decode()


def test_booking_an_option_books_every_visit_in_one_click(nina, center, emergency):
    client = logged_in(nina)
    option = first_option(search(client, emergency).content.decode())
    response = client.post(f"/referrals/{emergency.pk}/book/", option, HTTP_HX_REQUEST="true")
    # The whole page again, so the triage, the consult and the plan areas are all current.
    assert response.status_code == 200
    html = client.get(response["HX-Redirect"]).content.decode()
    assert "Booked: 3 visits on Monday 2 March" in html
    assert 'href="/day/?day=2026-03-02"' in html
    assert "The consult is booked for" in html
    assert "Book consult" not in html
    booked = Appointment.objects.filter(referral=emergency).order_by("start")
    assert [a.specialty for a in booked] == [
        "radiation_oncology",
        "palliative_care",
        "neurosurgery",
    ]
    assert booked[0].start == datetime(2026, 3, 2, 8, tzinfo=NY)
    assert booked[2].start == datetime(2026, 3, 2, 9, 45, tzinfo=NY)


def test_booking_the_same_option_twice_shows_the_clash_and_books_nothing(nina, center, emergency):
    client = logged_in(nina)
    option = first_option(search(client, emergency).content.decode())
    client.post(f"/referrals/{emergency.pk}/book/", option, HTTP_HX_REQUEST="true")
    again = client.post(f"/referrals/{emergency.pk}/book/", option, HTTP_HX_REQUEST="true")
    assert again.status_code == 409
    html = again.content.decode()
    assert "Not booked" in html and "is not free" in html and "Nothing was booked" in html
    assert "Search again" in html
    assert Appointment.objects.filter(referral=emergency).count() == 3


def test_a_tampered_option_is_refused(nina, center, emergency):
    response = logged_in(nina).post(
        f"/referrals/{emergency.pk}/book/", {"visit": ["1|x|y|z"]}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert "could not be read" in response.content.decode()


def test_booking_without_javascript_gets_the_whole_page_with_the_result(nina, center, emergency):
    client = logged_in(nina)
    option = first_option(search(client, emergency).content.decode())
    response = client.post(f"/referrals/{emergency.pk}/book/", option, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "<title>Referral" in html
    assert "Booked: 3 visits on Monday 2 March" in html
    assert html.count('id="booked-visits"') == 1


def test_a_search_that_finds_nothing_names_the_blocker_and_a_change_that_works(
    nina, center, routine
):
    from navigation.models import TimeOff

    palliative = center.first("palliative_care")
    TimeOff.objects.create(
        clinician=palliative,
        start=datetime(2026, 3, 2, 0, tzinfo=NY),
        end=datetime(2026, 3, 5, 0, tzinfo=NY),
        reason="congress",
    )
    query = {
        "specialties": ["spine_surgery", "palliative_care"],
        "date_from": "2026-03-02",
        "date_to": "2026-03-04",
        "max_wait": "90",
    }
    page = logged_in(nina).get(f"/referrals/{routine.pk}/plan/", query).content.decode()
    assert "Blocked by palliative care: no free time long enough for the visit" in page
    assert "See palliative care on another day; the others together" in page
    assert "Search 14 more days" in page
    assert page.count("No free palliative care time") == 0  # one warning, not two


def test_a_double_click_on_book_books_the_option_once(nina, center, emergency):
    client = logged_in(nina)
    option = first_option(search(client, emergency).content.decode())
    first = client.post(f"/referrals/{emergency.pk}/book/", option | {"form_token": "b1"})
    second = client.post(f"/referrals/{emergency.pk}/book/", option | {"form_token": "b1"})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Appointment.objects.filter(referral=emergency).count() == 3


def test_options_after_the_consult_deadline_are_flagged(nina, center, emergency):
    client = logged_in(nina)
    html = search(client, emergency, date_from="2026-03-04").content.decode()  # due Tue
    assert html.count("after the consult deadline") == html.count('class="option"') == 3
    html = search(client, emergency).content.decode()
    assert "after the consult deadline" in html
    assert html.index("Option 1") < html.index("after the consult deadline")
    assert "after the consult deadline" not in html.split("Option 2", 1)[0]
