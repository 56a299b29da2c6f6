"""Domain errors and the one place that turns every API error into plain JSON.

Every error body is `{"code", "message", "fields"}`: `message` is one sentence a
navigator understands, `fields` maps each bad field to its problems.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, InterfaceError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

# Only these database errors are transient (lost connection, restart, deadlock, timeout):
# the request rolled back whole and may be tried again. Any other DatabaseError
# (ProgrammingError, DataError, IntegrityError not handled by a service) is a bug: a 500,
# logged.
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)

UNAVAILABLE = {
    "code": "database_unavailable",
    "message": "The schedule could not be reached; nothing was saved. Please try again.",
    "fields": {},
}
SERVER_ERROR = {
    "code": "server_error",
    "message": "Something went wrong on our side; nothing was saved. It has been logged for "
    "the team.",
    "fields": {},
}


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


class Forbidden(DomainError):
    """The request is someone else's to make (e.g. another navigator's hold)."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "forbidden"


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


def first_problem(fields: dict[str, list[str]]) -> str:
    """The first problem in words, `field: problem`; a validation error with none (e.g.
    `ValidationError({})`) still reads as one sentence."""
    for field, problems in fields.items():
        if problems:
            label = "" if field == "non_field_errors" else f"{field}: "
            return f"{label}{problems[0]}"
    return "The request is not valid."


def _view_name(context) -> str:
    view = (context or {}).get("view")
    return type(view).__name__ if view is not None else "a request"


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
    if isinstance(exc, TRANSIENT_DB_ERRORS):
        return Response(dict(UNAVAILABLE), status=status.HTTP_503_SERVICE_UNAVAILABLE)
    if isinstance(exc, DatabaseError):
        logger.error("Database error in %s", _view_name(context), exc_info=exc)
        return Response(dict(SERVER_ERROR), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = {name: problems for name, problems in _flatten(exc.detail).items() if problems}
        response.data = {"code": "invalid", "message": first_problem(fields), "fields": fields}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = {
            "code": getattr(exc, "default_code", "error"),
            "message": str(detail),
            "fields": {},
        }
    return response
