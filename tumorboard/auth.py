"""API tokens: `POST /api/v1/auth/token/` (username, password and, where a second factor
is needed, `otp`, in; a token out), `DELETE` to revoke it. Tokens expire after
TOKEN_TTL_HOURS; logins are throttled; creations and failures are in the sign-in log."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from identity.events import sign_in_event_record
from identity.mfa import mfa_enrolled, mfa_needed, mfa_verify
from identity.models import SignInEvent
from identity.signals import METHOD
from tumorboard.authentication import ExpiringTokenAuthentication, token_expired
from tumorboard.errors import DomainError


class TokenRequestSerializer(AuthTokenSerializer):
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=64,
        help_text="The second factor, for accounts that need one (navigators, specialists "
        "and admins when MFA_REQUIRED is on, or anyone who set up an app): the 6-digit code "
        "the authenticator app shows now, or one unused recovery code. Omit it otherwise.",
    )


def second_factor_check(*, request, user, code: str) -> str:
    """The API's second step: raises DomainError (400, field `otp`) when a code is needed
    and missing or wrong, or when a required app was never set up; returns the method
    for the sign-in log (`api`, `api+totp` or `api+recovery code`)."""
    if not mfa_needed(user):
        return "api"
    if not mfa_enrolled(user):
        raise DomainError(
            "This account needs an authenticator app: log in on the website once to set it "
            "up, then ask for a token with its code.",
            field="otp",
            code="otp_enrolment_required",
        )
    if not code.strip():
        raise DomainError(
            "This account needs a second factor: send the code from your authenticator app "
            "in `otp`.",
            field="otp",
            code="otp_required",
        )
    device = mfa_verify(user=user, code=code)
    if device is None:
        sign_in_event_record(
            request=request,
            kind=SignInEvent.Kind.MFA_FAILED,
            user=user,
            method="api",
            detail="wrong code",
        )
        raise DomainError(
            "That code is wrong or was already used; nothing was issued.",
            field="otp",
            code="otp_invalid",
        )
    return "api+recovery code" if device.__class__.__name__ == "StaticDevice" else "api+totp"


class ObtainTokenView(ObtainAuthToken):
    serializer_class = TokenRequestSerializer
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES  # not authtoken's own JSON parser

    @extend_schema(
        request=TokenRequestSerializer,
        responses=inline_serializer("Token", {"token": serializers.CharField()}),
        auth=[],
        description="A token for `Authorization: Token …`. Accounts that need a second "
        "factor send `otp` too; without it, or with a wrong one, the answer is 400 with "
        "`code` `otp_required`, `otp_invalid` or `otp_enrolment_required` and "
        "`fields.otp`. Refused (400) for every account when local passwords are off "
        "(LOCAL_LOGIN_ENABLED).",
    )
    def post(self, request, *args, **kwargs):
        setattr(request._request, METHOD, "api")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        method = second_factor_check(
            request=request, user=user, code=serializer.validated_data.get("otp") or ""
        )
        token = Token.objects.filter(user=user).first()
        if token is not None and token_expired(token):
            token.delete()
            token = None
        token = token or Token.objects.create(user=user)
        sign_in_event_record(
            request=request, kind=SignInEvent.Kind.TOKEN_CREATED, user=user, method=method
        )
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, *args, **kwargs):
        """Revoke the token this request carries."""
        if not request.user.is_authenticated or not isinstance(request.auth, Token):
            raise exceptions.NotAuthenticated()
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
