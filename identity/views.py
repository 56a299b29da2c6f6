"""The second step of a password login (a code), setting up an authenticator app,
recovery codes, and keeping an idle session alive.

Between the password and the code nobody is logged in: the session only remembers who
typed a right password (`PENDING`), for PENDING_SECONDS.
"""

from __future__ import annotations

import time

import django_otp
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from identity.events import sign_in_event_record
from identity.mfa import (
    mfa_enrolled,
    mfa_method,
    mfa_verify,
    recovery_codes_issue,
    recovery_codes_left,
    totp_confirm,
    totp_pending,
    totp_qr_data_uri,
    totp_secret,
)
from identity.models import SignInEvent
from identity.signals import METHOD
from web.access import home_for

PENDING = "identity_pending"
PENDING_SECONDS = 300
MAX_FAILURES = 5


def pending_start(request, *, user, next_url: str) -> None:
    """Remember that `user` passed the password step (no login yet)."""
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": user.pk,
        "backend": user.backend,
        "next": next_url,
        "since": time.time(),
        "failures": 0,
    }


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["since"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user, pending


def _finish_login(request, *, user, pending, device, method: str):
    request.session.pop(PENDING, None)
    setattr(request, METHOD, method)
    auth.login(request, user, backend=pending["backend"])
    django_otp.login(request, device)


def _next_for(request, user, pending) -> str:
    target = pending.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return home_for(user) or reverse("web:home")


def _expired(request):
    return redirect(f"{reverse('web:login')}?expired=1")


def login_verify(request):
    """`/login/code/`: the code from the authenticator app, or a recovery code."""
    user, pending = _pending_user(request)
    if user is None:
        return _expired(request)
    if not mfa_enrolled(user):
        return redirect("identity:login_setup")
    error = None
    if request.method == "POST":
        device = mfa_verify(user=user, code=request.POST.get("code", ""))
        if device is not None:
            _finish_login(
                request, user=user, pending=pending, device=device, method=mfa_method(device)
            )
            return redirect(_next_for(request, user, pending))
        pending["failures"] += 1
        request.session.modified = True
        sign_in_event_record(
            request=request,
            kind=SignInEvent.Kind.MFA_FAILED,
            user=user,
            method="password+totp",
            detail=f"wrong code ({pending['failures']} of {MAX_FAILURES})",
        )
        if pending["failures"] >= MAX_FAILURES:
            request.session.pop(PENDING, None)
            return redirect(f"{reverse('web:login')}?expired=1")
        error = "That code is wrong or was already used. Please try again."
    return render(request, "identity/verify.html", {"error": error})


def login_setup(request):
    """`/login/setup/`: a second factor is required and this user has none yet. The
    password was right; a code from the new app confirms it and logs in."""
    user, pending = _pending_user(request)
    if user is None:
        return _expired(request)
    if mfa_enrolled(user):
        return redirect("identity:login_verify")
    device = totp_pending(user=user)
    if request.method == "POST":
        codes = totp_confirm(user=user, device=device, code=request.POST.get("code", ""))
        if codes is not None:
            _finish_login(
                request, user=user, pending=pending, device=device, method="password+totp"
            )
            return render(
                request,
                "identity/recovery_codes.html",
                {"codes": codes, "next": _next_for(request, user, pending)},
            )
        sign_in_event_record(
            request=request,
            kind=SignInEvent.Kind.MFA_FAILED,
            user=user,
            method="password+totp",
            detail="wrong code while setting up",
        )
        return _setup_page(request, device, error=True, action=reverse("identity:login_setup"))
    return _setup_page(request, device, error=False, action=reverse("identity:login_setup"))


def _setup_page(request, device, *, error: bool, action: str):
    return render(
        request,
        "identity/setup.html",
        {
            "qr": totp_qr_data_uri(device),
            "secret": totp_secret(device),
            "error": error,
            "action": action,
            "required": settings.MFA_REQUIRED,
        },
    )


@login_required
def two_factor(request):
    """`/account/two-factor/`: the signed-in user's second factor: set up (or replace)
    the authenticator app, or get new recovery codes (old ones stop working)."""
    codes = None
    if request.method == "POST" and request.POST.get("action") == "recovery":
        if mfa_enrolled(request.user):
            codes = recovery_codes_issue(user=request.user)
    return render(
        request,
        "identity/two_factor.html",
        {
            "enrolled": mfa_enrolled(request.user),
            "codes_left": recovery_codes_left(request.user),
            "codes": codes,
        },
    )


@login_required
def two_factor_setup(request):
    """`/account/two-factor/setup/`: set up a new authenticator app (replacing the old
    one once confirmed), e.g. after logging in with a recovery code."""
    device = totp_pending(user=request.user)
    action = reverse("identity:two_factor_setup")
    if request.method == "POST":
        codes = totp_confirm(user=request.user, device=device, code=request.POST.get("code", ""))
        if codes is not None:
            return render(
                request,
                "identity/recovery_codes.html",
                {"codes": codes, "next": reverse("identity:two_factor")},
            )
        sign_in_event_record(
            request=request,
            kind=SignInEvent.Kind.MFA_FAILED,
            user=request.user,
            method="totp setup",
            detail="wrong code while setting up",
        )
        return _setup_page(request, device, error=True, action=action)
    return _setup_page(request, device, error=False, action=action)


@require_POST
def keepalive(request):
    """`POST /session/keepalive/`: the idle warning's "Stay logged in" (204). The
    idle-timeout middleware has already counted the request as activity."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    return HttpResponse(status=204)


def admin_login(request):
    """The admin site's own login would skip the second factor: it sends to ours."""
    query = request.GET.urlencode()
    return redirect(f"{reverse('web:login')}{'?' + query if query else ''}")
