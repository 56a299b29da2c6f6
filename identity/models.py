"""Who signed in, failed to, or left, from where; and which provider account is whose."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SignInEvent(models.Model):
    """One sign-in, failed sign-in, second-factor failure, logout or API token creation.

    Append-only like the audit log (a PostgreSQL trigger refuses UPDATE and DELETE). It
    never holds a password or a code: `detail` is a short reason in our own words.
    """

    class Kind(models.TextChoices):
        LOGIN = "login", "Logged in"
        LOGIN_FAILED = "login_failed", "Login failed"
        MFA_FAILED = "mfa_failed", "Second factor failed"
        LOGOUT = "logout", "Logged out"
        TOKEN_CREATED = "token_created", "API token created"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # DO_NOTHING: deleting a user must not rewrite the log (the trigger would refuse it).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    # The name typed or sent (a failed login may name nobody who exists).
    username = models.CharField(max_length=150, blank=True)
    # password, password+totp, password+recovery code, openid connect, api, idle...
    method = models.CharField(max_length=32, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.username or 'anonymous'} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class ExternalIdentity(models.Model):
    """The identity provider's account (issuer and subject, OpenID Connect `iss`/`sub`)
    that signs in as one of our users. Made at the first single sign-on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities"
    )
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="identity_one_account")
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
