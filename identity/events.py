"""Recording sign-in events, with the address and user agent of the request.

A failed login is answered 4xx, and AtomicWritesMiddleware rolls back whatever a 4xx
request wrote; so events are kept on the request and written by SignInEventsMiddleware
after the response, outside that transaction. Without that middleware (a shell, a test's
`force_login`) they are written at once.
"""

from __future__ import annotations

from identity.models import SignInEvent

BUFFER = "_identity_events"


def _client(request) -> tuple[str | None, str]:
    meta = getattr(request, "META", None) or {}
    return meta.get("REMOTE_ADDR") or None, (meta.get("HTTP_USER_AGENT") or "")[:300]


def sign_in_event_record(
    *,
    request,
    kind: str,
    user=None,
    username: str = "",
    method: str = "",
    detail: str = "",
) -> None:
    """Record one event (`SignInEvent.Kind`) for `request` (a Django or DRF request, or
    None). `username` defaults to the user's; never pass a password or a code."""
    request = getattr(request, "_request", request)  # DRF wraps Django's request
    ip, agent = _client(request)
    event = SignInEvent(
        kind=kind,
        user=user if user is not None and user.pk else None,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        method=method[:32],
        detail=detail[:200],
        ip=ip,
        user_agent=agent,
    )
    buffer = getattr(request, BUFFER, None) if request is not None else None
    if buffer is None:
        event.save()
    else:
        buffer.append(event)


def sign_in_events_flush(request) -> None:
    """Write the events buffered on `request` (autocommit, after the response)."""
    events = request.__dict__.pop(BUFFER, None)
    if events:
        SignInEvent.objects.bulk_create(events)
