"""Single sign-on through OpenID Connect (authorization code flow with PKCE), on
mozilla-django-oidc.

On top of the library: the ID token's audience, issuer and expiry are checked
(OpenID Connect Core 1.0 §3.1.3.7; the library checks the signature and nonce only),
users are found by the provider's `iss`/`sub` (then once by e-mail), roles come from a
claim through OIDC_ROLE_MAP or stay as kept here, patients cannot sign on, and every
refusal is logged and answered with the login page.
"""

from __future__ import annotations

import logging

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from identity.events import sign_in_event_record
from identity.models import ExternalIdentity, SignInEvent
from identity.signals import METHOD
from tumorboard.roles import ADMIN, PATIENT, STAFF_ROLES, has_role

log = logging.getLogger(__name__)
SSO = "openid connect"


class StaffOIDCBackend(OIDCAuthenticationBackend):
    """Authenticates the provider's answer at /oidc/callback/; nothing else."""

    def authenticate(self, request, **kwargs):
        if not settings.OIDC_ENABLED or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"ID token signed with {header.get('alg')!r}")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_OP_ISSUER,
                leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"ID token refused: {exc}") from None

    def verify_claims(self, claims) -> bool:
        return bool(claims.get("sub"))

    def get_or_create_user(self, access_token, id_token, payload):
        # The userinfo call also proves the account still exists at the provider.
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload["sub"]:
            raise SuspiciousOperation("userinfo is about another subject")
        claims = {**payload, **userinfo}
        with transaction.atomic():
            user = self._user_for(claims)
            if user is None or has_role(user, PATIENT):
                raise SuspiciousOperation("not a staff account")
            staff_roles_sync(user=user, claims=claims)
        return user

    def _user_for(self, claims):
        issuer, subject = claims["iss"], claims["sub"]
        link = ExternalIdentity.objects.select_related("user").filter(
            issuer=issuer, subject=subject
        )
        if link:
            return link[0].user
        users = get_user_model().objects
        email = claims.get("email") if claims.get("email_verified", True) else None
        matches = list(users.filter(email__iexact=email)[:2]) if email else []
        if len(matches) == 1 and not matches[0].external_identities.filter(issuer=issuer):
            user = matches[0]
        elif not matches and settings.OIDC_CREATE_USER:
            user = users.create_user(
                username=self._free_username(claims), email=email or "", password=None
            )
            user.first_name = (claims.get("given_name") or "")[:150]
            user.last_name = (claims.get("family_name") or "")[:150]
            user.save(update_fields=["first_name", "last_name"])
        else:
            return None
        ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject)
        return user

    def _free_username(self, claims) -> str:
        base = (claims.get("preferred_username") or claims.get("email") or claims["sub"])[:140]
        users = get_user_model().objects
        name, n = base, 1
        while users.filter(username__iexact=name).exists():
            n += 1
            name = f"{base}-{n}"
        return name


def _claim_values(value) -> list[str]:
    if isinstance(value, str):
        return value.replace(",", " ").split()
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def staff_roles_sync(*, user, claims: dict) -> None:
    """Set the user's staff roles from the OIDC_ROLES_CLAIM claim through OIDC_ROLE_MAP
    (provider value -> navigator, specialist or admin). When the provider sends no such
    claim, the roles kept in our database stay as they are."""
    if settings.OIDC_ROLES_CLAIM not in claims:
        return
    values = _claim_values(claims[settings.OIDC_ROLES_CLAIM])
    wanted = {settings.OIDC_ROLE_MAP[v] for v in values if v in settings.OIDC_ROLE_MAP}
    wanted &= set(STAFF_ROLES)
    current = set(user.groups.filter(name__in=STAFF_ROLES).values_list("name", flat=True))
    for role in current - wanted:
        user.groups.remove(Group.objects.get(name=role))
    for role in wanted - current:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    is_admin = ADMIN in wanted
    if user.is_staff != is_admin or user.is_superuser != is_admin:
        user.is_staff = user.is_superuser = is_admin
        user.save(update_fields=["is_staff", "is_superuser"])
    user.__dict__.pop("_role_cache", None)


class StaffOIDCRequestView(OIDCAuthenticationRequestView):
    """`/oidc/authenticate/`: off (404) unless a provider is configured."""

    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        return super().get(request)


class StaffOIDCCallbackView(OIDCAuthenticationCallbackView):
    """`/oidc/callback/`: every refusal (bad state, nonce, audience, issuer, expiry,
    signature, an account the provider no longer has, a patient) logs nobody in, is
    recorded, and goes back to the login page saying single sign-on failed."""

    reason = ""

    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        setattr(request, METHOD, SSO)
        if request.GET.get("error"):
            self.reason = f"provider said {request.GET['error']}"[:200]
        try:
            return super().get(request)
        except SuspiciousOperation as exc:
            self.reason = str(exc)
        except requests.RequestException as exc:
            status = getattr(exc.response, "status_code", None)
            self.reason = f"provider refused ({status or type(exc).__name__})"
        return self.login_failure()

    def login_success(self):
        # The session carried state while anonymous; cycle it as any login does.
        setattr(self.request, METHOD, SSO)
        return super().login_success()

    def login_failure(self):
        log.warning("single sign-on refused: %s", self.reason or "no user")
        sign_in_event_record(
            request=self.request,
            kind=SignInEvent.Kind.LOGIN_FAILED,
            method=SSO,
            detail=self.reason or "no matching staff account",
        )
        return redirect(f"{reverse('web:login')}?sso=failed")
