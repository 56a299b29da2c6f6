"""Single sign-on through a real OpenID Connect provider on loopback (see conftest.py):
a navigator logs in in Chromium; a changed state, a changed nonce, a token for another
application, an expired token and a user removed at the provider are each refused."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation

from identity.models import ExternalIdentity, SignInEvent
from identity.oidc import StaffOIDCBackend
from tests.conftest import make_user
from tests.identity.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    OTHER_ID,
    OTHER_SECRET,
    provider_login,
    sso_by_http,
)
from tests.web.test_browser import CHROMIUM, browser, shot  # noqa: F401
from tests.web.test_browser import context as context  # noqa: F401
from tumorboard.roles import roles_of

pytestmark = pytest.mark.django_db(transaction=True)
LEAVES_LOOPBACK = re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/])")
needs_chromium = pytest.mark.skipif(
    not __import__("pathlib").Path(CHROMIUM).exists(), reason=f"BROWSER TESTS SKIPPED: {CHROMIUM}"
)


@pytest.fixture(autouse=True)
def plain_http_cookies(settings):
    # Plain http to the live server: cookies cannot be Secure-only here.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False


def new_page(context):
    """A page that never leaves this machine: the provider's error page would fetch a web
    font from the internet; anything not on loopback is aborted in the browser."""
    page = context.new_page()
    page.set_default_navigation_timeout(20_000)  # a first page: the live server warms up
    page.route(LEAVES_LOOPBACK, lambda route: route.abort())
    return page


def provider_sign_in(page, login: str) -> None:
    """The provider's own (development) sign-in form: any password."""
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("whatever-the-provider-checks")
    page.locator("button[type=submit]").click()
    page.wait_for_load_state()


def on_redirect(page, pattern: str, change) -> None:
    """Let the server answer, then hand the browser its redirect with `change(location)`
    (Playwright routes no redirect the browser follows by itself)."""

    def handle(route):
        response = route.fetch(max_redirects=0)
        headers = {**response.headers, "location": change(response.headers["location"])}
        route.fulfill(response=response, headers=headers)

    page.route(pattern, handle)


def on_provider_return(page, issuer: str, change) -> None:
    """After the provider's sign-in form, its redirect back to the site (two hops: the
    form's answer, then the authorization endpoint's) reaches the browser as
    `change(location)`."""

    def handle(route):
        if route.request.method != "POST":
            return route.continue_()
        first = route.fetch(max_redirects=0).headers["location"]
        resume = first if first.startswith("http") else issuer + first
        back = page.request.get(resume, max_redirects=0).headers["location"]
        route.fulfill(status=303, headers={"location": change(back)})

    page.route(f"{issuer}/interaction/*", handle)


def with_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query[name] = value
    return parts._replace(query=urlencode(query)).geturl()


def refused(page, live_server) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("alert")).to_contain_text("Single sign-on did not log you in")
    assert page.url.startswith(f"{live_server.url}/login/")
    page.goto(f"{live_server.url}/queue/")
    expect(page.get_by_role("heading", name="Staff log in")).to_be_visible()


@needs_chromium
def test_a_navigator_logs_in_through_the_hospitals_provider(context, live_server, oidc):
    from playwright.sync_api import expect

    page = new_page(context)
    page.goto(f"{live_server.url}/login/")
    shot(page, "login-sso")
    page.get_by_role("link", name="Log in with Test Hospital ID").click()
    assert page.url.startswith(oidc.issuer)
    provider_sign_in(page, "sub-nina")
    expect(page).to_have_title("Referral queue · Brain & Spine Center")
    expect(page.locator(".who")).to_contain_text("Nina Navigator")

    user = get_user_model().objects.get(username="nina.sso")
    assert roles_of(user) == {"navigator"}  # tb-navigators mapped; all-staff ignored
    assert ExternalIdentity.objects.get(user=user).subject == "sub-nina"
    event = SignInEvent.objects.get(kind="login", user=user)
    assert event.method == "openid connect"
    assert event.ip == "127.0.0.1" and "Chrome" in event.user_agent


@needs_chromium
def test_it_refuses_a_callback_whose_state_was_changed(context, live_server, oidc):
    page = new_page(context)
    # The provider's last redirect, back to the site with the code, gets another state.
    on_provider_return(page, oidc.issuer, lambda url: with_param(url, "state", "a" * 32))
    page.goto(f"{live_server.url}/oidc/authenticate/")
    provider_sign_in(page, "sub-nina")
    refused(page, live_server)
    assert not get_user_model().objects.filter(username="nina.sso").exists()
    assert "state" in SignInEvent.objects.get(kind="login_failed").detail


@needs_chromium
def test_it_refuses_an_id_token_whose_nonce_is_not_the_one_it_sent(context, live_server, oidc):
    page = new_page(context)
    # The site's redirect to the provider asks for another nonce, which the provider then
    # signs into the ID token.
    on_redirect(
        page,
        f"{live_server.url}/oidc/authenticate/",
        lambda url: with_param(url, "nonce", "n" * 32),
    )
    page.goto(f"{live_server.url}/oidc/authenticate/")
    provider_sign_in(page, "sub-nina")
    refused(page, live_server)
    assert "Nonce" in SignInEvent.objects.get(kind="login_failed").detail


