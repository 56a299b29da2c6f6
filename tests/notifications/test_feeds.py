"""A clinician's private, revocable calendar feed."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
import vobject
from django.test import Client

from navigation.services import VisitRequest, appointment_book
from tests.conftest import client_for

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=NY)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_feed_lists_the_clinicians_visits_without_names_or_diagnoses(center, alice, nina):
    clinician = center.first("pain_medicine")
    appointment_book(
        patient=alice,
        visit=VisitRequest(clinician=clinician, start=datetime(2026, 3, 9, 14, tzinfo=NY)),
        by=nina,
        now=NOW,
    )
    response = Client().get(f"/calendar/{clinician.calendar_token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = vobject.readOne(response.content.decode())
    events = calendar.vevent_list
    assert len(events) == 1
    assert events[0].dtstart.value == datetime(2026, 3, 9, 14, tzinfo=NY)
    body = response.content.decode()
    assert "Alice" not in body and "Archer" not in body and "pain" not in body.lower()


def test_a_wrong_token_is_404(center):
    assert Client().get("/calendar/" + "x" * 43 + ".ics").status_code == 404


def test_rotating_the_feed_revokes_the_old_url(center, sam, ada):
    clinician = center.first("neurosurgery")
    clinician.user = sam
    clinician.save()
    old = clinician.calendar_token
    as_sam = client_for(sam)
    shown = as_sam.get(f"/api/v1/clinicians/{clinician.pk}/feed/").json()["url"]
    assert shown.endswith(f"/calendar/{old}.ics")
    rotated = as_sam.post(f"/api/v1/clinicians/{clinician.pk}/feed/").json()["url"]
    assert old not in rotated
    assert Client().get(f"/calendar/{old}.ics").status_code == 404
    assert Client().get(rotated.removeprefix("http://testserver")).status_code == 200
    other = center.first("spine_surgery")
    assert as_sam.get(f"/api/v1/clinicians/{other.pk}/feed/").status_code == 403
    assert client_for(ada).get(f"/api/v1/clinicians/{other.pk}/feed/").status_code == 200


def test_the_fast_feed_says_exactly_what_icalendar_objects_would(center, alice, bob, nina):
    """The feed writes visits as text for speed; icalendar's own objects are the reference."""
    from django.utils import timezone

    from navigation.models import Appointment, Location
    from notifications import invites

    annex = Location.objects.create(
        name="Annex; Floor 2, Suite B", address="9 Elm St, Unit 4", time_zone="America/Chicago"
    )
    clinician = center.first("pain_medicine")
    for day, patient in ((9, alice), (10, bob)):
        appointment_book(
            patient=patient,
            visit=VisitRequest(clinician=clinician, start=datetime(2026, 3, day, 14, tzinfo=NY)),
            by=nina,
            now=NOW,
        )
    Appointment.objects.filter(start__day=10).update(location=annex, sequence=3)
    now = timezone.now()
    visits = list(
        Appointment.objects.filter(clinician=clinician).select_related("location").order_by("start")
    )
    reference = invites.feed(
        [invites.visit_event(a, now=now, for_patient=False) for a in visits], name="Feed", now=now
    )
    fast = invites.visits_feed(
        [
            invites.FeedVisit(
                a.uid,
                a.sequence,
                a.start,
                a.end,
                a.location.name,
                a.location.address,
                a.location.time_zone,
            )
            for a in visits
        ],
        [],
        name="Feed",
        now=now,
    )

    def events(body):
        calendar = vobject.readOne(body.decode())
        return sorted(
            (
                e.uid.value,
                e.sequence.value,
                e.dtstart.value,
                e.dtend.value,
                e.location.value,
                e.summary.value,
                getattr(e, "class").value,
                e.organizer.value,
                e.status.value,
            )
            for e in calendar.vevent_list
        )

    assert events(fast) == events(reference)
    assert len(events(fast)) == 2
    zones = {tz.tzid.value for tz in vobject.readOne(fast.decode()).vtimezone_list}
    assert zones == {"America/New_York", "America/Chicago"}
    assert b"Alice" not in fast and b"Bob" not in fast
