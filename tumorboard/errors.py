"""Domain errors and the one place that turns every API error into plain JSON.

Every error body is `{"code", "message", "fields"}`: `message` is one sentence a
navigator understands, `fields` maps each bad field to its problems.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class DomainError(Exception):
    """A rule of the domain said no. Services raise it; the API shows it."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        extra: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}
        if code:
            self.code = code


class Conflict(DomainError):
    """The request clashes with what is already there (duplicate, double booking)."""

    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = str(key) if key != "non_field_errors" else ""
            out.update(_flatten(value, f"{prefix}.{name}" if prefix and name else prefix or name))
        return out
    if isinstance(detail, list) and detail and all(isinstance(d, dict | list) for d in detail):
        out = {}
        for index, value in enumerate(detail):
            out.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return out
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(item) for item in items]}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "message": exc.message, "fields": {}}
        if exc.field:
            body["fields"][exc.field] = [exc.message]
        body.update(exc.extra)
        return Response(body, status=exc.status_code)
    if isinstance(exc, ProtectedError | RestrictedError):
        found = getattr(exc, "protected_objects", None) or exc.restricted_objects
        used_by = sorted({str(type(obj)._meta.verbose_name_plural) for obj in found})
        return Response(
            {
                "code": "in_use",
                "message": f"It cannot be deleted while {', '.join(used_by)} refer to it; "
                "nothing was deleted.",
                "fields": {},
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DatabaseError) and not isinstance(exc, IntegrityError):
        # Lost connection, restart, deadlock: the transaction rolled back whole.
        return Response(
            {
                "code": "database_unavailable",
                "message": "The schedule could not be reached; nothing was saved. "
                "Please try again.",
                "fields": {},
            },
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first_field, problems = next(iter(fields.items()))
        label = "" if first_field == "non_field_errors" else f"{first_field}: "
        response.data = {
            "code": "invalid",
            "message": f"{label}{problems[0]}",
            "fields": fields,
        }
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = {
            "code": getattr(exc, "default_code", "error"),
            "message": str(detail),
            "fields": {},
        }
    return response
