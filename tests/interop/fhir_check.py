"""The validator every FHIR test runs: the fhir.resources R4B models (structure, types,
cardinality), the FHIRPath invariants they do not check, and the required code bindings."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import fhirpathpy
import jsonschema_rs
from fhir.resources.R4B import get_fhir_model_class

SCHEMA = Path(__file__).parent / "fhir_schema" / "fhir.schema.json"


@functools.cache
def _schema() -> dict:
    return json.loads(SCHEMA.read_text())


@functools.cache
def _validator(kind: str | None = None):
    """HL7's official R4 JSON schema (vendored, CC0): the whole of it, or one resource
    type's definition (slower to build; used to name what is wrong)."""
    schema = _schema()
    if kind:
        schema = {"$ref": f"#/definitions/{kind}", "definitions": schema["definitions"]}
    return jsonschema_rs.Draft6Validator(schema)


def schema_errors(resource: dict) -> list[str]:
    """What breaks the R4 JSON schema in `resource` (empty when valid)."""
    if _validator().is_valid(resource):
        return []
    return [
        f"{'/'.join(map(str, e.instance_path))}: {e.message[:200]}"
        for e in _validator(resource.get("resourceType")).iter_errors(resource)
    ] or ["invalid (no detail)"]


# Invariants of R4 (identical in R4B) for the resources we serve, as FHIRPath.
INVARIANTS = {
    "Appointment": {
        "app-2": "start.exists() = end.exists()",
        "app-3": "(start.exists() and end.exists()) or "
        "(status in ('proposed' | 'cancelled' | 'waitlist'))",
        "app-4": "cancelationReason.exists().not() or (status='noshow' or status='cancelled')",
        "app-1": "participant.all(type.exists() or actor.exists())",
    },
    "Bundle": {
        "bdl-1": "total.empty() or (type = 'searchset') or (type = 'history')",
        "bdl-2": "entry.search.empty() or (type = 'searchset')",
        "bdl-3": "entry.request.empty() or type = 'batch' or type = 'transaction' "
        "or type = 'history'",
        "bdl-4": "entry.response.empty() or type = 'batch-response' "
        "or type = 'transaction-response' or type = 'history'",
        "bdl-5": "entry.all(resource.exists() or request.exists() or response.exists())",
        "bdl-7": "(type = 'history') or entry.where(fullUrl.exists())"
        ".select(fullUrl&resource.meta.versionId).isDistinct()",
        "bdl-8": "entry.all(fullUrl.contains('/_history/').not())",
    },
    "CapabilityStatement": {
        "cpb-1": "rest.exists() or messaging.exists() or document.exists()",
        "cpb-2": "(description.count() + software.count() + implementation.count()) > 0",
        "cpb-3": "messaging.endpoint.empty() or kind = 'instance'",
        "cpb-14": "(kind != 'instance') or implementation.exists()",
        "cpb-15": "(kind != 'capability') or (implementation.exists().not() and software.exists())",
        "cpb-9": "rest.all(resource.select(type).isDistinct())",
    },
    "Slot": {},
    "Schedule": {},
    "Device": {},  # R4 Device has no invariants of its own (only the dom-* ones)
    "Patient": {
        "pat-1": "contact.all(name.exists() or telecom.exists() or "
        "address.exists() or organization.exists())"
    },
    "Practitioner": {},
    "PractitionerRole": {},
    "Location": {},
    "OperationOutcome": {},
    "ServiceRequest": {"prr-1": "orderDetail.empty() or code.exists()"},
}
DOMAIN_RESOURCE = {
    "dom-2": "contained.contained.empty()",
    "dom-3": "contained.empty()",
    "dom-4": "contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()",
}
# Required bindings: path -> the codes of its value set.
BINDINGS = {
    "Appointment": {
        "status": {
            "proposed",
            "pending",
            "booked",
            "arrived",
            "fulfilled",
            "cancelled",
            "noshow",
            "entered-in-error",
            "checked-in",
            "waitlist",
        },
        "participant.status": {"accepted", "declined", "tentative", "needs-action"},
        "participant.required": {"required", "optional", "information-only"},
    },
    "Slot": {"status": {"busy", "free", "busy-unavailable", "busy-tentative", "entered-in-error"}},
    "ServiceRequest": {
        "status": {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error"}
        | {"unknown"},
        "intent": {"proposal", "plan", "directive", "order", "original-order", "reflex-order"}
        | {"filler-order", "instance-order", "option"},
        "priority": {"routine", "urgent", "asap", "stat"},
    },
    "Bundle": {
        "type": {
            "document",
            "message",
            "transaction",
            "transaction-response",
            "batch",
            "batch-response",
            "history",
            "searchset",
            "collection",
        },
        "entry.search.mode": {"match", "include", "outcome"},
    },
    "OperationOutcome": {
        "issue.severity": {"fatal", "error", "warning", "information"},
        "issue.code": {
            "invalid",
            "structure",
            "required",
            "value",
            "invariant",
            "security",
            "login",
            "unknown",
            "expired",
            "forbidden",
            "suppressed",
            "processing",
            "not-supported",
            "duplicate",
            "multiple-matches",
            "not-found",
            "deleted",
            "too-long",
            "code-invalid",
            "extension",
            "too-costly",
            "business-rule",
            "conflict",
            "transient",
            "lock-error",
            "no-store",
            "exception",
            "timeout",
            "incomplete",
            "throttled",
            "informational",
        },
    },
    "Location": {"status": {"active", "suspended", "inactive"}, "mode": {"instance", "kind"}},
    "CapabilityStatement": {
        "status": {"draft", "active", "retired", "unknown"},
        "kind": {"instance", "capability", "requirements"},
        "rest.mode": {"client", "server"},
        "rest.resource.interaction.code": {
            "read",
            "vread",
            "update",
            "patch",
            "delete",
            "history-instance",
            "history-type",
            "create",
            "search-type",
        },
        "rest.resource.searchParam.type": {
            "number",
            "date",
            "string",
            "token",
            "reference",
            "composite",
            "quantity",
            "uri",
            "special",
        },
    },
}


def check(resource: dict) -> dict:
    """Validate `resource` (and every resource a Bundle holds); returns it for chaining."""
    kind = resource["resourceType"]
    errors = schema_errors(resource)
    assert not errors, f"{kind} breaks HL7's R4 JSON schema: {errors[:3]}"
    get_fhir_model_class(kind).model_validate(resource)
    rules = {**INVARIANTS[kind], **({} if kind == "Bundle" else DOMAIN_RESOURCE)}
    for key, expression in rules.items():
        assert fhirpathpy.evaluate(resource, expression) == [True], f"{kind} breaks {key}"
    for path, codes in BINDINGS.get(kind, {}).items():
        for code in fhirpathpy.evaluate(resource, path):
            assert code in codes, f"{kind}.{path} “{code}” is not in its value set"
    for entry in resource.get("entry", []):
        check(entry["resource"])
    return resource


def outcome_of(response, status: int, code: str) -> str:
    """The OperationOutcome of an error response, checked; returns its diagnostics."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/fhir+json")
    body = check(response.json())
    assert body["resourceType"] == "OperationOutcome"
    (issue,) = body["issue"]
    assert (issue["severity"], issue["code"]) == ("error", code)
    return issue["diagnostics"]


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:800])
    assert response["Content-Type"].startswith("application/fhir+json")
    return check(response.json())
