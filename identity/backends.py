"""Local passwords, which a center with an identity provider can switch off."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class LocalPasswordBackend(ModelBackend):
    """Django's password check, refused outright when LOCAL_LOGIN_ENABLED is off.

    Sessions it made stay readable (get_user), so switching passwords off does not
    break anything but new password logins."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.LOCAL_LOGIN_ENABLED:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
