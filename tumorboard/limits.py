"""Bodies over `DATA_UPLOAD_MAX_MEMORY_SIZE` are refused before any view reads them.

Django refuses an oversized form body only when `request.POST` is read, with an HTML
page; DRF's JSON parser reads the stream without a limit. Here every API request (`/api/`,
and `/fhir/` as an OperationOutcome) with a larger `Content-Length` gets a 413 in the
API's error format, and nothing runs.
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse

API_PREFIXES = ("/api/", "/fhir/")


def too_large(request, size: int, limit: int) -> JsonResponse:
    message = (
        f"The request body is {size / 1024 / 1024:.1f} MB; the limit is "
        f"{limit / 1024 / 1024:g} MB. Nothing was saved."
    )
    if request.path.startswith("/fhir/"):
        body = {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "too-long", "diagnostics": message}],
        }
        return JsonResponse(body, status=413, content_type="application/fhir+json")
    return JsonResponse({"code": "too_large", "message": message, "fields": {}}, status=413)


class BodySizeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and request.path.startswith(API_PREFIXES):
            try:
                size = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                size = 0
            if size > limit:
                return too_large(request, size, limit)
        return self.get_response(request)
