"""The pages in a real browser: Debian's Chromium driven by Playwright against the live
test server. One browser per module; every wait is bounded."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from navigation.models import Appointment, AppointmentResource, Clinician
from navigation.services import VisitRequest, appointment_book
from notifications.services import patient_link
from patients.models import Patient, Referral
from tests.conftest import client_for, make_user
from tests.navigation.test_resources import interpreter, scanner  # noqa: F401  (fixtures)
from tests.web.conftest import BOARD_NOW, NOW, NY, make_referral

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(os.environ.get("WEB_SHOTS_DIR", "/tmp/web-shots"))
# axe-core 4.14.1 from the npm registry (npm pack axe-core), MPL-2.0.
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SERIOUS = ("serious", "critical")
WAIT_MS = 5000

if not Path(CHROMIUM).exists() and os.environ.get("BROWSER_TESTS_REQUIRED"):
    pytest.fail(f"BROWSER_TESTS_REQUIRED is set but {CHROMIUM} is missing", pytrace=False)

pytestmark = [
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"BROWSER TESTS SKIPPED: no {CHROMIUM} (apt-get install chromium)",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the ORM calls in
    # these tests are plain synchronous ones, made between browser steps.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    expect.set_options(timeout=WAIT_MS)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=20_000)
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def clock(settings):
    # Plain http to the live server: cookies cannot be Secure-only here.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def context(browser):
    """A browser context that fails the test if the Content Security Policy refused
    anything a page tried to load or run."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(WAIT_MS)
    refused = []
    ctx.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield ctx
    ctx.close()
    assert not refused, refused


def shot(page, name: str) -> None:
    """A screenshot to look at, and an axe-core audit: no serious or critical violation."""
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    page.evaluate(AXE.read_text())  # through DevTools: the page's CSP allows no inline script
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    serious = [v for v in violations if v["impact"] in SERIOUS]
    assert not serious, f"{name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in serious
    )


def log_in(page, base: str, username: str, path: str = "/") -> None:
    page.goto(f"{base}{path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-pw-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_a_navigator_plans_and_books_a_same_day_visit(
    context, live_server, nina, center, emergency, routine
):
    from playwright.sync_api import expect

    page = context.new_page()
    log_in(page, live_server.url, "nina", "/queue/")
    expect(page).to_have_title("Referral queue · Brain & Spine Center")
    first_row = page.locator("#queue-rows tr").first
    expect(first_row).to_contain_text("Emergency")
    expect(first_row).to_contain_text("At risk")
    expect(first_row).to_contain_text("Alice Archer")
    shot(page, "queue")

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "queue-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    first_row.get_by_role("link", name="Alice Archer").click()
    page.wait_for_url(f"**/referrals/{emergency.pk}/")  # and its load event: htmx is ready
    expect(page.get_by_role("heading", name="Triage")).to_be_visible()
    # A brain-only case: no spine-instability calculator (the spine page has it).
    expect(page.get_by_role("heading", name="SINS calculator")).to_have_count(0)

    for name in ("Neurosurgery", "Radiation oncology", "Palliative care"):
        expect(page.get_by_label(name, exact=True)).to_be_checked()
    search = page.get_by_role("button", name="Find same-day options")
    search.click()
    book = page.get_by_role("button", name="Book option 1")
    expect(book).to_be_visible()
    expect(page.locator(".option").first).to_contain_text("Walk 15 min to Tower")
    shot(page, "referral-options")
    page.locator(".option").first.screenshot(path=SHOTS / "option-timeline.png")

    # Keyboard only: from the search button, Tab reaches the book button.
    search.focus()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Book option 1":
            break
    else:
        pytest.fail("Tab never reached the 'Book option 1' button")

    # A colleague has the same options open in another tab.
    other = context.new_page()
    other.goto(f"{live_server.url}/referrals/{emergency.pk}/")
    other.get_by_role("button", name="Find same-day options").click()
    expect(other.get_by_role("button", name="Book option 1")).to_be_visible()

    page.keyboard.press("Enter")  # the whole page comes back, current everywhere
    expect(page.get_by_text("Booked: 3 visits on Monday 2 March")).to_be_visible()
    expect(page.locator("#clock-consult .badge.state")).to_contain_text("Met")
    expect(page.locator("#booked-visits li")).to_have_count(3)
    shot(page, "referral-booked")
    assert Appointment.objects.filter(referral=emergency).count() == 3

    other.get_by_role("button", name="Book option 1").click()
    clash = other.get_by_role("alert")
    expect(clash).to_contain_text("Not booked")
    expect(clash).to_contain_text("is not free")
    shot(other, "referral-clash")
    assert Appointment.objects.filter(referral=emergency).count() == 3

    page.get_by_role("link", name="See Monday 2 March in the day view").click()
    expect(page).to_have_title("Day view Mon 2 Mar 2026 · Brain & Spine Center")
    expect(page.locator(".block.visit")).to_have_count(3)
    expect(page.locator(".block.visit").first).to_contain_text("Alice Archer")
    shot(page, "day-view")


