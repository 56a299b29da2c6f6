"""Staff log in, log out and reset a forgotten password by email."""

import re

import pytest
from django.core import mail
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def email_locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_the_login_page_has_a_title_and_labelled_fields():
    html = Client().get("/login/").content.decode()
    assert "<title>Log in" in html
    assert '<label for="id_username">' in html and '<label for="id_password">' in html


def test_a_navigator_logs_in_and_lands_on_the_queue(nina):
    response = Client().post("/login/", {"username": "nina", "password": "nina-pw-1"})
    assert response.status_code == 302 and response["Location"] == "/queue/"


def test_it_follows_next_after_login(sam):
    response = Client().post(
        "/login/", {"username": "sam", "password": "sam-pw-1", "next": "/me/calendar/"}
    )
    assert response["Location"] == "/me/calendar/"


def test_a_wrong_password_says_so(nina):
    response = Client().post("/login/", {"username": "nina", "password": "nope"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()


def test_logging_out_takes_a_post_and_ends_the_session(nina):
    client = Client()
    client.force_login(nina)
    assert client.post("/logout/")["Location"] == "/login/"
    assert client.get("/queue/").status_code == 302


def test_a_forgotten_password_is_reset_through_an_emailed_link(nina):
    nina.email = "nina@center.example"
    nina.save()
    client = Client()
    response = client.post("/password-reset/", {"email": "nina@center.example"})
    assert response["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nina@center.example"]
    link = re.search(r"http://testserver(/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    weak = client.post(
        form.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"}
    )
    assert weak.status_code == 200  # refused by the password validators, the form again
    assert "too common" in weak.content.decode()
    assert not Client().login(username="nina", password="password")
    new = {"new_password1": "a-much-longer-pass-9", "new_password2": "a-much-longer-pass-9"}
    done = client.post(form.redirect_chain[-1][0], new)
    assert done["Location"] == "/reset/done/"
    assert Client().login(username="nina", password="a-much-longer-pass-9")


def test_patients_get_no_reset_email(alice):
    alice.user.email = "alice@example.org"
    alice.user.save()
    Client().post("/password-reset/", {"email": "alice@example.org"})
    assert mail.outbox == []


def test_login_attempts_are_throttled_and_the_page_says_when_to_retry(nina, settings):
    client = Client()
    for _ in range(10):
        assert client.post("/login/", {"username": "nina", "password": "wrong"}).status_code == 200
    # The eleventh within the minute is refused even with the right password.
    refused = client.post("/login/", {"username": "nina", "password": "nina-pw-1"})
    assert refused.status_code == 429
    assert "Too many login attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session
