"""Personas every test can use, API clients for them, and Celery isolated per test process.

People: nina (navigator), sam and sara (specialists), alice and bob (patients, each
with a patient record), olivia (an outsider with no role), ada (admin).
"""

from __future__ import annotations

import os
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from patients.models import Patient
from tests.services import redis  # noqa: F401 - a fixture: a Redis server of the test's own


def _isolate_celery() -> None:
    """Each xdist process gets its own Redis database and queue, like its own test DB."""
    from django.conf import settings

    from tumorboard.celery import app

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker.removeprefix("gw") or 0) + 1
    url = settings.CELERY_BROKER_URL.split("?")[0]
    if url.startswith("redis+socket://"):
        app.conf.broker_url = f"{url}?virtual_host={index}"
    else:
        app.conf.broker_url = f"{url.rsplit('/', 1)[0]}/{index}"


def pytest_configure(config):
    _isolate_celery()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def long_lived_tokens(settings):
    """Tests travel days ahead with one persona's token; the expiry test sets its own."""
    settings.TOKEN_TTL_HOURS = 24 * 365


@pytest.fixture(autouse=True)
def second_factor_off(settings):
    """Production asks staff for a second factor (MFA_REQUIRED); tests of other areas log
    in with passwords alone. tests/identity turns it on."""
    settings.MFA_REQUIRED = False


def make_user(username: str, role: str | None):
    user = get_user_model().objects.create_user(username=username, password=f"{username}-pw-1")
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def nina(db):
    return make_user("nina", "navigator")


@pytest.fixture
def sam(db):
    return make_user("sam", "specialist")


@pytest.fixture
def ada(db):
    user = make_user("ada", "admin")
    user.is_staff = user.is_superuser = True  # as `create_user --role admin` makes them
    user.save()
    return user


@pytest.fixture
def olivia(db):
    return make_user("olivia", None)


@pytest.fixture
def alice(db):
    user = make_user("alice", "patient")
    return Patient.objects.create(
        mrn="MRN-ALICE",
        first_name="Alice",
        last_name="Archer",
        birth_date=date(1961, 4, 2),
        phone="+16175550111",
        email="alice@example.org",
        sms_consent=True,
        user=user,
    )


@pytest.fixture
def bob(db):
    user = make_user("bob", "patient")
    return Patient.objects.create(
        mrn="MRN-BOB",
        first_name="Bob",
        last_name="Baker",
        birth_date=date(1955, 9, 30),
        phone="+16175550122",
        email="bob@example.org",
        user=user,
    )


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def as_navigator(nina):
    return client_for(nina)


@pytest.fixture
def as_specialist(sam):
    return client_for(sam)


@pytest.fixture
def as_alice(alice):
    return client_for(alice.user)


@pytest.fixture
def as_outsider(olivia):
    return client_for(olivia)


@pytest.fixture
def anonymous():
    return APIClient()


from tests.center import center  # noqa: E402, F401 - the small center, for every test module
from tests.notifications.twilio_stub import (  # noqa: E402
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    TwilioStub,
)


@pytest.fixture
def twilio(settings):
    """The SMS backend is Twilio's, talking to a local stub of its REST API."""
    with TwilioStub() as stub:
        settings.SMS_BACKEND = "twilio"
        settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
        settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
        settings.TWILIO_FROM_NUMBER = FROM_NUMBER
        settings.TWILIO_API_BASE_URL = stub.url
        settings.SMS_TIMEOUT_SECONDS = 1
        yield stub