def history(center, weeks: int = 8) -> None:
    """Past referrals, their consults and visits: something for the dashboard to draw."""
    clinicians = list(center.clinicians.values())
    waits = [20, 30, 50, 60, 70, 80, 100, 10, 40, 65, 130, 25]
    for i in range(weeks * 3):
        patient = Patient.objects.create(
            mrn=f"H{i:03d}",
            first_name="Past",
            last_name=f"Patient {i}",
            birth_date=date(1960, 1, 1),
        )
        referral = make_referral(patient, received_at=NOW - timedelta(days=2 * i + 3, hours=i % 5))
        consult = referral.received_at + timedelta(hours=waits[i % len(waits)])
        Referral.objects.filter(pk=referral.pk).update(consult_at=consult)
        Appointment.objects.create(
            patient=patient,
            clinician=clinicians[i % len(clinicians)],
            location=center.tower,
            specialty=clinicians[i % len(clinicians)].specialty,
            start=consult,
            end=consult + timedelta(minutes=45),
            status="no_show" if i % 7 == 3 else "completed",
        )


def test_the_other_navigator_pages_read_well(context, live_server, nina, center, emergency):
    from playwright.sync_api import expect

    page = context.new_page()
    log_in(page, live_server.url, "nina", "/alerts/")
    expect(page.locator(".alert").first).to_contain_text("EMERGENCY referral")
    page.get_by_role("button", name="Acknowledge", exact=True).first.click()
    expect(page.locator(".alert").first).to_contain_text("Acknowledged")
    shot(page, "alerts")
    history(center)
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("svg.chart")).to_have_count(3)
    shot(page, "dashboard")

    # The first view draws eight charts with matplotlib (later ones reuse them): on this
    # shared machine that may take longer than the usual bound.
    page.get_by_role("link", name="Navigation metrics").click(timeout=30_000)
    expect(page).to_have_title("Navigation metrics · Brain & Spine Center")
    # a chart for every figure with data (the barriers and distress counts among them);
    # the clocks nobody reached yet say so
    expect(page.locator("svg.chart")).to_have_count(5)
    expect(page.locator('svg.chart[aria-labelledby^="support-"]')).to_have_count(1)
    expect(page.get_by_text("Resection to radiosurgery, days: no data")).to_be_visible()
    consult = page.get_by_role("img", name="Referral to first consult, hours")
    expect(consult).to_be_visible()
    expect(page.locator("#clock-consult table")).to_contain_text("all referrals")
    expect(page.locator("#clock-consult .definition")).to_contain_text("AONN+")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download every figure as CSV").click()
    assert download.value.suggested_filename.startswith("navigation-metrics-")
    shot(page, "metrics")


def test_a_specialist_sees_their_week_and_rotates_their_feed(
    context, live_server, sam, nina, center, alice
):
    from playwright.sync_api import expect

    surgeon = center.first("neurosurgery")
    surgeon.user = sam
    surgeon.save()
    appointment_book(
        patient=alice,
        visit=VisitRequest(clinician=surgeon, start=datetime(2026, 3, 3, 9, tzinfo=NY)),
        by=nina,
        now=NOW,
    )
    page = context.new_page()
    log_in(page, live_server.url, "sam")
    expect(page.get_by_role("heading", name="Tuesday 3 March")).to_be_visible()
    expect(page.get_by_text("Alice Archer")).to_be_visible()
    shot(page, "my-week")
    page.get_by_role("link", name="Calendar feed").click()
    old = page.get_by_label("Your feed link").input_value()
    page.get_by_role("button", name="Make a new link").click()
    expect(page.get_by_role("status")).to_contain_text("old one no longer works")
    assert page.get_by_label("Your feed link").input_value() != old
    shot(page, "calendar-feed")


