"""Sessions that end after an idle period, and sign-in events written after the response."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from identity.events import BUFFER, sign_in_events_flush
from identity.signals import REASON

LAST_SEEN = "identity_last_seen"
# A cookie of its own, set by an idle logout: the login page then says why, even when the
# request that ended the session was the page's own polling, not the reload. Not in the
# session: a request that raced the logout with the old session cookie answers by
# deleting that cookie (Django's SessionMiddleware), and would take a mark there with it.
IDLE_LOGOUT = "idle_logout"
IDLE_LOGOUT_SECONDS = 600
# Requests the page makes by itself (htmx polling every minute, marked by static/js/idle.js)
# are not the person's activity: they must not keep an unattended session open.
BACKGROUND_HEADER = "HTTP_X_BACKGROUND"
# The stored time moves on at most this often: one session write per half minute, not
# one per request; the idle period is measured to within it.
RESOLUTION_SECONDS = 30


class SignInEventsMiddleware:
    """Buffers the request's sign-in events and writes them after the response, outside
    AtomicWritesMiddleware's transaction (a failed login answered 4xx is rolled back)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        setattr(request, BUFFER, [])
        try:
            return self.get_response(request)
        finally:
            sign_in_events_flush(request)


class IdleTimeoutMiddleware:
    """Logs a signed-in session out after IDLE_TIMEOUT_MINUTES without the person's own
    requests (server time, seconds since the epoch in the session). Patients' page links
    (/p/…) are not sessions and keep their own expiry; API tokens keep TOKEN_TTL_HOURS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        now = time.time()
        last_seen = request.session.get(LAST_SEEN)
        idle_seconds = settings.IDLE_TIMEOUT_MINUTES * 60
        if last_seen is not None and now - last_seen >= idle_seconds:
            setattr(request, REASON, "idle")
            auth.logout(request)
            response = self._logged_out(request)
            response.set_cookie(
                IDLE_LOGOUT,
                "1",
                max_age=IDLE_LOGOUT_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
            return response
        background = request.META.get(BACKGROUND_HEADER) == "1"
        if not background and (last_seen is None or now - last_seen >= RESOLUTION_SECONDS):
            request.session[LAST_SEEN] = now
        return self.get_response(request)

    def _logged_out(self, request):
        login = reverse("web:login")
        if request.path.startswith(("/api/", "/fhir/")):
            return self.get_response(request)  # now anonymous: the API answers 401/403
        query = urlencode({"idle": 1, "next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = f"{login}?{query}"
            return response
        return redirect(f"{login}?{query}")
