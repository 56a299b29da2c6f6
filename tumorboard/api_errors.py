"""Everything under /api/ answers in JSON, its errors too (`{"code", "message", "fields"}`,
as `tumorboard.errors`): a path that names no endpoint, a method the endpoint does not
take, or a crash outside DRF's handler would otherwise be Django's HTML pages (under
DEBUG, a POST without its trailing slash was even a RuntimeError from APPEND_SLASH)."""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt

from tumorboard.errors import SERVER_ERROR

API_PREFIX = "/api/"
JSON_TYPES = ("application/json", "application/problem+json")


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "fields": {}}, status=status)


@csrf_exempt
def api_unknown(request, rest: str = "") -> JsonResponse:
    """The last pattern under /api/: a JSON 404, never a redirect. A path that only lacks
    its trailing slash names the endpoint it meant, for every method (a redirect would
    turn a POST into a GET, and APPEND_SLASH cannot redirect a POST at all). CSRF-exempt:
    it serves and changes nothing, so a token-authenticated POST to a mistyped address
    gets this 404 rather than the CSRF check's 403."""
    path = request.path_info
    if not path.endswith("/"):
        try:
            match = resolve(f"{path}/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_unknown:
            return _error(
                404,
                "trailing_slash",
                f"No endpoint at {path}: the address ends with a slash, {path}/ "
                "(nothing was done).",
            )
    return _error(404, "not_found", f"No endpoint at {path}; see /api/docs/ for the API.")


class ApiJsonErrorsMiddleware:
    """An error answer under /api/ that is not JSON already (a 405 from a plain Django
    view, a 500 page, a 404 from outside DRF) becomes the JSON error of its status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path_info.startswith(API_PREFIX)
            or response.get("Content-Type", "").startswith(JSON_TYPES)
        ):
            return response
        status = response.status_code
        if status == 405:
            allowed = response.get("Allow", "")
            answer = _error(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed at {request.path_info}"
                + (f"; it takes {allowed}." if allowed else "."),
            )
            if allowed:
                answer["Allow"] = allowed
            return answer
        if status == 404:
            return api_unknown(request)
        if status >= 500:
            return JsonResponse(SERVER_ERROR, status=status)
        return _error(status, "error", f"The request could not be handled ({status}).")
