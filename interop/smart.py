"""SMART Backend Services (SMART App Launch 2.x, "backend services"): OAuth 2.0 client
credentials with a signed JWT client assertion (`private_key_jwt`, RFC 7523), checked with
joserfc against the JWK Set registered for the client; bearer access tokens; scopes.

Scopes: SMART v2 syntax `system/<Type|*>.<cruds>` (e.g. `system/Appointment.rs`), and the
v1 `system/<Type|*>.<read|write|*>` accepted and read as v2 (read = rs, write = cud).
Every FHIR interaction needs a granted scope for its resource type and action.

Refusals are 401 with an OperationOutcome and a row in the audit log naming the reason
(expired, replayed jti, unknown key, wrong audience, ...).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from interop.models import SmartClient, SmartToken, UsedAssertion
from tumorboard.audit import AuditEvent

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGORITHMS = ("RS384", "ES384", "RS256", "ES256")  # SMART: RS384 and ES384 SHALL
MAX_ASSERTION_LIFETIME = timedelta(minutes=5)
_SCOPE = re.compile(r"^system/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|c?r?u?d?s?)$")
V1 = {"read": "rs", "write": "cud", "*": "cruds"}


class Refused(Exception):
    """A token request or bearer token refused: 401 (`invalid_client`) or 400."""

    def __init__(self, reason: str, *, error: str = "invalid_client", status: int = 401):
        super().__init__(reason)
        self.reason, self.error, self.status = reason, error, status


def parse_scopes(text: str) -> dict[str, set[str]]:
    """`system/...` scopes as {resource type or '*': actions among c r u d s}; other
    scopes (openid, launch...) are left out. Raises Refused for a malformed system scope."""
    granted: dict[str, set[str]] = {}
    for scope in text.split():
        if not scope.startswith("system/"):
            continue
        match = _SCOPE.match(scope)
        if not match or not match.group(2):
            raise Refused(f"“{scope}” is not a system scope", error="invalid_scope", status=400)
        kind, actions = match.groups()
        granted.setdefault(kind, set()).update(V1.get(actions, actions))
    return granted


def allows(granted: dict[str, set[str]], kind: str, action: str) -> bool:
    return action in granted.get(kind, set()) | granted.get("*", set())


def _narrow(asked: dict[str, set[str]], allowed: dict[str, set[str]]) -> str:
    """The v2 scopes granted: what was asked, within what the client is registered for."""
    out = []
    for kind, actions in sorted(asked.items()):
        permitted = {a for a in actions if allows(allowed, kind, a)}
        if permitted:
            out.append(f"system/{kind}.{''.join(a for a in 'cruds' if a in permitted)}")
    return " ".join(out)


def audit_refusal(request, reason: str, client_id: str = "", status: int = 401) -> None:
    """One audit row per refused credential: who claimed to be calling, and why not. A
    refused write's transaction is rolled back (tumorboard.atomic), so the row is written
    after it, by `refusals_write`."""
    request = getattr(request, "_request", request)
    request.__dict__.setdefault("_audit_refusals", []).append(
        (reason, client_id, status, request.method, request.path)
    )


def refusals_write(request) -> None:
    """Write the refusals `audit_refusal` noted on the request (once)."""
    for reason, client_id, status, method, path in request.__dict__.pop("_audit_refusals", []):
        _refusal_row(request, reason, client_id, status, method, path)


def _refusal_row(request, reason, client_id, status, method, path) -> None:
    AuditEvent.objects.create(
        username=f"smart:{client_id}"[:150] if client_id else "smart:unknown",
        action="refused",
        method=method,
        path=path[:300],
        status_code=status,
        ip=request.META.get("REMOTE_ADDR"),
        reason=reason[:200],
    )


def _unverified_claims(assertion: str) -> dict:
    try:
        claims = json.loads(extract_compact(assertion.encode()).payload)
    except (JoseError, ValueError, TypeError):
        raise Refused("the client assertion is not a signed JWT") from None
    if not isinstance(claims, dict):
        raise Refused("the client assertion is not a signed JWT")
    return claims


def token_issue(*, form, token_url: str, now: datetime) -> dict:
    """Check a client-credentials request (form fields as posted) and return the token
    response {access_token, token_type, expires_in (seconds), scope}.

    The assertion must be signed by a key of the client's JWKS (kid), with iss = sub =
    client_id, aud = this token endpoint's URL, exp within 5 minutes, and a jti never
    seen before. Raises Refused naming the first problem found."""
    if form.get("grant_type") != "client_credentials":
        raise Refused(
            "grant_type must be client_credentials", error="unsupported_grant_type", status=400
        )
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise Refused(
            f"client_assertion_type must be {ASSERTION_TYPE}", error="invalid_request", status=400
        )
    assertion = form.get("client_assertion") or ""
    claims = _unverified_claims(assertion)
    client_id = claims.get("iss")
    client = SmartClient.objects.filter(client_id=str(client_id), active=True).first()
    if client is None:
        raise Refused("no active client with this iss")
    try:
        token = jwt.decode(assertion, KeySet.import_key_set(client.jwks), algorithms=ALGORITHMS)
        jwt.JWTClaimsRegistry(
            now=int(now.timestamp()),
            leeway=30,
            iss={"essential": True, "value": client.client_id},
            sub={"essential": True, "value": client.client_id},
            aud={"essential": True, "value": token_url},
            exp={"essential": True},
            jti={"essential": True},
        ).validate(token.claims)
    except ExpiredTokenError:
        raise Refused("the client assertion has expired", error="invalid_client") from None
    except InvalidKeyIdError:
        raise Refused("the assertion is signed by a key not registered for the client") from None
    except BadSignatureError:
        raise Refused("the assertion's signature does not verify with the client's keys") from None
    except ClaimError as exc:
        claim = getattr(exc, "claim", "")
        if claim == "aud":
            raise Refused("the assertion is for another audience (aud)") from None
        raise Refused(f"the assertion's claims are not acceptable ({exc.error})") from None
    except (JoseError, ValueError) as exc:
        raise Refused(f"the assertion could not be verified ({type(exc).__name__})") from None
    expires = datetime.fromtimestamp(token.claims["exp"], UTC)
    if expires > now + MAX_ASSERTION_LIFETIME + timedelta(seconds=30):
        raise Refused("the assertion lives longer than 5 minutes (exp)")
    asked = parse_scopes(form.get("scope") or "")
    if not asked:
        raise Refused("ask for at least one system/ scope", error="invalid_scope", status=400)
    scope = _narrow(asked, parse_scopes(client.scopes))
    if not scope:
        raise Refused("none of the scopes asked for is granted", error="invalid_scope", status=400)
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(client=client, jti=token.claims["jti"], expires_at=expires)
    except IntegrityError:
        raise Refused("the assertion was used before (jti)") from None
    UsedAssertion.objects.filter(expires_at__lt=now - timedelta(minutes=1)).delete()
    access = secrets.token_urlsafe(32)
    lifetime = timedelta(minutes=settings.SMART_TOKEN_MINUTES)
    SmartToken.objects.create(
        digest=hashlib.sha256(access.encode()).hexdigest(),
        client=client,
        scopes=scope,
        expires_at=now + lifetime,
    )
    return {
        "access_token": access,
        "token_type": "bearer",
        "expires_in": int(lifetime.total_seconds()),
        "scope": scope,
    }


@dataclass(frozen=True)
class SmartAccess:
    """`request.auth` for a bearer token: the client and its granted scopes."""

    client_id: str
    granted: dict

    def allows(self, kind: str, action: str) -> bool:
        return allows(self.granted, kind, action)


class SmartBearerAuthentication(BaseAuthentication):
    """`Authorization: Bearer <access token>` from the token endpoint. Other schemes are
    left to the next authenticator (the REST API's `Token`)."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = (
            SmartToken.objects.select_related("client__user")
            .filter(digest=hashlib.sha256(value.strip().encode()).hexdigest())
            .first()
        )
        if token is None or token.expires_at <= timezone.now() or not token.client.active:
            reason = "unknown bearer token" if token is None else "the bearer token has expired"
            audit_refusal(request, reason, token.client.client_id if token else "")
            raise exceptions.AuthenticationFailed(f"{reason[0].upper()}{reason[1:]}.")
        return token.client.user, SmartAccess(token.client.client_id, parse_scopes(token.scopes))

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="fhir"'
