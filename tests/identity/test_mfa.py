"""A second factor for password logins: set up an authenticator app on the first login,
then a password and a TOTP code; recovery codes; the API token asks for it too; every
sign-in, failure and token is in the sign-in log, with no password or code."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.mfa import recovery_codes_issue
from identity.models import SignInEvent
from tests.web.test_browser import CHROMIUM, browser, shot  # noqa: F401
from tests.web.test_browser import context as context  # noqa: F401

START = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
LEAVES_LOOPBACK = re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/])")


@pytest.fixture(autouse=True)
def mfa_on(settings):
    settings.MFA_REQUIRED = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False


def code_now(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def nothing_secret_logged(password: str, *codes: str) -> None:
    for event in SignInEvent.objects.all():
        text = " ".join(str(v) for v in event.__dict__.values())
        assert password not in text
        assert not any(code and code in text for code in codes)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"BROWSER TESTS SKIPPED: {CHROMIUM}")
def test_a_navigator_sets_up_an_app_then_logs_in_with_a_password_and_a_totp_code(
    context, live_server, nina
):
    from playwright.sync_api import expect

    page = context.new_page()
    page.set_default_navigation_timeout(20_000)
    page.route(LEAVES_LOOPBACK, lambda route: route.abort())
    with time_machine.travel(START, tick=True) as clock:
        page.goto(f"{live_server.url}/queue/")
        page.get_by_label("Username").fill("nina")
        page.get_by_label("Password").fill("nina-pw-1")
        page.get_by_role("button", name="Log in").click()
        # First login where a second factor is required: set up the app.
        expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
        shot(page, "mfa-setup")
        device = TOTPDevice.objects.get(user=nina, confirmed=False)
        secret = page.locator("#totp-secret").inner_text()
        assert secret and secret.isupper()
        page.get_by_label("Code from the app").fill(
            "000000" if code_now(device) != "000000" else "111111"
        )
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_role("alert")).to_contain_text("did not match")
        clock.shift(timedelta(seconds=2))  # django-otp waits 1 s after a failure, then 2, 4…
        page.get_by_label("Code from the app").fill(code_now(device))
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
        codes = page.locator(".recovery-codes code").all_inner_texts()
        assert len(codes) == 10
        shot(page, "mfa-recovery-codes")
        page.get_by_role("link", name="Continue").click()
        expect(page).to_have_title("Referral queue · Brain & Spine Center")
        page.get_by_role("button", name="Log out").click()

        # The next login: password, then the code the app shows 30 seconds later.
        clock.shift(timedelta(seconds=31))
        page.get_by_label("Username").fill("nina")
        page.get_by_label("Password").fill("nina-pw-1")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
        page.get_by_label("Code from your authenticator app").fill("12 34 56")
        page.get_by_role("button", name="Verify").click()
        expect(page.get_by_role("alert")).to_contain_text("wrong or was already used")
        shot(page, "mfa-verify-wrong")
        clock.shift(timedelta(seconds=2))
        page.get_by_label("Code from your authenticator app").fill(code_now(device))
        page.get_by_role("button", name="Verify").click()
        expect(page).to_have_title("Referral queue · Brain & Spine Center")

    kinds = list(SignInEvent.objects.filter(user=nina).order_by("id").values_list("kind", "method"))
    assert kinds == [
        ("mfa_failed", "password+totp"),
        ("login", "password+totp"),
        ("logout", "user"),
        ("mfa_failed", "password+totp"),
        ("login", "password+totp"),
    ]
    nothing_secret_logged("nina-pw-1", *codes)


def test_a_recovery_code_logs_in_once(client, nina):
    enrolled(nina)
    codes = recovery_codes_issue(user=nina)
    for expected in ("/queue/", None):
        client.logout()
        answer = client.post("/login/", {"username": "nina", "password": "nina-pw-1"})
        assert answer.url == "/login/code/" and "_auth_user_id" not in client.session
        answer = client.post("/login/code/", {"code": codes[0].upper()})
        if expected:
            assert answer.url == expected
            assert SignInEvent.objects.filter(method="password+recovery code").count() == 1
        else:
            assert answer.status_code == 200 and "_auth_user_id" not in client.session


def test_a_password_alone_logs_no_one_in_when_a_second_factor_is_required(client, nina):
    answer = client.post("/login/", {"username": "nina", "password": "nina-pw-1"})
    assert answer.url == "/login/setup/"
    assert "_auth_user_id" not in client.session
    assert client.get("/queue/").status_code == 302  # still a login redirect


def test_patients_and_staff_without_a_required_role_log_in_with_a_password(client, olivia):
    answer = client.post("/login/", {"username": "olivia", "password": "olivia-pw-1"})
    assert answer.status_code == 302 and client.session["_auth_user_id"] == str(olivia.pk)


def test_the_admin_sites_own_login_goes_through_ours(client):
    answer = client.get("/admin/login/?next=/admin/")
    assert answer.status_code == 302 and answer.url == "/login/?next=%2Fadmin%2F"


def test_the_api_token_asks_for_the_second_factor(client, nina):
    device = enrolled(nina)
    url = "/api/v1/auth/token/"
    body = {"username": "nina", "password": "nina-pw-1"}
    with time_machine.travel(START, tick=False):
        missing = client.post(url, body, content_type="application/json")
        assert missing.status_code == 400
        assert missing.json()["code"] == "otp_required" and "otp" in missing.json()["fields"]
        wrong = client.post(url, {**body, "otp": "000001"}, content_type="application/json")
        assert wrong.status_code == 400 and wrong.json()["code"] == "otp_invalid"
        right = client.post(url, {**body, "otp": code_now(device)}, content_type="application/json")
        assert right.status_code == 200 and right.json()["token"]
        # The same code again is refused (a TOTP code is good once).
        again = client.post(url, {**body, "otp": code_now(device)}, content_type="application/json")
        assert again.status_code == 400

    events = list(SignInEvent.objects.order_by("id").values_list("kind", "method"))
    assert ("mfa_failed", "api") in events and ("token_created", "api+totp") in events
    nothing_secret_logged("nina-pw-1", code_now(device))


def test_the_api_token_tells_an_account_without_an_app_to_set_one_up(client, nina):
    answer = client.post(
        "/api/v1/auth/token/",
        {"username": "nina", "password": "nina-pw-1"},
        content_type="application/json",
    )
    assert answer.status_code == 400 and answer.json()["code"] == "otp_enrolment_required"


def test_failed_logins_are_logged_with_the_address_and_user_agent(client, nina):
    client.post(
        "/login/",
        {"username": "nina", "password": "not-it"},
        HTTP_USER_AGENT="Mozilla/5.0 Ward PC",
        REMOTE_ADDR="10.1.2.3",
    )
    client.post(
        "/api/v1/auth/token/",
        {"username": "nobody", "password": "guess"},
        content_type="application/json",
    )
    failed = list(SignInEvent.objects.filter(kind="login_failed").order_by("id"))
    assert [(e.username, e.method) for e in failed] == [("nina", "password"), ("nobody", "api")]
    assert failed[0].ip == "10.1.2.3" and failed[0].user_agent == "Mozilla/5.0 Ward PC"
    nothing_secret_logged("not-it", "guess")


def test_admins_read_the_sign_in_log_beside_the_audit_log(ada, nina):
    from tests.conftest import client_for

    SignInEvent.objects.create(kind="login", user=nina, username="nina", method="password")
    rows = client_for(ada).get("/api/v1/audit/sign-ins/?kind=login").json()["results"]
    assert [(r["username"], r["kind"]) for r in rows] == [("nina", "login")]
    assert client_for(nina).get("/api/v1/audit/sign-ins/").status_code == 403


def test_the_sign_in_log_cannot_be_rewritten(nina):
    from django.db import DatabaseError, transaction

    event = SignInEvent.objects.create(kind="login", user=nina, username="nina")
    with pytest.raises(DatabaseError), transaction.atomic():
        SignInEvent.objects.filter(pk=event.pk).update(username="someone-else")
