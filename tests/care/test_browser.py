"""The clocks on the referral page and the queue filtered by clock, in Chromium (the
browser, its context and the accessibility audit are tests/web's)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import time_machine

from board.services.recommendations import recommendation_create
from care.services import treatment_record
from navigation.services import VisitRequest, appointment_book
from tests.web.conftest import NY
from tests.web.test_browser import CHROMIUM, log_in, shot

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"BROWSER TESTS SKIPPED: no {CHROMIUM}"),
    pytest.mark.django_db(transaction=True),
]


def at(*args) -> datetime:
    return datetime(*args, tzinfo=NY)


@pytest.fixture
def operated(board_case, center, nina, sam):
    """Consulted Monday 2 March, discussed at Tuesday's board (resection then
    radiosurgery), resected elsewhere on Wednesday: radiosurgery is due 3 April."""
    referral = board_case.referral
    appointment_book(
        patient=referral.patient,
        visit=VisitRequest(clinician=center.first("neurosurgery"), start=at(2026, 3, 2, 10)),
        by=nina,
        now=at(2026, 2, 28, 10),
        referral=referral,
        is_consult=True,
    )
    recommendation = recommendation_create(
        case=board_case,
        by=sam,
        now=at(2026, 3, 3, 7, 30),
        sign=True,
        modalities=["resection", "srs"],
        intent="local_control",
        rationale="One large metastasis with mass effect.",
    )
    treatment_record(
        recommendation=recommendation,
        modality="resection",
        started_at=at(2026, 3, 4, 16),
        performer="St. Mary's",
        by=nina,
        now=at(2026, 3, 6, 9),
    )
    return referral


def test_the_referral_page_and_the_queue_show_the_clocks(context, live_server, settings, operated):
    from playwright.sync_api import expect

    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    with time_machine.travel(at(2026, 3, 27, 9), tick=True):
        page = context.new_page()
        log_in(page, live_server.url, "nina", f"/referrals/{operated.pk}/")
        clocks = page.get_by_role("region", name="Care clocks")
        expect(clocks).to_be_visible()
        expect(clocks.locator("#clock-board")).to_contain_text("Met")
        expect(clocks.locator("#clock-treatment")).to_contain_text("Met")
        postop = clocks.locator("#clock-postop_srs")
        expect(postop).to_contain_text("Post-operative radiosurgery")
        expect(postop).to_contain_text("Fri 3 Apr 2026, 16:00")
        expect(postop).to_contain_text("At risk")
        shot(page, "referral-clocks")

        page.goto(f"{live_server.url}/queue/?clock=postop_srs")
        row = page.locator("#queue-rows tr").first
        expect(row).to_contain_text("Alice Archer")
        expect(row).to_contain_text("At risk")
        expect(
            page.get_by_role("columnheader", name="Post-operative radiosurgery due")
        ).to_be_visible()
