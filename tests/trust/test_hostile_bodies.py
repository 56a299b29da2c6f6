"""Hostile bodies on every API path: a clear 4xx in the API's own error format (an
OperationOutcome on FHIR paths), never a 500 or an HTML page, and nothing written."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.parsers import FormParser, MultiPartParser

from patients.models import Patient, Referral
from tests.trust.test_access_matrix import MATRIX
from tumorboard.parsers import JSONParser

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 17, 30, tzinfo=NY)
FIVE_MB = "[" + '"x",' * (5 * 1024 * 1024 // 4) + '"x"]'
DEEP = "[" * 5000 + "]" * 5000

pytestmark = pytest.mark.django_db

# Every write path of the REST API and FHIR, from the access matrix (which holds every URL).
WRITES = sorted(
    {
        (method, re.sub(r"\{\w+\}", "1", path))
        for (method, _, path) in MATRIX
        if method in {"POST", "PUT", "PATCH"} and path.startswith(("api/", "fhir/"))
    }
)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def send(client, method: str, path: str, body: str, fhir: bool):
    kind = "application/fhir+json" if fhir else "application/json"
    return getattr(client, method.lower())(f"/{path}", body, content_type=kind)


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_a_5_mb_body_on_any_api_path_is_a_413_in_the_api_error_format(as_navigator, method, path):
    response = send(as_navigator, method, path, FIVE_MB, fhir=path.startswith("fhir/"))
    assert response.status_code == 413
    body = response.json()
    if path.startswith("fhir/"):
        assert body["resourceType"] == "OperationOutcome"
        assert body["issue"][0]["code"] == "too-long"
    else:
        assert set(body) == {"code", "message", "fields"}
        assert "limit is 1 MB" in body["message"]


def test_every_api_view_parses_json_with_the_guarded_parser():
    """A new view with its own JSON parser would bring the RecursionError back."""

    def views(resolver, prefix=""):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from views(entry, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), getattr(entry.callback, "cls", None)

    checked = 0
    for route, view in views(get_resolver()):
        if view is None or not route.startswith(("api/", "fhir/")):
            continue
        parsers = [parser() for parser in getattr(view, "parser_classes", [])]
        for parser in parsers:
            assert isinstance(parser, JSONParser | FormParser | MultiPartParser), (route, parser)
        checked += 1
    assert checked > 40


def test_a_body_nested_5000_deep_is_a_400_naming_the_nesting(as_navigator, alice):
    response = as_navigator.post("/api/v1/referrals/", DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "nested too deeply" in response.json()["message"]
    assert not Referral.objects.exists()


def test_a_body_nested_5000_deep_on_fhir_is_a_structure_outcome(as_navigator):
    response = as_navigator.post(
        "/fhir/R4/Appointment/$book", DEEP, content_type="application/fhir+json"
    )
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "structure"
    assert "nested too deeply" in outcome["issue"][0]["diagnostics"]


def test_a_nested_body_on_a_patch_changes_nothing(as_navigator, alice):
    response = as_navigator.patch(
        f"/api/v1/patients/{alice.pk}/",
        '{"first_name": "Mallory", "x": ' + DEEP + "}",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert Patient.objects.get(pk=alice.pk).first_name == "Alice"
