"""Which errors are "try again" and which are ours: only a lost or restarting database is
a transient 503; any other database error is a bug, a logged 500 in the JSON format."""

from __future__ import annotations

import logging

import pytest
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, ProgrammingError
from rest_framework.exceptions import ValidationError

from interop.errors import exception_handler as fhir_handler
from tumorboard.errors import exception_handler


@pytest.mark.parametrize(
    "error",
    [OperationalError("terminating connection due to administrator command"), InterfaceError()],
)
def test_a_lost_or_restarting_database_is_a_503_try_again(error):
    response = exception_handler(error, {})
    assert response.status_code == 503
    assert response.data["code"] == "database_unavailable"
    assert fhir_handler(error, {}).status_code == 503


@pytest.mark.parametrize(
    "error",
    [
        ProgrammingError('relation "board_case" does not exist'),
        DataError("value too long for type character varying(32)"),
        IntegrityError("null value in column"),
    ],
)
def test_any_other_database_error_is_a_logged_500_not_a_try_again(error, caplog):
    with caplog.at_level(logging.ERROR, logger="tumorboard.errors"):
        response = exception_handler(error, {})
        outcome = fhir_handler(error, {})
    assert response.status_code == 500
    assert set(response.data) == {"code", "message", "fields"}
    assert response.data["code"] == "server_error"
    assert "try again" not in response.data["message"].lower()
    assert outcome.status_code == 500
    assert outcome.data["resourceType"] == "OperationOutcome"
    assert len([r for r in caplog.records if r.exc_info and r.exc_info[1] is error]) == 2


@pytest.mark.parametrize("detail", [{}, []])
def test_an_empty_validation_error_is_still_a_plain_400(detail):
    response = exception_handler(ValidationError(detail), {})
    assert response.status_code == 400
    assert response.data == {
        "code": "invalid",
        "message": "The request is not valid.",
        "fields": {},
    }
    outcome = fhir_handler(ValidationError(detail), {})
    assert outcome.status_code == 400
    assert outcome.data["issue"][0]["diagnostics"] == "The request is not valid."
