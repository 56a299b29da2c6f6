"""Every write request is one transaction, its response included.

A booking whose response is rendered after the commit could be saved and yet answered
with an error (the database went away in between), telling the navigator "nothing was
saved" when it was. Here the view, the serialization of its answer and the audit row
commit together or not at all; a 4xx answer rolls back whatever the view wrote; a lost
database is a clean 503.
"""

from __future__ import annotations

from django.db import transaction
from django.http import JsonResponse

from tumorboard.errors import TRANSIENT_DB_ERRORS, UNAVAILABLE

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class AtomicWritesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self._respond(request)
        if "_audit_refusals" in request.__dict__:  # refused credentials outlive a rollback
            from interop.smart import refusals_write

            refusals_write(request)
        return response

    def _respond(self, request):
        if request.method in SAFE_METHODS:
            return self.get_response(request)
        try:
            with transaction.atomic():
                response = self.get_response(request)
                if response.status_code >= 400:
                    transaction.set_rollback(True)
        except TRANSIENT_DB_ERRORS:
            if request.path.startswith("/fhir/"):  # an EHR expects an OperationOutcome
                return JsonResponse(
                    {
                        "resourceType": "OperationOutcome",
                        "issue": [
                            {
                                "severity": "error",
                                "code": "transient",
                                "diagnostics": UNAVAILABLE["message"],
                            }
                        ],
                    },
                    status=503,
                    content_type="application/fhir+json",
                )
            return JsonResponse(UNAVAILABLE, status=503)
        return response
