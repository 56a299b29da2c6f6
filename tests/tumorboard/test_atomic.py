"""A write whose database goes away answers 503 "nothing was saved", in the caller's own
language: the REST API's error body, or an OperationOutcome for a FHIR client."""

import json

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from tests.interop.fhir_check import outcome_of
from tumorboard.atomic import AtomicWritesMiddleware

pytestmark = pytest.mark.django_db


def lost_database(request):
    raise OperationalError("server closed the connection unexpectedly")


def test_a_rest_write_that_loses_the_database_says_nothing_was_saved():
    request = RequestFactory().post("/api/v1/itineraries/", {}, content_type="application/json")
    response = AtomicWritesMiddleware(lost_database)(request)
    assert response.status_code == 503
    assert b"nothing was saved" in response.content and b"database_unavailable" in response.content


def test_a_fhir_write_that_loses_the_database_gets_an_operation_outcome():
    book = "/fhir/R4/Appointment/$book"
    request = RequestFactory().post(book, {}, content_type="application/fhir+json")
    response = AtomicWritesMiddleware(lost_database)(request)
    response.json = lambda: json.loads(response.content)  # as the test client's responses
    assert "nothing was saved" in outcome_of(response, 503, "transient")