def test_a_specialist_checks_in_and_signs_the_boards_recommendation(
    context, live_server, sam, meeting, board_case, radiation
):
    from playwright.sync_api import expect

    with time_machine.travel(BOARD_NOW, tick=True):
        page = context.new_page()
        log_in(page, live_server.url, "sam")
        page.get_by_role("link", name="Tumor board", exact=True).click()
        page.get_by_role("link", name="Tue 3 Mar 2026, 07:00–08:30").click()
        expect(page.get_by_role("heading", name="Not quorate yet")).to_be_visible()
        expect(page.locator(".agenda .case").first).to_contain_text("Radiosurgery or resection?")
        page.get_by_role("button", name="Check in Dr. Ravi Shah").click()
        expect(page.get_by_role("status")).to_contain_text("Dr. Ravi Shah is checked in")
        expect(page.get_by_role("button", name="Mark Dr. Ravi Shah absent")).to_be_visible()
        page.locator(".agenda details summary").first.click()
        expect(page.locator(".agenda .noms").first).to_contain_text("Oncologic")
        shot(page, "board-agenda")

        page.get_by_role("link", name="Alice Archer").click()
        page.get_by_label("Radiosurgery (SRS)").check()
        page.get_by_label("Intent").select_option("local_control")
        page.get_by_label("Rationale").fill("Two small lesions; good performance status.")
        page.get_by_label("Follow-up imaging").select_option("mri_brain")
        page.get_by_label("Every (weeks, 6 to 16)").fill("8")
        page.get_by_label("Book a radiation planning visit").check()
        page.get_by_role("button", name="Sign the recommendation").click()
        expect(page.get_by_role("alert")).to_contain_text("Sign this recommendation?")
        page.get_by_role("button", name="Confirm and sign").click()
        expect(page.get_by_role("status")).to_contain_text("Recommendation version 1 signed.")
        expect(page.locator(".recommendation").first).to_contain_text("Signed by Dr. Ravi Shah")
        shot(page, "board-case-signed")
        page.get_by_role("link", name="Tue 3 Mar").click()
        expect(page.locator(".agenda .case").first).to_contain_text("Recommendation signed (v1)")


def test_the_patient_page_in_spanish_fits_a_phone_after_the_birth_date(
    browser, live_server, nina, center, alice
):
    """The link alone asks for the birth date; then the plan, in the patient's language,
    at 390 px wide: no horizontal scroll, axe clean, nothing refused by the CSP."""
    from playwright.sync_api import expect

    alice.preferred_language = "es"
    alice.save()
    # 13:00-14:00 in the Tower, then 14:15 in the Pavilion: the 15-minute walk between.
    for start, specialty in (((13, 0), "neurosurgery"), ((14, 15), "pain_medicine")):
        appointment_book(
            patient=alice,
            visit=VisitRequest(
                clinician=center.first(specialty), start=datetime(2026, 3, 9, *start, tzinfo=NY)
            ),
            by=nina,
            now=NOW,
        )
    path = patient_link(alice, NOW).split("/p/", 1)[1]
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.set_default_timeout(WAIT_MS)
    refused = []
    phone.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page = phone.new_page()
    page.goto(f"{live_server.url}/p/{path}")
    expect(page.get_by_label("Fecha de nacimiento")).to_be_visible()
    expect(page.get_by_text("Alice")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "patient-phone-es-birth-date")
    page.get_by_label("Fecha de nacimiento").fill("1961-04-02")
    page.get_by_role("button", name="Ver mis citas").click()
    expect(page.get_by_role("heading", name="Hola Alice")).to_be_visible()
    expect(page.get_by_role("heading", name="lunes 9 de marzo")).to_be_visible()
    expect(page.get_by_text("Dr. Nora Reyes")).to_be_visible()
    expect(page.get_by_text("Camine 15 min desde Tower")).to_be_visible()
    expect(page.get_by_role("link", name="Añadir al calendario").first).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "es"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "patient-phone-es")
    phone.close()
    assert not refused, refused


def test_the_login_page_fits_a_phone_too(browser, live_server):
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.goto(f"{live_server.url}/login/", timeout=WAIT_MS)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "login-phone")
    phone.close()


