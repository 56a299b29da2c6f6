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
