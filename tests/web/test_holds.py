"""Holding a same-day option from the booking page while on the phone: the page shows the
hold and when it ends (without JavaScript too), confirm books it, release frees it, and an
expired or someone else's hold is refused in plain words."""

from datetime import timedelta

import pytest

from navigation.models import Appointment, Hold
from tests.web.conftest import NOW, frozen_at, logged_in
from tests.web.test_plan import first_option, search

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(NOW) as traveller:
        yield traveller


def hold_first_option(client, referral, token="h1"):
    option = first_option(search(client, referral).content.decode())
    return client.post(f"/referrals/{referral.pk}/hold/", option | {"form_token": token})


def test_the_options_offer_a_hold(nina, center, emergency):
    html = search(logged_in(nina), emergency).content.decode()
    assert ">Hold option 1 for 10 min</button>" in html


def test_a_held_option_shows_its_visits_and_when_the_hold_ends(nina, center, emergency):
    client = logged_in(nina)
    response = hold_first_option(client, emergency)
    assert response.status_code == 302 and response["Location"].endswith("#holds-h")
    html = client.get(response["Location"]).content.decode()
    assert "Held for Alice Archer" in html
    assert "3 visits on Monday 2 March" in html
    # Without JavaScript the page still says until when, and how long is left.
    assert 'Held by you until <time datetime="2026-03-02T07:10:00-05:00">07:10</time>' in html
    assert ">10:00 left</span>" in html and 'aria-label="10 minutes 0 seconds left"' in html
    assert "08:00–08:45</strong> Radiation oncology with Dr. Ravi Shah" in html
    assert ">Confirm and book</button>" in html and ">Release the hold</button>" in html
    held = Appointment.objects.filter(referral=emergency)
    assert [a.status for a in held] == ["held"] * 3


def test_a_double_click_on_hold_holds_the_option_once(nina, center, emergency):
    client = logged_in(nina)
    first = hold_first_option(client, emergency, token="twice")
    second = hold_first_option(client, emergency, token="twice")
    assert first["Location"] == second["Location"]
    assert Hold.objects.count() == 1


def test_confirming_a_hold_books_it_and_the_page_says_so(nina, center, emergency):
    client = logged_in(nina)
    hold_first_option(client, emergency)
    hold = Hold.objects.get()
    response = client.post(f"/holds/{hold.pk}/confirm/", {"form_token": "c1"}, follow=True)
    html = response.content.decode()
    assert "Booked: 3 visits on Monday 2 March" in html
    assert "Held for" not in html
    assert set(Appointment.objects.filter(referral=emergency).values_list("status")) == {
        ("booked",)
    }


def test_releasing_a_hold_frees_its_time(nina, center, emergency):
    client = logged_in(nina)
    hold_first_option(client, emergency)
    hold = Hold.objects.get()
    response = client.post(f"/holds/{hold.pk}/release/", {"form_token": "r1"}, follow=True)
    html = response.content.decode()
    assert "Hold released: its time is free for everyone again." in html
    assert "Held for" not in html
    assert not Appointment.objects.filter(referral=emergency).exists()
    assert "Option 1: Monday 2 March, 08:00–" in search(client, emergency).content.decode()


def test_an_expired_hold_is_not_booked_and_says_why(nina, center, emergency, frozen):
    client = logged_in(nina)
    hold_first_option(client, emergency)
    hold = Hold.objects.get()
    frozen.shift(timedelta(minutes=11))
    response = client.post(f"/holds/{hold.pk}/confirm/", {"form_token": "late"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Not booked" in html
    assert "This hold expired; its time was freed and nothing was booked. Search again." in html
    assert "Held for" not in html
    assert not Appointment.objects.filter(referral=emergency, status="booked").exists()
    # Its time is free again for everyone, before the beat job tidies the rows away.
    assert "Option 1: Monday 2 March, 08:00–" in search(client, emergency).content.decode()


def test_someone_elses_hold_is_shown_but_only_its_holder_can_confirm_it(
    nina, ada, center, emergency
):
    hold_first_option(logged_in(nina), emergency)
    hold = Hold.objects.get()
    other = logged_in(ada)
    html = other.get(f"/referrals/{emergency.pk}/").content.decode()
    assert "Held by nina until" in html and "Confirm and book" not in html
    response = other.post(f"/holds/{hold.pk}/confirm/", {"form_token": "theirs"})
    assert response.status_code == 403
    assert "only the navigator who holds this time can confirm or release it." in (
        response.content.decode()
    )
    assert set(Appointment.objects.values_list("status", flat=True)) == {"held"}


def test_a_held_option_cannot_be_held_or_booked_by_another_navigator(nina, ada, center, emergency):
    option = first_option(search(logged_in(nina), emergency).content.decode())
    logged_in(nina).post(f"/referrals/{emergency.pk}/hold/", option)
    response = logged_in(ada).post(f"/referrals/{emergency.pk}/hold/", option)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Not held" in html and "is not free" in html
    hold = Hold.objects.get()
    assert f"the patient&#x27;s time is held by nina (hold {hold.pk}) until " in html
    assert "already has a visit" not in html
    assert Hold.objects.count() == 1
