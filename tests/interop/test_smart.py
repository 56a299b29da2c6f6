"""SMART Backend Services: a registered client trades a signed assertion for a bearer
token (client credentials, private_key_jwt), the token's scopes bound every FHIR
interaction, and a bad assertion is a 401 with an OperationOutcome and an audit row
saying why. API tokens keep working."""

import json
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from joserfc.jwk import ECKey

from tests.interop.fhir_check import ok, outcome_of
from tests.interop.smart_client import SmartClient
from tumorboard.audit import AuditEvent

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)
T = int(NOW.timestamp())

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ehr(tmp_path, db):
    return SmartClient(
        tmp_path, "system/Patient.rs system/Appointment.read system/ServiceRequest.cr"
    )


def test_discovery_names_the_token_endpoint_and_the_capability_statement_declares_smart(
    anonymous,
):
    config = anonymous.get("/fhir/R4/.well-known/smart-configuration").json()
    assert config["token_endpoint"] == "http://testserver/fhir/R4/auth/token"
    assert config["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert "ES384" in config["token_endpoint_auth_signing_alg_values_supported"]
    security = ok(anonymous.get("/fhir/R4/metadata"))["rest"][0]["security"]
    assert security["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"
    uris = security["extension"][0]["extension"]
    assert uris == [{"url": "token", "valueUri": "http://testserver/fhir/R4/auth/token"}]


def test_a_signed_assertion_buys_a_token_whose_scopes_bound_what_it_reads(ehr, alice):
    response = ehr.ask(ehr.assertion(now=T), "system/Patient.rs system/Slot.rs")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 300
    assert body["scope"] == "system/Patient.rs"  # Slot is not registered for this client
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {body['access_token']}"}
    read = ok(ehr.http.get(f"/fhir/R4/Patient/{alice.pk}", **bearer))
    assert read["identifier"][0]["value"] == "MRN-ALICE"
    denied = ehr.http.get("/fhir/R4/Appointment", **bearer)
    assert "system/Appointment.s" in outcome_of(denied, 403, "forbidden")
    denied = ehr.http.get("/fhir/R4/Slot", **bearer)
    outcome_of(denied, 403, "forbidden")


def test_v1_read_scope_allows_search_but_not_booking(ehr, alice):
    client = ehr.login(now=T, scope="system/Appointment.read")
    ok(client.get("/fhir/R4/Appointment", {"patient": alice.pk}))
    response = client.post(
        "/fhir/R4/Appointment/$book",
        json.dumps({"resourceType": "Parameters"}),
        content_type="application/fhir+json",
    )
    assert "system/Appointment.c" in outcome_of(response, 403, "forbidden")


def test_the_token_expires(ehr, frozen):
    client = ehr.login(now=T, scope="system/Patient.rs")
    ok(client.get("/fhir/R4/Patient"))
    frozen.shift(301)
    response = client.get("/fhir/R4/Patient")
    assert "expired" in outcome_of(response, 401, "login")


def refusal(response) -> str:
    diagnostics = outcome_of(response, 401, "login")
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_client"'
    return diagnostics


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda ehr: ehr.assertion(now=T - 600), "expired"),
        (lambda ehr: ehr.assertion(now=T, aud="https://elsewhere.example/token"), "audience"),
        (
            lambda ehr: ehr.assertion(
                now=T, key=ECKey.generate_key("P-384", parameters={"kid": "stranger"})
            ),
            "key not registered",
        ),
        (
            lambda ehr: ehr.assertion(
                now=T, key=ECKey.generate_key("P-384", parameters={"kid": ehr.key.kid})
            ),
            "signature does not verify",
        ),
        (lambda ehr: ehr.assertion(now=T, lifetime=3600), "longer than 5 minutes"),
        (lambda ehr: "not-a-jwt", "not a signed JWT"),
    ],
)
def test_a_bad_assertion_is_refused_and_the_audit_log_says_why(ehr, make, reason):
    assert reason in refusal(ehr.ask(make(ehr)))
    event = AuditEvent.objects.get()
    assert (event.action, event.status_code, event.path) == ("refused", 401, "/fhir/R4/auth/token")
    assert reason in event.reason


def test_a_replayed_assertion_is_refused(ehr):
    assertion = ehr.assertion(now=T, jti=uuid.uuid4().hex)
    assert ehr.ask(assertion, "system/Patient.rs").status_code == 200
    assert "used before" in refusal(ehr.ask(assertion, "system/Patient.rs"))
    assert AuditEvent.objects.get().username == f"smart:{ehr.client_id}"


def test_a_made_up_bearer_token_is_a_401_that_is_audited(anonymous):
    response = anonymous.get("/fhir/R4/Patient", HTTP_AUTHORIZATION="Bearer made-up")
    assert "Unknown bearer token" in outcome_of(response, 401, "login")
    assert AuditEvent.objects.get().reason == "unknown bearer token"


def test_api_tokens_keep_working(as_navigator, alice):
    ok(as_navigator.get(f"/fhir/R4/Patient/{alice.pk}"))


def test_registering_refuses_a_private_key(tmp_path, db):
    from django.core.management import CommandError, call_command

    key = ECKey.generate_key("P-384")
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [key.as_dict(private=True)]}))
    with pytest.raises(CommandError, match="private key"):
        call_command("smart_client_register", name="x", jwks=str(path), scopes="system/*.read")
