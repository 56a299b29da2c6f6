import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tumorboard.roles import roles_of

pytestmark = pytest.mark.django_db


def test_it_exchanges_username_and_password_for_a_token(nina):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "nina", "password": "nina-pw-1"})
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/referrals/").status_code == 200


def test_it_refuses_a_wrong_password_without_a_token(nina):
    response = APIClient().post("/api/v1/auth/token/", {"username": "nina", "password": "nope"})
    assert response.status_code == 400
    assert "token" not in response.json()


def test_the_create_user_command_gives_the_role():
    call_command("create_user", "rita", role="navigator", password="a-long-pass-phrase")
    from django.contrib.auth import get_user_model

    assert roles_of(get_user_model().objects.get(username="rita")) == {"navigator"}


def test_the_schema_and_docs_are_served():
    client = APIClient()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/patients/", "/api/v1/referrals/", "/api/v1/auth/token/"} <= set(paths)
    assert client.get("/api/docs/").status_code == 200


def test_a_token_expires_and_a_new_login_gives_a_fresh_one(nina, settings):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    settings.TOKEN_TTL_HOURS = 12
    client = APIClient()
    login = {"username": "nina", "password": "nina-pw-1"}
    first = client.post("/api/v1/auth/token/", login).json()["token"]
    with time_machine.travel(timezone.now() + timedelta(hours=settings.TOKEN_TTL_HOURS, minutes=1)):
        client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
        expired = client.get("/api/v1/referrals/")
        assert expired.status_code == 401
        assert "expired" in expired.json()["message"]
        client.credentials()
        second = client.post("/api/v1/auth/token/", login).json()["token"]
        assert second != first
        client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
        assert client.get("/api/v1/referrals/").status_code == 200


def test_a_token_can_be_revoked(nina):
    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": "nina", "password": "nina-pw-1"})
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert client.get("/api/v1/referrals/").status_code == 401


def test_logins_are_throttled(nina):
    client = APIClient()
    answers = [
        client.post("/api/v1/auth/token/", {"username": "nina", "password": "guess"}).status_code
        for _ in range(11)
    ]
    assert answers == [400] * 10 + [429]
    assert (
        client.post(
            "/api/v1/auth/token/", {"username": "nina", "password": "nina-pw-1"}
        ).status_code
        == 429
    )
