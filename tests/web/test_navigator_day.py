"""One whole navigator day in a real browser, with no API call and no admin page:
register a patient, take two referrals, book, plan, change what is booked, squeeze in an
emergency, handle a patient's request, and the board's task. A screenshot of each step
(axe-audited) is saved under WEB_SHOTS_DIR; every page is checked on a 390 px phone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from board.models import Case
from navigation.models import Appointment
from navigation.services import VisitRequest, appointment_book
from notifications.inbound import sms_received
from notifications.models import Alert, Message
from notifications.services import message_send
from patients.models import Referral
from tests.web.conftest import BOARD_NOW, NY
from tests.web.test_browser import (  # noqa: F401 - fixtures shared with the other pages
    CHROMIUM,
    browser,
    clock,
    context,
    log_in,
    shot,
)

pytestmark = [
    pytest.mark.skipif(
        not __import__("pathlib").Path(CHROMIUM).exists(),
        reason=f"BROWSER TESTS SKIPPED: no {CHROMIUM} (apt-get install chromium)",
    ),
    pytest.mark.django_db(transaction=True),
]

PETRA_PHONE = "+16175550177"
DAY_WAIT_MS = 20_000


def fits_a_phone(page) -> None:
    """No horizontal scroll at 390 px."""
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 390, f"{page.url} is {width} px wide on a 390 px phone"


def step(page, name: str) -> None:
    shot(page, name)
    fits_a_phone(page)


def live_consults(referral) -> int:
    return (
        Appointment.objects.filter(referral=referral, is_consult=True)
        .exclude(status="cancelled")
        .count()
    )


def test_a_navigator_does_a_whole_day_in_the_pages(
    context,  # noqa: F811 - the fixture imported above
    live_server,
    nina,
    sam,
    alice,
    center,
    radiation,
    meeting,  # noqa: F811
):
    from playwright.sync_api import expect

    # A long walk on a shared machine: each wait bounded, more generously than one page's.
    context.set_default_timeout(DAY_WAIT_MS)
    expect.set_options(timeout=DAY_WAIT_MS)
    nina.email = "nina@center.example"
    nina.save()
    on_call = center.first("neurosurgery")
    on_call.on_call, on_call.email = True, "neuro-on-call@center.example"
    on_call.save()
    # Another patient's visit, booked earlier: the time the emergency will be squeezed into.
    appointment_book(
        patient=alice,
        visit=VisitRequest(clinician=on_call, start=datetime(2026, 3, 2, 13, tzinfo=NY)),
        by=nina,
        now=timezone.now(),
    )
    page = context.new_page()
    log_in(page, live_server.url, "nina", "/patients/")

    # 1. Register a patient; a mistake is shown beside its field and nothing is saved.
    page.get_by_role("link", name="Register a patient").click()
    page.get_by_label("MRN").fill("MRN-7001")
    page.get_by_label("First name").fill("Petra")
    page.get_by_label("Last name").fill("Novak")
    page.get_by_label("Birth date").fill("1958-04-12")
    page.get_by_label("Phone").fill("12345")
    page.get_by_label("Agrees to text reminders").check()
    page.get_by_role("button", name="Register the patient").click()
    expect(page.locator("#id_phone-error")).to_contain_text("Enter a valid phone number")
    expect(page.get_by_label("First name")).to_have_value("Petra")
    step(page, "day-01-register-mistake")
    page.get_by_label("Phone").fill(PETRA_PHONE)
    page.get_by_role("button", name="Register the patient").click()
    expect(page.get_by_role("heading", name="Take a referral for Petra Novak")).to_be_visible()
    step(page, "day-02-registered")

    # 2. Her referral (spine, routine); a received time in the future is refused first.
    page.get_by_label("Referring oncologist").fill("Dr. Helen Park")
    received = page.get_by_label("Received (clinic time)")
    received.fill((timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Primary cancer").select_option("prostate")
    page.get_by_label("Sites").select_option("spine")
    page.get_by_label("Pain (0 to 10)").fill("3")
    page.get_by_role("button", name="Take the referral").click()
    expect(page.locator("#id_received_at-error")).to_contain_text(
        "cannot be received in the future"
    )
    received.fill((timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Take the referral").click()
    expect(page.get_by_role("heading", name="Triage")).to_be_visible()
    routine = Referral.objects.get(patient__mrn="MRN-7001")
    expect(page.locator(".badge.urgency")).to_have_text("Routine")
    expect(page.get_by_role("link", name=PETRA_PHONE)).to_be_visible()
    page.get_by_label("Location").select_option("junctional")  # a spine case: SINS as you pick
    expect(page.locator("#sins-result")).to_contain_text("3 points from 1 of 6 parts")
    step(page, "day-03-routine-referral")

    # 3. An emergency for a new patient, registered on the referral form: it pages the on-call.
    page.get_by_role("link", name="Patients", exact=True).click()
    page.get_by_role("link", name="Take a referral for a new patient").click()
    page.get_by_label("MRN").fill("MRN-7002")
    page.get_by_label("First name").fill("Eric")
    page.get_by_label("Last name").fill("Moreau")
    page.get_by_label("Birth date").fill("1949-11-03")
    page.get_by_label("Phone").fill("+16175550188")
    page.get_by_label("Referring oncologist").fill("Dr. Omar Haddad")
    page.get_by_label("Primary cancer").select_option("lung")
    page.get_by_label("Sites").select_option("brain")
    page.get_by_label("Brain symptomatic").check()
    page.get_by_label("Mass effect").check()
    page.get_by_role("button", name="Take the referral").click()
    expect(page.locator(".badge.urgency")).to_have_text("Emergency")
    emergency = Referral.objects.get(patient__mrn="MRN-7002")
    for message in Message.objects.filter(template="emergency_page"):
        message_send(message_id=message.pk, now=timezone.now())  # the alerts worker's job
    assert "neuro-on-call@center.example" in [m.to[0] for m in mail.outbox]
    expect(page.get_by_role("heading", name="SINS calculator")).to_have_count(0)  # brain only
    step(page, "day-04-emergency-referral")

    # 4. Book its consult.
    page.get_by_role("button", name="Book consult").first.click()
    expect(page.locator(".messages")).to_contain_text("Consult booked with")
    expect(page.locator("#clock-consult .badge.state")).to_contain_text("Met")
    assert live_consults(emergency) == 1
    # Its emergency alert ended with the booking, saying why.
    assert not Alert.objects.filter(referral=emergency, resolved_at__isnull=True).exists()
    assert Alert.objects.get(referral=emergency, kind="emergency").resolved_reason
    step(page, "day-05-emergency-consult")

    # 5. A three-specialist same-day visit for Petra.
    page.goto(f"{live_server.url}/referrals/{routine.pk}/")
    for name in ("Spine surgery", "Radiation oncology", "Palliative care"):
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Find same-day options").click()
    page.get_by_role("button", name="Book option 1").click()
    expect(page.get_by_text("Booked: 3 visits on")).to_be_visible()
    expect(page.locator("#clock-consult .badge.state")).to_contain_text("Met")
    expect(page.get_by_role("button", name="Book consult")).to_have_count(0)
    assert live_consults(routine) == 1
    step(page, "day-06-same-day-booked")

    # Every visible button of the fresh page: none books a second consult.
    url = page.url
    count = page.locator("main button:visible").count()
    assert count >= 2
    for index in range(count):
        page.goto(url)
        page.locator("main button:visible").nth(index).click()
        page.wait_for_load_state()
        assert live_consults(routine) == 1
    page.goto(f"{live_server.url}/referrals/{routine.pk}/")

    # 6. Reschedule one visit to a free time the engine offers.
    page.locator("#booked-visits li", has_text="Spine surgery").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Reschedule")).to_be_visible()
    page.locator("input[name=slot]").first.check()
    page.get_by_role("button", name="Move the visit").click()
    expect(page.locator(".messages")).to_contain_text("Moved to")
    step(page, "day-07-rescheduled")

    # 7. Cancel another, with a reason (none given first: refused beside the field).
    page.goto(f"{live_server.url}/referrals/{routine.pk}/")
    page.locator("#booked-visits li", has_text="Palliative care").get_by_role("link").first.click()
    page.get_by_role("button", name="Cancel the visit").click()
    expect(page.locator("#id_reason-error")).to_contain_text("Say why")
    page.get_by_label("Reason for cancelling").fill("Palliative care at her home hospital")
    page.get_by_role("button", name="Cancel the visit").click()
    expect(page.locator(".messages")).to_contain_text("cancelled")
    expect(page.locator(".visit-status")).to_have_text("Cancelled")
    step(page, "day-08-cancelled")

    # 8. Once the visit has begun: a no-show, undone; then the patient arrives.
    radiation_visit = Appointment.objects.get(
        referral=routine, specialty="radiation_oncology", status="booked"
    )
    with time_machine.travel(radiation_visit.start + timedelta(minutes=5), tick=True):
        log_in(page, live_server.url, "nina", f"/referrals/{routine.pk}/")
        page.locator("#booked-visits li", has_text="Radiation oncology").get_by_role(
            "link"
        ).first.click()
        page.get_by_role("button", name="Did not come (no-show)").click()
        expect(page.locator(".visit-status")).to_have_text("No-show")
        page.get_by_role("button", name="Back to booked").click()
        expect(page.locator(".visit-status")).to_have_text("Booked")
        page.get_by_role("button", name="Arrived (check in)").click()
        expect(page.locator(".visit-status")).to_have_text("Checked in")
        step(page, "day-09-no-show-undone-arrived")

    # 9. Squeeze the emergency in over booked time, with a reason.
    page.goto(f"{live_server.url}/referrals/{emergency.pk}/")
    page.get_by_text("Book over booked time", exact=True).click()
    page.get_by_label("With", exact=True).select_option(str(on_call.pk))
    page.get_by_label("Starts (clinic time)").fill("2026-03-02T13:00")
    page.get_by_label("Minutes", exact=True).fill("30")
    page.get_by_role("button", name="Book over other visits").click()
    expect(page.locator("#id_override_reason-error")).to_contain_text("Say why")
    page.get_by_label("Reason for booking over other visits").fill("Worsening headache, seen today")
    page.get_by_role("button", name="Book over other visits").click()
    expect(page.locator(".messages")).to_contain_text("the override is recorded")
    assert Appointment.objects.filter(referral=emergency, override=True).count() == 1
    step(page, "day-10-override")
    page.goto(f"{live_server.url}/day/?day=2026-03-02")
    expect(page.locator("a.block.override")).to_have_count(1)
    step(page, "day-11-day-view")

    # 10. Petra texts R: a task on her referral, handled from its page.
    sms_received(sender=PETRA_PHONE, body="R", sid="SMday1", now=timezone.now())
    page.goto(f"{live_server.url}/referrals/{routine.pk}/")
    expect(page.locator(".request.open")).to_contain_text("Asked by text to reschedule")
    page.locator(".request.open").get_by_label("What was done").fill("Called her: keeps the day")
    page.get_by_role("button", name="Mark handled").click()
    expect(page.locator(".request.done")).to_contain_text("Called her: keeps the day")
    assert not Alert.objects.filter(kind="patient_reply", resolved_at__isnull=True).exists()
    step(page, "day-12-request-handled")

    # Every alert of the day whose cause went away ended by itself, saying why.
    page.goto(f"{live_server.url}/alerts/")
    page.get_by_role("link", name="All alerts").click()
    expect(page.locator("main")).to_contain_text("The consult is booked.")
    open_ones = Alert.objects.filter(resolved_at__isnull=True, acknowledged_at__isnull=True)
    assert not open_ones.filter(referral__in=[emergency, routine]).exclude(kind="override")
    assert not open_ones.filter(patient__in=[routine.patient, emergency.patient]).exclude(
        kind="override"  # an override is an audit record for a person to acknowledge
    )
    step(page, "day-13-alerts")

    # 11. The case goes on the board; the specialist checks in and signs; the navigator
    # closes the task it creates.
    page.goto(f"{live_server.url}/referrals/{routine.pk}/")
    page.get_by_text("Put this case on a meeting").click()
    page.get_by_label("Question for the board").fill("Radiotherapy or surgery first?")
    page.get_by_label("Imaging available").check()
    page.get_by_role("button", name="Put on the board").click()
    expect(page.locator(".messages")).to_contain_text("Put on the tumor board")
    # Past this week's cutoff, the case went to the next meeting open for cases.
    case = Case.objects.get(referral=routine)
    start, end = case.meeting.start.astimezone(NY), case.meeting.end.astimezone(NY)
    meeting_link = f"{start:%a} {start.day} {start:%b %Y}, {start:%H:%M}–{end:%H:%M}"
    specialist = context.browser.new_context(viewport={"width": 1280, "height": 900})
    specialist.set_default_timeout(DAY_WAIT_MS)
    other = specialist.new_page()
    with time_machine.travel(BOARD_NOW, tick=True):
        log_in(other, live_server.url, "sam")  # lands on "My week"
        other.get_by_role("link", name=re.compile("Petra Novak")).first.click()
        expect(other.get_by_role("heading", name="Clinical picture")).to_be_visible()
        expect(other.get_by_role("button", name="Book consult")).to_have_count(0)  # reads only
        shot(other, "day-14a-specialist-reads-the-referral")
    with time_machine.travel(start - timedelta(minutes=30), tick=True):
        log_in(other, live_server.url, "sam")  # a new day, a new session
        other.get_by_role("link", name="Tumor board", exact=True).click()
        other.get_by_role("link", name=meeting_link).click()
        other.get_by_role("button", name="Check in Dr. Ravi Shah").click()
        expect(other.get_by_role("status")).to_contain_text("Dr. Ravi Shah is checked in")
        other.get_by_role("link", name="Petra Novak").click()
        other.get_by_label("Radiosurgery (SRS)").check()
        other.get_by_label("Intent").select_option("local_control")
        other.get_by_label("Rationale").fill("Single lesion, stable spine.")
        other.get_by_label("Book a radiation planning visit").check()
        other.get_by_role("button", name="Sign the recommendation").click()
        expect(other.get_by_role("alert")).to_contain_text("Sign this recommendation?")
        other.get_by_role("button", name="Confirm and sign").click()
        expect(other.get_by_role("status")).to_contain_text("signed")
        shot(other, "day-14-board-signed")
        specialist.close()

        # The navigator's idle session ended long ago; she logs in again.
        log_in(page, live_server.url, "nina", f"/referrals/{routine.pk}/")
        expect(page.get_by_role("heading", name="Tasks from the board")).to_be_visible()
        page.get_by_role("button", name="Mark task done").click()
        expect(page.locator(".messages")).to_contain_text("Task done")
        expect(page.get_by_role("button", name="Mark task done")).to_have_count(0)
        step(page, "day-15-board-task-done")
