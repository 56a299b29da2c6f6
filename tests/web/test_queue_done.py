"""The queue keeps the work on top: a referral whose consult meets its deadline sinks below
every live one, and a breached referral shows the late consult it got."""

from datetime import timedelta

import pytest

from navigation.models import Clinician
from navigation.services import VisitRequest, appointment_book, consult_options
from tests.web.conftest import NOW, frozen_at, logged_in, make_referral
from tests.web.test_queue import rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(NOW) as traveller:
        yield traveller


def book_first_slot(referral, by):
    slot = consult_options(referral=referral, now=NOW).slots[0]
    appointment_book(
        patient=referral.patient,
        visit=VisitRequest(
            clinician=Clinician.objects.get(pk=slot.clinician_id),
            start=slot.start,
            specialty=slot.specialty,
        ),
        by=by,
        now=NOW,
        referral=referral,
        is_consult=True,
    )
    return slot


def test_a_referral_whose_consult_is_met_sinks_below_the_live_ones(
    nina, center, emergency, routine
):
    book_first_slot(emergency, nina)
    first, second = rows(logged_in(nina).get("/queue/").content.decode())
    assert "Bob Baker" in first and "On track" in first
    assert "Alice Archer" in second and "Met" in second


def test_a_breached_referral_shows_its_late_consult(nina, center, alice):
    late = make_referral(alice, received_at=NOW - timedelta(hours=80))
    slot = book_first_slot(late, nina)
    [row] = rows(logged_in(nina).get("/queue/").content.decode())
    assert "Breached" in row
    assert f"late consult {slot.start.astimezone(NOW.tzinfo):%a %-d %b %H:%M}" in row
