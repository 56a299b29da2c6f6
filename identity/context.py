"""Template context: what the idle warning script and the login page need."""

from __future__ import annotations

from django.conf import settings


def identity(request) -> dict:
    user = getattr(request, "user", None)
    return {
        "idle_timeout_seconds": settings.IDLE_TIMEOUT_MINUTES * 60
        if user is not None and user.is_authenticated
        else None,
        "idle_minutes": settings.IDLE_TIMEOUT_MINUTES,
        "oidc_enabled": settings.OIDC_ENABLED,
        "oidc_provider_name": settings.OIDC_PROVIDER_NAME,
        "local_login_enabled": settings.LOCAL_LOGIN_ENABLED,
    }
