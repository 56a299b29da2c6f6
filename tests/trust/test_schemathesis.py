"""Schemathesis against our own OpenAPI schema, in process, as a navigator: for every
operation a bounded number of generated requests, valid and not; none may answer 500,
and every answer must match what the schema says of it."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import client_for
from tumorboard.wsgi import application

EXAMPLES = 4  # per operation: the whole API in well under a minute

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_schema(db, settings):
    settings.ALLOWED_HOSTS = ["localhost"]  # the host Schemathesis's WSGI requests carry
    # As Django's test client does: the WSGI handler must not close the connection that
    # holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def navigator_token(nina, center, alice):
    client = client_for(nina)  # makes the token
    return client._credentials["HTTP_AUTHORIZATION"]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_fails_or_leaves_its_schema(case, navigator_token):
    case.call_and_validate(
        headers={"Authorization": navigator_token},
        checks=[not_a_server_error, response_schema_conformance],
    )
