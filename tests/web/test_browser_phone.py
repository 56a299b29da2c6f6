"""The pages this change touched, on a 390 px phone in Chromium: the alerts (bulk
acknowledge, resolved ones), a specialist's week and read-only referral, the board agenda
(check-in not open yet) and the sign confirmation. No horizontal scroll, no serious axe
violation, no CSP refusal (the `context` fixture)."""

from __future__ import annotations

import urllib.request
from datetime import datetime

import pytest
import time_machine

from navigation.services import VisitRequest, appointment_book
from notifications.alerts import alerts_resolve
from notifications.models import Alert
from tests.web import test_browser as base
from tests.web.conftest import BOARD_NOW, NOW, NY
from tests.web.test_browser import log_in, shot
from tests.web.test_metrics import walked as metrics_walked

# The browser, its CSP-watching context, the clock and the marks of the browser tests.
browser, clock, context, pytestmark = base.browser, base.clock, base.context, base.pytestmark
walked = metrics_walked  # the metrics' month of referrals

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def warm(live_server):
    """The live server's first answer imports every view (seconds on a busy machine):
    taken here, bounded, so a page load's own wait measures the page."""
    urllib.request.urlopen(f"{live_server.url}/login/", timeout=60).close()


def fits(page) -> bool:
    """No horizontal scroll; when there is one, the widest culprits are named."""
    wide = page.evaluate(
        "() => [...document.querySelectorAll('main *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' +"
        " Math.round(e.getBoundingClientRect().right))"
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), wide
    return True


def test_the_alerts_fit_a_phone_and_acknowledge_in_bulk(context, live_server, nina, alice):
    from playwright.sync_api import expect

    for n, kind in enumerate(["freed_slot", "emergency", "at_risk"]):
        Alert.objects.create(kind=kind, text=f"{kind} alert", dedupe_key=f"p{n}", patient=alice)
    Alert.objects.create(kind="no_slot", text="gone", dedupe_key="gone", patient=alice)
    alerts_resolve(kinds=["no_slot"], reason="The consult is booked.", now=NOW)
    page = context.new_page()
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "nina", "/alerts/")
    expect(page.locator(".alert").first).to_contain_text("emergency alert")
    assert fits(page)
    shot(page, "alerts-phone")
    page.get_by_label("Tick alert", exact=False).first.check()
    page.get_by_role("button", name="Acknowledge ticked").click()
    expect(page.get_by_role("status")).to_contain_text("1 alert acknowledged.")
    page.get_by_role("link", name="All alerts").click()
    expect(page.locator("main")).to_contain_text("Resolved Mon 2 Mar 07:00: The consult is booked.")
    assert fits(page)
    shot(page, "alerts-all-phone")


def test_a_specialist_opens_a_referral_from_my_week_on_a_phone(
    context, live_server, sam, nina, emergency, radiation
):
    from playwright.sync_api import expect

    appointment_book(
        patient=emergency.patient,
        visit=VisitRequest(clinician=radiation, start=datetime(2026, 3, 2, 9, tzinfo=NY)),
        by=nina,
        now=NOW,
        referral=emergency,
        is_consult=True,
    )
    page = context.new_page()
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "sam")
    expect(page).to_have_title("My week of 2 Mar 2026 · Brain & Spine Center")
    assert fits(page)
    shot(page, "my-week-phone")
    page.get_by_role("link", name="09:00–09:45 Alice Archer").click()
    expect(page.get_by_role("heading", name="Clinical picture")).to_be_visible()
    expect(page.get_by_role("button")).to_have_count(1)  # only "Log out": nothing to book
    assert fits(page)
    shot(page, "specialist-referral-phone")


def test_the_agenda_and_the_sign_confirmation_fit_a_phone(
    context, live_server, sam, meeting, board_case, radiation
):
    from playwright.sync_api import expect

    page = context.new_page()
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "sam", f"/board/meetings/{meeting.pk}/")
    expect(page.locator(".attendance")).to_contain_text("Check-in opens Tue 03 Mar at 06:00")
    expect(page.get_by_role("button", name="Check in Dr. Ravi Shah")).to_have_count(0)
    assert fits(page)
    shot(page, "agenda-before-check-in-phone")
    with time_machine.travel(BOARD_NOW, tick=True):
        # A day later the idle session has ended: the specialist logs in again.
        log_in(page, live_server.url, "sam", f"/board/cases/{board_case.pk}/")
        page.get_by_label("Radiosurgery (SRS)").check()
        page.get_by_label("Intent").select_option("local_control")
        page.get_by_label("Rationale").fill("Two small lesions; good performance status.")
        page.get_by_role("button", name="Sign the recommendation").click()
        expect(page.get_by_role("alert")).to_contain_text("The board is not quorate")
        expect(page.get_by_label("Rationale")).to_have_value(
            "Two small lesions; good performance status."
        )
        assert fits(page)
        shot(page, "sign-confirm-phone")


def test_the_metrics_charts_and_a_multi_day_plan_badge_fit_a_phone(
    context, live_server, nina, center, bob, walked
):
    """The tryout's two pages that scrolled sideways at 390 px: the metrics' SVGs and
    headings (411 px), and the plan's multi-day badge (610 px)."""
    from playwright.sync_api import expect

    from care.models import Barrier
    from navigation.models import TimeOff
    from patients.models import Referral
    from tests.web.conftest import make_referral

    page = context.new_page()
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "nina", "/dashboard/metrics/?date_from=2026-02-01")
    expect(page.locator("svg.chart").first).to_be_visible()
    assert fits(page)
    shot(page, "metrics-phone")

    Referral.objects.filter(patient=bob).update(status=Referral.Status.CLOSED)
    routine = make_referral(bob, sites="spine", primary_cancer="prostate", received_at=NOW)
    TimeOff.objects.create(
        clinician=center.first("palliative_care"),
        start=datetime(2026, 3, 2, 0, tzinfo=NY),
        end=datetime(2026, 3, 5, 0, tzinfo=NY),
        reason="congress",
    )
    Barrier.objects.create(patient=routine.patient, kind="transport", found_at=NOW)
    query = (
        "specialties=spine_surgery&specialties=palliative_care&date_from=2026-03-02"
        "&date_to=2026-03-04&max_wait=90"
    )
    page.goto(f"{live_server.url}/referrals/{routine.pk}/plan/?{query}")
    expect(page.locator(".badge", has_text="multi-day plan")).to_be_visible()
    assert fits(page)
    shot(page, "plan-multi-day-phone")
