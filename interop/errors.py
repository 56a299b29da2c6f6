"""Every FHIR error is an OperationOutcome: one issue, a FHIR issue code, plain words."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

from interop.mapping import operation_outcome
from interop.params import Invalid
from tumorboard.errors import (
    TRANSIENT_DB_ERRORS,
    Conflict,
    DomainError,
    NotFound,
    _flatten,
    first_problem,
    logger,
)

# DRF's exceptions, most specific first: (class, FHIR issue code).
_DRF = (
    (exceptions.NotAuthenticated, "login"),
    (exceptions.AuthenticationFailed, "login"),
    (exceptions.PermissionDenied, "forbidden"),
    (exceptions.NotFound, "not-found"),
    (exceptions.ParseError, "structure"),
    (exceptions.ValidationError, "invalid"),
    (exceptions.MethodNotAllowed, "not-supported"),
    (exceptions.UnsupportedMediaType, "not-supported"),
    (exceptions.NotAcceptable, "not-supported"),
    (exceptions.Throttled, "throttled"),
)


def outcome(status: int, code: str, diagnostics: str, expression=None, headers=None) -> Response:
    return Response(
        operation_outcome(diagnostics, code, expression=expression), status=status, headers=headers
    )


def exception_handler(exc, context):
    if isinstance(exc, Invalid):
        return outcome(400, "invalid", exc.message, exc.expression)
    if isinstance(exc, Conflict):
        return outcome(409, "conflict", exc.message, exc.field)
    if isinstance(exc, NotFound):
        return outcome(404, "not-found", exc.message, exc.field)
    if isinstance(exc, DomainError):
        # Readable but against a rule of the schedule (outside clinic hours, in the past).
        return outcome(422, "business-rule", exc.message, exc.field)
    if isinstance(exc, TRANSIENT_DB_ERRORS):
        return outcome(
            503, "transient", "The schedule could not be reached; nothing was saved. Try again."
        )
    if isinstance(exc, DatabaseError):
        logger.error("Database error in a FHIR request", exc_info=exc)
        return outcome(500, "exception", "Something went wrong on our side; nothing was saved.")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("No such resource, or not one you may see.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    for kind, code in _DRF:
        if isinstance(exc, kind):
            headers = {}
            if getattr(exc, "auth_header", None):
                headers["WWW-Authenticate"] = exc.auth_header
            if getattr(exc, "wait", None):
                headers["Retry-After"] = str(int(exc.wait))
            if isinstance(exc, exceptions.ValidationError):
                fields = _flatten(exc.detail)
                field = next((name for name, problems in fields.items() if problems), None)
                return outcome(exc.status_code, code, first_problem(fields), field)
            return outcome(exc.status_code, code, str(exc.detail), headers=headers)
    if isinstance(exc, exceptions.APIException):
        return outcome(exc.status_code, "exception", str(exc.detail))
    return None
