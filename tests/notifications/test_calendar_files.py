"""Every calendar file we produce, read by libical (with its iTIP restriction check) and by
ical.js: downloaded invites are PUBLISH, emailed ones REQUEST (or CANCEL) with an
ATTENDEE; VTIMEZONEs are RRULE observances without COMMENT, before the events; the feed
says how often to refresh; the organizer is the center's address; and a visit in a DST
month and one in a standard-time month read the wall-clock times they were booked for
(issue 15, finding 5)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from django.test import Client

from navigation.models import Location
from navigation.services import VisitRequest, appointment_book, appointment_cancel
from notifications import invites
from notifications.services import patient_link
from tests.notifications.calendar_checks import icaljs_events, libical_problems

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=NY)
WINTER = datetime(2026, 3, 5, 14, 0, tzinfo=NY)  # EST, UTC-5
SUMMER = datetime(2026, 7, 13, 10, 30, tzinfo=NY)  # EDT, UTC-4

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(settings):
    settings.CALENDAR_ORGANIZER_EMAIL = "scheduling@brainspine.example.org"
    with time_machine.travel(NOW, tick=False):
        yield


def book(center, patient, nina, start, specialty="pain_medicine"):
    return appointment_book(
        patient=patient,
        visit=VisitRequest(clinician=center.first(specialty), start=start),
        by=nina,
        now=NOW,
    )


@pytest.fixture
def files(center, alice, bob, nina, as_navigator):
    """Every kind of calendar file, for visits in a standard-time and a DST month, in New
    York and (a second zone) Chicago."""
    winter = book(center, alice, nina, WINTER)
    summer = book(center, alice, nina, SUMMER)
    chicago = Location.objects.create(name="Annex", address="9 Elm St", time_zone="America/Chicago")
    bob.email = ""  # a patient without an email downloads the file
    bob.save()
    other = book(center, bob, nina, datetime(2026, 7, 14, 9, 0, tzinfo=NY))
    other.location = chicago
    other.save()
    code = patient_link(alice, NOW).rsplit("/", 1)[1]
    page = Client()
    page.post(f"/p/{code}/verify", {"birth_date": alice.birth_date})
    clinician = center.first("pain_medicine")
    produced = {
        "emailed_winter": invites.visit_invite(winter, now=NOW, method="REQUEST"),
        "emailed_summer": invites.visit_invite(summer, now=NOW, method="REQUEST"),
        "api_download": as_navigator.get(f"/api/v1/appointments/{other.pk}/invite.ics").content,
        "page_download": page.get(f"/p/{code}/visit/{winter.pk}.ics").content,
        "feed": Client().get(f"/calendar/{clinician.calendar_token}.ics").content,
    }
    appointment_cancel(appointment=winter, by=nina, now=NOW, reason="patient asked")
    winter.refresh_from_db()
    produced["emailed_cancel"] = invites.visit_invite(winter, now=NOW, method="REQUEST")
    return produced


def test_every_calendar_file_passes_libicals_itip_check(files, tmp_path):
    assert libical_problems(files, tmp_path) == dict.fromkeys(files, [])


def test_ical_js_reads_the_booked_wall_clock_times_in_dst_and_standard_months(files, tmp_path):
    read = icaljs_events(files, tmp_path)
    winter = {"start": "2026-03-05T14:00:00", "startUtc": "2026-03-05T19:00:00.000Z"}
    summer = {"start": "2026-07-13T10:30:00", "startUtc": "2026-07-13T14:30:00.000Z"}
    chicago = {"start": "2026-07-14T08:00:00", "startUtc": "2026-07-14T13:00:00.000Z"}

    def times(name):
        return [{k: e[k] for k in ("start", "startUtc")} for e in read[name]]

    assert times("emailed_winter") == [winter]
    assert times("emailed_summer") == [summer]
    assert times("page_download") == [winter]
    assert times("api_download") == [chicago]
    assert sorted(times("feed"), key=lambda t: t["startUtc"]) == [winter, summer, chicago]
    assert read["api_download"][0]["zone"] == "America/Chicago"


def test_a_downloaded_file_is_publish_and_an_emailed_one_a_request_to_its_attendee(files):
    methods = {
        name: icalendar.Calendar.from_ical(body).get("METHOD") for name, body in files.items()
    }
    assert methods == {
        "emailed_winter": "REQUEST",
        "emailed_summer": "REQUEST",
        "emailed_cancel": "CANCEL",
        "api_download": "PUBLISH",
        "page_download": "PUBLISH",
        "feed": None,
    }
    for name, body in files.items():
        attendees = [e.get("ATTENDEE") for e in icalendar.Calendar.from_ical(body).walk("VEVENT")]
        if name.startswith("emailed"):
            assert attendees == ["mailto:alice@example.org"]
        else:
            assert attendees == [None] * len(attendees)
        organizers = {
            str(e["ORGANIZER"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
        }
        assert organizers == {"mailto:scheduling@brainspine.example.org"}, name
        assert b"localhost" not in body


def test_time_zones_are_rrule_observances_without_comment_before_the_events(files):
    for name, body in files.items():
        calendar = icalendar.Calendar.from_ical(body)
        kinds = [c.name for c in calendar.subcomponents]
        assert kinds == sorted(kinds, key=lambda k: k != "VTIMEZONE"), name
        for zone in calendar.walk("VTIMEZONE"):
            assert "COMMENT" not in zone, name
            rules = sorted(
                (o["RRULE"]["BYMONTH"], o["RRULE"]["BYDAY"], o["RRULE"]["FREQ"])
                for o in zone.subcomponents
                if "RRULE" in o
            )
            assert rules == [([3], ["2SU"], ["YEARLY"]), ([11], ["1SU"], ["YEARLY"])], name
            assert not any("RDATE" in o for o in zone.subcomponents)


def test_the_feed_tells_subscribers_how_often_to_refresh(files):
    body = files["feed"].decode()
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert "X-PUBLISHED-TTL:PT1H\r\n" in body
    assert body.index("BEGIN:VTIMEZONE") < body.index("BEGIN:VEVENT")


def test_a_zone_without_daylight_saving_has_one_plain_observance():
    zone = invites.vtimezone(
        "America/Phoenix",
        first=date(2025, 1, 1),
        last=date(2027, 1, 1),
    )
    assert [o.name for o in zone.subcomponents] == ["STANDARD"]
    assert "RRULE" not in zone.subcomponents[0] and "COMMENT" not in zone
