"""Property-based fuzzing of /fhir/ (hypothesis; the REST API's own is schemathesis over
its OpenAPI schema): malformed Parameters and resources of every shape, sent to every
FHIR write, are answered with a 4xx OperationOutcome, never a 500, and change nothing."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from navigation.models import Appointment
from patients.models import Referral
from tests.interop.fhir_check import check

pytestmark = pytest.mark.django_db

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
NAMES = st.sampled_from(
    ["patient-reference", "patient", "start", "end", "specialty", "practitioner",
     "location-reference", "visit-type", "reason", "referral", "_count", "max-wait",
     "appointment-reference", "appointment-resource", "appointment", "x"]
)  # fmt: skip
VALUE_KEYS = st.sampled_from(
    ["valueString", "valueReference", "valueDate", "valueDateTime", "valueCode",
     "valueCoding", "valueCodeableConcept", "valueInteger", "resource", "valueIdentifier"]
)  # fmt: skip
PARAMETER = st.fixed_dictionaries({"name": NAMES}).flatmap(
    lambda p: st.dictionaries(VALUE_KEYS, JSON, max_size=2).map(lambda v: {**p, **v})
)
APPOINTMENT = st.fixed_dictionaries(
    {"resourceType": st.just("Appointment")},
    optional={
        "id": JSON,
        "status": st.sampled_from(["proposed", "booked", "cancelled"]) | JSON,
        "participant": st.lists(
            st.fixed_dictionaries({}, optional={"actor": JSON, "period": JSON}) | JSON,
            max_size=3,
        )
        | JSON,
        "basedOn": JSON,
    },
)
PARAMETERS = st.fixed_dictionaries(
    {"resourceType": st.just("Parameters")},
    optional={
        "parameter": st.lists(
            PARAMETER | APPOINTMENT.map(lambda a: {"name": "appointment-resource", "resource": a}),
            max_size=4,
        )
        | JSON
    },
)
RESOURCE = st.fixed_dictionaries(
    {"resourceType": st.sampled_from(["Patient", "ServiceRequest", "Appointment"])},
    optional={
        "identifier": JSON,
        "name": JSON,
        "birthDate": JSON,
        "subject": JSON,
        "requester": JSON,
        "contained": st.lists(
            st.fixed_dictionaries(
                {"resourceType": st.just("Observation")},
                optional={"code": JSON, "valueString": JSON},
            ),
            max_size=2,
        )
        | JSON,
        "status": JSON,
        "id": JSON,
    },
)
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def refused(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/fhir+json")
    assert check(response.json())["resourceType"] == "OperationOutcome"


@FUZZ
@given(body=PARAMETERS | JSON)
def test_find_and_book_never_fail_on_malformed_parameters(as_navigator, center, alice, body):
    for operation in ("find", "book"):
        response = as_navigator.post(
            f"/fhir/R4/Appointment/${operation}",
            json.dumps(body),
            content_type="application/fhir+json",
        )
        if response.status_code != 200:
            refused(response)
    assert not Appointment.objects.exists()


@FUZZ
@given(body=RESOURCE | JSON, kind=st.sampled_from(["Patient", "ServiceRequest"]))
def test_creates_never_fail_on_malformed_resources(as_navigator, alice, body, kind):
    response = as_navigator.post(
        f"/fhir/R4/{kind}", json.dumps(body), content_type="application/fhir+json"
    )
    if response.status_code not in (200, 201):
        refused(response)
        assert not Referral.objects.exists()


@FUZZ
@given(query=st.dictionaries(NAMES, st.text(max_size=12), max_size=5))
def test_find_by_get_never_fails_on_malformed_queries(as_navigator, center, alice, query):
    response = as_navigator.get("/fhir/R4/Appointment/$find", query)
    if response.status_code != 200:
        refused(response)
