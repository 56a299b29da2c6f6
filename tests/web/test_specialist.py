"""A specialist's week and private calendar feed."""

from datetime import datetime, time

import pytest

from navigation.services import VisitRequest, appointment_book
from tests.web.conftest import NOW, NY, frozen_at, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(NOW) as traveller:
        yield traveller


@pytest.fixture
def reyes(center, sam):
    surgeon = center.first("neurosurgery")
    surgeon.user = sam
    surgeon.save()
    return surgeon


def book(patient, clinician, start, nina):
    return appointment_book(
        patient=patient, visit=VisitRequest(clinician=clinician, start=start), by=nina, now=NOW
    )


def test_my_week_shows_only_my_clinic_visits(sam, nina, reyes, center, alice, bob):
    book(alice, reyes, datetime(2026, 3, 3, 9, tzinfo=NY), nina)
    book(bob, center.first("spine_surgery"), datetime(2026, 3, 3, 9, tzinfo=NY), nina)
    html = logged_in(sam).get("/me/week/").content.decode()
    assert "<title>My week of 2 Mar 2026" in html
    assert "Tuesday 3 March" in html and "09:00–10:00</strong> Alice Archer" in html
    assert "Bob" not in html and "1 clinic visit and 0 board meetings this week" in html


def test_my_week_pages_by_week(sam, nina, reyes, alice):
    book(alice, reyes, datetime(2026, 3, 10, 9, tzinfo=NY), nina)
    client = logged_in(sam)
    assert "Alice" not in client.get("/me/week/").content.decode()
    assert "Alice" in client.get("/me/week/?week=2026-03-11").content.decode()


def test_a_specialist_without_a_clinician_is_told_so(sam):
    html = logged_in(sam).get("/me/week/").content.decode()
    assert "not linked to a clinician" in html


def test_the_feed_link_rotates_and_the_old_one_stops_working(sam, reyes):
    client = logged_in(sam)
    old = reyes.calendar_token
    html = client.get("/me/calendar/").content.decode()
    assert f"http://testserver/calendar/{old}.ics" in html
    assert '<label for="feed-url">' in html
    assert client.get(f"/calendar/{old}.ics").status_code == 200
    response = client.post("/me/calendar/")
    assert response["Location"] == "/me/calendar/"
    reyes.refresh_from_db()
    assert reyes.calendar_token != old
    assert "old one no longer works" in client.get("/me/calendar/").content.decode()
    assert client.get(f"/calendar/{old}.ics").status_code == 404


def test_my_week_says_the_kind_of_visit_and_what_it_takes(sam, nina, reyes, alice):
    from navigation.models import AvailabilityTemplate, Resource, VisitType

    room = Resource.objects.create(
        name="Procedure room 2", kind="room", location=reyes.home_location
    )
    AvailabilityTemplate.objects.create(
        resource=room,
        weekday=1,
        start_time=time(8),
        end_time=time(17),
        location=reyes.home_location,
        valid_from=NOW.date(),
    )
    pre_op = VisitType.objects.create(
        specialty="neurosurgery",
        name="Awake craniotomy pre-op",
        minutes=60,
        new_patient=False,
        needs=["room"],
    )
    appointment_book(
        patient=alice,
        visit=VisitRequest(
            clinician=reyes, start=datetime(2026, 3, 3, 9, tzinfo=NY), visit_type=pre_op
        ),
        by=nina,
        now=NOW,
    )
    html = logged_in(sam).get("/me/week/").content.decode()
    assert "Awake craniotomy pre-op, Tower (Procedure room 2)" in html
