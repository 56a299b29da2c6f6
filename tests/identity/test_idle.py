"""Sessions that end: staff pages log out after IDLE_TIMEOUT_MINUTES (15) without the
person's own requests, warning a minute before; the page's own polling does not count;
patients' page links and API tokens keep their own expiry. Both clocks are driven: the
server's by time_machine, the browser's by Playwright's clock; nothing sleeps."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from identity.models import SignInEvent
from tests.conftest import client_for
from tests.web.conftest import logged_in
from tests.web.test_browser import CHROMIUM, browser, shot  # noqa: F401
from tests.web.test_browser import context as context  # noqa: F401

START = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
LEAVES_LOOPBACK = re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/])")


@pytest.fixture(autouse=True)
def plain_http_cookies(settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"BROWSER TESTS SKIPPED: {CHROMIUM}")
def test_an_idle_navigator_is_warned_then_logged_out(context, live_server, nina):
    from playwright.sync_api import expect

    page = context.new_page()
    page.set_default_navigation_timeout(20_000)
    page.route(LEAVES_LOOPBACK, lambda route: route.abort())
    page.clock.install()
    with time_machine.travel(START, tick=True) as clock:
        page.goto(f"{live_server.url}/queue/")
        page.get_by_label("Username").fill("nina")
        page.get_by_label("Password").fill("nina-pw-1")
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_title("Referral queue · Brain & Spine Center")
        page.wait_for_load_state("load")  # idle.js (deferred) has set its timers

        # 14 minutes on: the warning, and "Stay logged in" keeps the session.
        clock.shift(timedelta(minutes=14))
        page.clock.fast_forward("14:01")
        warning = page.get_by_role("alertdialog")
        expect(warning).to_contain_text("You will be logged out in 1 minute")
        shot(page, "idle-warning")
        warning.get_by_role("button", name="Stay logged in").click()
        expect(warning).to_have_count(0)

        # 28 minutes after logging in, 14 after staying: warned again, still in.
        clock.shift(timedelta(minutes=14))
        page.clock.fast_forward("14:01")
        expect(page.get_by_role("alertdialog")).to_be_visible()

        # Nobody answers: at 15 minutes the page reloads and the server logs out.
        clock.shift(timedelta(minutes=1, seconds=5))
        page.clock.fast_forward("01:00")
        expect(page.get_by_role("heading", name="Staff log in")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text(
            "You were logged out after 15 minutes without activity"
        )
    assert SignInEvent.objects.filter(kind="logout", user=nina, method="idle").count() == 1


def test_the_pages_own_polling_does_not_keep_a_session_open(nina, settings):
    client = logged_in(nina)
    with time_machine.travel(START, tick=False) as clock:
        assert client.get("/queue/").status_code == 200
        clock.shift(timedelta(minutes=10))
        polled = client.get("/queue/", HTTP_HX_REQUEST="true", HTTP_X_BACKGROUND="1")
        assert polled.status_code == 200
        clock.shift(timedelta(minutes=5, seconds=1))
        answer = client.get("/queue/", HTTP_HX_REQUEST="true", HTTP_X_BACKGROUND="1")
        assert answer.status_code == 204
        assert answer["HX-Redirect"].startswith("/login/?idle=1")
        assert "_auth_user_id" not in client.session
        # The page reloading on its own timer, without ?idle=1, still says why.
        login = client.get("/login/", follow=True).content.decode()
        assert "You were logged out after 15 minutes without activity" in login


def test_a_person_working_keeps_the_session(nina):
    client = logged_in(nina)
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(4):
            assert client.get("/queue/").status_code == 200
            clock.shift(timedelta(minutes=14))
        assert client.get("/queue/").status_code == 200


def test_api_tokens_keep_their_own_expiry(nina, settings):
    settings.TOKEN_TTL_HOURS = 12
    api = client_for(nina)
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=2)):
        assert api.get("/api/v1/referrals/").status_code == 200  # idle for 2 hours: fine
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=13)):
        assert api.get("/api/v1/referrals/").status_code == 401


@pytest.mark.django_db
def test_the_login_page_says_why_when_a_racing_reload_drops_the_session_cookie(client, nina):
    """At the timeout the page's polling and its reload leave together with the same
    session cookie. The poll ends the session; the reload, now anonymous, answers by
    deleting the session cookie. The login page must still say it was the idle timeout."""
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(nina)
        assert client.get("/queue/").status_code == 200
        old = client.cookies["sessionid"].value
        clock.shift(timedelta(minutes=15, seconds=5))
        poll = client.get("/queue/", headers={"X-Background": "1", "HX-Request": "true"})
        assert poll.status_code == 204 and "idle=1" in poll["HX-Redirect"]
        client.cookies["sessionid"] = old  # the reload, sent before the poll's answer came
        reload = client.get("/queue/")
        assert reload.status_code == 302 and "idle" not in reload["Location"]
        login = client.get(reload["Location"])
        assert "You were logged out after 15 minutes without activity" in login.text
        client.post("/login/", {"username": "nina", "password": "nina-pw-1"})
        assert client.cookies["idle_logout"].value == ""  # logged in again: said once
