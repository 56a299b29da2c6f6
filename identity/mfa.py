"""The second factor for local (password) logins: TOTP (RFC 6238) in an authenticator
app, with single-use recovery codes, on django-otp's devices.

Single sign-on users get theirs from the identity provider; these apply to passwords.
"""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.db import transaction
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tumorboard.roles import has_role

APP_DEVICE = "Authenticator app"
RECOVERY_DEVICE = "Recovery codes"
RECOVERY_CODES = 10


def mfa_required(user) -> bool:
    """True when MFA_REQUIRED is on and the user has one of MFA_REQUIRED_ROLES (by
    default navigator, specialist and admin: everyone who sees health information)."""
    return settings.MFA_REQUIRED and has_role(user, *settings.MFA_REQUIRED_ROLES)


def mfa_enrolled(user) -> bool:
    """True when the user has a confirmed authenticator app."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_needed(user) -> bool:
    """A password alone does not log this user in: required by role, or chosen."""
    return mfa_required(user) or user_has_device(user, confirmed=True)


def mfa_verify(*, user, code: str):
    """Check a code from the authenticator app or a recovery code (spaces ignored).

    Returns the django-otp device that accepted it (a used recovery code is spent) or
    None. django-otp refuses a TOTP code used before and slows down repeated failures on
    the device."""
    code = "".join(code.split()).lower()
    return match_token(user, code) if code else None


def mfa_method(device) -> str:
    """How a login passed its second factor, for the sign-in log."""
    return "password+recovery code" if isinstance(device, StaticDevice) else "password+totp"


def totp_pending(*, user) -> TOTPDevice:
    """The unconfirmed authenticator-app device being set up (made on first call, kept
    across page loads so the QR code stays the same until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)


def totp_secret(device: TOTPDevice) -> str:
    """The shared secret in base32 (RFC 4648), as authenticator apps ask to type it."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def totp_qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URI as an SVG QR code in a data: URI (the CSP allows data: images)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


@transaction.atomic
def totp_confirm(*, user, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm a pending device with a code it produced. On success, every other app
    device of the user is removed and fresh recovery codes are returned (shown once);
    on a wrong code, None and nothing changes."""
    code = "".join(code.split())
    if device.user_id != user.pk or device.confirmed or not device.verify_token(code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return recovery_codes_issue(user=user)


@transaction.atomic
def recovery_codes_issue(*, user) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODES new single-use ones."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
