"""Django's own login, logout and failed-login signals, recorded as sign-in events."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from identity.events import sign_in_event_record
from identity.models import SignInEvent

# Views set these on the request before calling login()/logout() to say how.
METHOD = "_identity_method"
REASON = "_identity_reason"


def _method(request, default: str) -> str:
    request = getattr(request, "_request", request)
    return getattr(request, METHOD, default) if request is not None else default


@receiver(user_logged_in, dispatch_uid="identity-logged-in")
def _logged_in(sender, request, user, **kwargs):
    sign_in_event_record(
        request=request, kind=SignInEvent.Kind.LOGIN, user=user, method=_method(request, "password")
    )


@receiver(user_logged_out, dispatch_uid="identity-logged-out")
def _logged_out(sender, request, user, **kwargs):
    if user is None:
        return
    reason = getattr(request, REASON, "") if request is not None else ""
    sign_in_event_record(
        request=request, kind=SignInEvent.Kind.LOGOUT, user=user, method=reason or "user"
    )


@receiver(user_login_failed, dispatch_uid="identity-login-failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # `credentials` has the password already masked by Django; only the name is kept.
    if "username" not in credentials:
        return  # single sign-on: its callback records the failure with the reason
    sign_in_event_record(
        request=request,
        kind=SignInEvent.Kind.LOGIN_FAILED,
        username=str(credentials.get("username", "")),
        method=_method(request, "password"),
        detail="wrong username or password",
    )