@needs_chromium
def test_a_user_removed_at_the_provider_gets_no_new_session(context, live_server, oidc):
    from playwright.sync_api import expect

    page = new_page(context)
    # Removed while signing in: the provider refuses the code, the site logs nobody in.
    on_provider_return(page, oidc.issuer, lambda url: (oidc.accounts_set({}), url)[1])
    page.goto(f"{live_server.url}/oidc/authenticate/")
    provider_sign_in(page, "sub-nina")
    page.unroute(f"{oidc.issuer}/interaction/*")
    refused(page, live_server)
    assert "provider refused" in SignInEvent.objects.get(kind="login_failed").detail

    # Trying again, in a new browser: the provider no longer sends anyone back.
    page = new_page(context.browser.new_context())
    page.goto(f"{live_server.url}/oidc/authenticate/")
    provider_sign_in(page, "sub-nina")
    assert page.url.startswith(oidc.issuer)
    expect(page.get_by_text("Referral queue")).to_have_count(0)
    page.goto(f"{live_server.url}/queue/")
    expect(page.get_by_role("heading", name="Staff log in")).to_be_visible()
    assert not get_user_model().objects.filter(username="nina.sso").exists()
    page.context.close()


def test_it_refuses_an_id_token_issued_to_another_application(oidc):
    nonce = secrets.token_urlsafe(16)
    tokens = provider_login(
        oidc, client_id=OTHER_ID, secret=OTHER_SECRET, login="sub-nina", nonce=nonce
    )
    with pytest.raises(SuspiciousOperation, match="(?i)audience"):
        StaffOIDCBackend().verify_token(tokens["id_token"], nonce=nonce)

    ours = provider_login(
        oidc, client_id=CLIENT_ID, secret=CLIENT_SECRET, login="sub-nina", nonce=nonce
    )
    assert StaffOIDCBackend().verify_token(ours["id_token"], nonce=nonce)["sub"] == "sub-nina"


def test_it_refuses_an_expired_id_token(oidc):
    nonce = secrets.token_urlsafe(16)
    tokens = provider_login(
        oidc, client_id=CLIENT_ID, secret=CLIENT_SECRET, login="sub-nina", nonce=nonce
    )
    # The provider's ID tokens live an hour; the clock skew allowed is a minute.
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=1, minutes=2)):
        with pytest.raises(SuspiciousOperation, match="(?i)expired"):
            StaffOIDCBackend().verify_token(tokens["id_token"], nonce=nonce)


def test_it_refuses_an_id_token_from_another_issuer(oidc, settings):
    nonce = secrets.token_urlsafe(16)
    tokens = provider_login(
        oidc, client_id=CLIENT_ID, secret=CLIENT_SECRET, login="sub-nina", nonce=nonce
    )
    settings.OIDC_OP_ISSUER = "https://login.example.org"
    with pytest.raises(SuspiciousOperation, match="(?i)issuer"):
        StaffOIDCBackend().verify_token(tokens["id_token"], nonce=nonce)


def test_roles_follow_the_providers_groups_and_stay_ours_when_it_sends_none(live_server, oidc):
    sam = make_user("sam", "specialist")
    sam.email = "sam@example.org"
    sam.save()
    oidc.accounts_set({"sub-sam": {"email": "sam@example.org", "preferred_username": "sam"}})
    session, answer = sso_by_http(live_server.url, login="sub-sam")
    assert answer.url == f"{live_server.url}/me/week/"  # the specialist's page
    assert ExternalIdentity.objects.get(subject="sub-sam").user == sam  # linked by e-mail
    sam.refresh_from_db()
    assert roles_of(sam) == {"specialist"}  # no groups claim: the roles kept here

    oidc.accounts_set({"sub-sam": {"email": "sam@example.org", "groups": ["tb-admins"]}})
    sso_by_http(live_server.url, login="sub-sam")
    sam = get_user_model().objects.get(pk=sam.pk)
    assert roles_of(sam) == {"admin"} and sam.is_superuser

    oidc.accounts_set({"sub-sam": {"email": "sam@example.org", "groups": []}})
    session, answer = sso_by_http(live_server.url, login="sub-sam")
    sam = get_user_model().objects.get(pk=sam.pk)
    assert roles_of(sam) == set() and not sam.is_superuser
    assert answer.status_code == 403  # logged in, but no page of ours is theirs


def test_a_patient_account_cannot_sign_on(live_server, oidc):
    make_user("alice", "patient").__class__.objects.filter(username="alice").update(
        email="alice@example.org"
    )
    oidc.accounts_set({"sub-alice": {"email": "alice@example.org"}})
    session, answer = sso_by_http(live_server.url, login="sub-alice")
    assert answer.url.startswith(f"{live_server.url}/login/?sso=failed")
    assert SignInEvent.objects.filter(kind="login_failed", method="openid connect").exists()


def test_without_a_provider_single_sign_on_is_not_there(client, settings):
    settings.OIDC_ENABLED = False
    assert client.get("/oidc/authenticate/").status_code == 404
    assert "Log in with" not in client.get("/login/").content.decode()


def test_local_passwords_can_be_switched_off(client, settings, oidc, nina):
    settings.LOCAL_LOGIN_ENABLED = False
    page = client.get("/login/").content.decode()
    assert "Log in with Test Hospital ID" in page and 'name="password"' not in page
    answer = client.post("/login/", {"username": "nina", "password": "nina-pw-1"})
    assert answer.status_code == 403 and "_auth_user_id" not in client.session
    api = client.post(
        "/api/v1/auth/token/",
        {"username": "nina", "password": "nina-pw-1"},
        content_type="application/json",
    )
    assert api.status_code == 400
