"""Role decides what each person sees; anonymous visitors are sent to log in."""

import pytest
from django.test import Client

from tests.web.conftest import logged_in

pytestmark = pytest.mark.django_db

NAVIGATOR_PAGES = ["/queue/", "/day/", "/alerts/", "/dashboard/"]
SPECIALIST_PAGES = ["/me/week/", "/me/calendar/"]


@pytest.mark.parametrize("path", NAVIGATOR_PAGES + SPECIALIST_PAGES + ["/referrals/1/"])
def test_it_sends_anonymous_visitors_to_log_in(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("path", NAVIGATOR_PAGES)
def test_it_shows_navigator_pages_to_navigators_and_admins(path, nina, ada):
    assert logged_in(nina).get(path).status_code == 200
    assert logged_in(ada).get(path).status_code == 200


@pytest.mark.parametrize("path", NAVIGATOR_PAGES)
def test_it_refuses_navigator_pages_to_specialists_patients_and_outsiders(path, sam, alice, olivia):
    for user in (sam, alice.user, olivia):
        response = logged_in(user).get(path)
        assert response.status_code == 403
        assert "not for your login" in response.content.decode()


@pytest.mark.parametrize("path", SPECIALIST_PAGES)
def test_it_shows_specialist_pages_to_specialists_only(path, sam, nina, alice, olivia):
    assert logged_in(sam).get(path).status_code == 200
    for user in (nina, alice.user, olivia):
        assert logged_in(user).get(path).status_code == 403


def test_the_home_page_sends_each_role_to_its_own_start(nina, sam, alice):
    assert logged_in(nina).get("/")["Location"] == "/queue/"
    assert logged_in(sam).get("/")["Location"] == "/me/week/"
    assert logged_in(alice.user).get("/").status_code == 403
    assert Client().get("/")["Location"] == "/login/"


def test_an_htmx_request_without_a_session_is_redirected_whole_page():
    response = Client().get("/queue/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=/queue/"


def test_the_menu_shows_only_the_pages_of_the_role(nina, sam):
    menu = logged_in(nina).get("/queue/").content.decode()
    assert "Referral queue" in menu and "Calendar feed" not in menu
    assert '<a href="/simulator/">Capacity</a>' in menu
    week = logged_in(sam).get("/me/week/").content.decode()
    assert "Calendar feed" in week and "Referral queue" not in week and "Capacity" not in week
    simulator = logged_in(nina).get("/simulator/").content.decode()
    assert '<a href="/simulator/" aria-current="page">Capacity</a>' in simulator