def test_a_navigator_holds_an_option_while_on_the_phone_then_confirms_it(
    context, live_server, nina, center, emergency
):
    import re

    from playwright.sync_api import expect

    page = context.new_page()
    log_in(page, live_server.url, "nina", f"/referrals/{emergency.pk}/")
    page.get_by_role("button", name="Find same-day options").click()
    page.get_by_role("button", name="Hold option 1 for 10 min").click()
    expect(page.get_by_role("heading", name="Held for Alice Archer")).to_be_visible()
    timer = page.get_by_role("timer")
    expect(timer).to_have_text(re.compile(r"^(10:00|9:[0-5]\d) left$"))
    expect(timer).to_have_attribute("aria-label", re.compile(r"minutes? \d+ seconds? left$"))
    # It counts down by the second.
    expect(timer).to_have_text(re.compile(r"^9:[0-5]\d left$"))
    expect(page.locator(".hold time")).to_have_text("07:10")
    shot(page, "referral-hold")
    assert set(Appointment.objects.filter(referral=emergency).values_list("status", flat=True)) == {
        "held"
    }
    page.get_by_role("button", name="Confirm and book").click()
    expect(page.get_by_text("Booked: 3 visits on Monday 2 March")).to_be_visible()
    expect(page.get_by_role("timer")).to_have_count(0)
    assert set(Appointment.objects.filter(referral=emergency).values_list("status", flat=True)) == {
        "booked"
    }


@pytest.mark.usefixtures("interpreter")
def test_a_navigator_holds_a_plan_with_the_scanner_and_an_interpreter_and_a_rival_is_refused(
    context,
    live_server,
    nina,
    bob,
    center,
    emergency,
    scanner,  # noqa: F811
):
    """Issue 16's "Done when": the MRI needs the scanner, all three visits need a Spanish
    interpreter; the held scanner minute is refused to another navigator, naming it."""
    from playwright.sync_api import expect

    emergency.patient.interpreter_language = "es"
    emergency.patient.save()
    page = context.new_page()
    log_in(page, live_server.url, "nina", f"/referrals/{emergency.pk}/")
    page.get_by_label("Neuroradiology (imaging)", exact=True).check()
    page.get_by_label("Palliative care", exact=True).uncheck()
    page.get_by_role("button", name="Find same-day options").click()
    option = page.locator(".option").first
    expect(option.locator("li.visit")).to_have_count(3)
    expect(option.locator("li.visit", has_text="Neuroradiology")).to_contain_text(
        "(MRI 3T-1, Lucía Ortega)"
    )
    for visit in option.locator("li.visit").all():
        expect(visit).to_contain_text("Lucía Ortega")

    page.get_by_role("button", name="Hold option 1 for 10 min").click()
    held = page.locator(".hold")
    expect(held.get_by_role("timer")).to_be_visible()
    expect(held.locator("li", has_text="Neuroradiology")).to_contain_text("MRI 3T-1")
    expect(held.locator("li", has_text="Lucía Ortega")).to_have_count(3)
    shot(page, "referral-hold-resources")

    # Another navigator, on the API, wants the same scanner minute for another patient
    # with the other neuroradiologist.
    mri = Appointment.objects.get(referral=emergency, specialty="neuroradiology")
    rival = Clinician.objects.filter(specialty="neuroradiology").exclude(pk=mri.clinician_id)[0]
    visit = {"clinician": rival.pk, "start": mri.start.isoformat(), "resources": [scanner.pk]}
    refused = client_for(make_user("noah", "navigator")).post(
        "/api/v1/itineraries/", {"patient": bob.pk, "visits": [visit]}, format="json"
    )
    assert refused.status_code == 409, refused.json()
    assert "MRI 3T-1" in refused.json()["message"]
    assert f"hold {mri.hold_id}" in refused.json()["message"]
    assert not Appointment.objects.filter(patient=bob).exists()

    page.get_by_role("button", name="Confirm and book").click()
    expect(page.get_by_text("Booked: 3 visits on Monday 2 March")).to_be_visible()
    booked = page.locator("#booked-visits li")
    expect(booked.filter(has_text="Neuroradiology")).to_contain_text("MRI 3T-1")
    expect(booked.filter(has_text="Lucía Ortega")).to_have_count(3)
    rows = AppointmentResource.objects.filter(appointment__referral=emergency, live=True)
    assert set(rows.values_list("appointment__status", flat=True)) == {"booked"}
    assert list(rows.filter(resource=scanner).values_list("appointment", flat=True)) == [mri.pk]
    assert rows.filter(resource__name="Lucía Ortega").count() == 3
