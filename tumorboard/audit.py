"""Who read or changed which patient's data, when and from where: an append-only log.

Serializers and pages that show patient data mark the patients they touched on the
request (`touch`); the middleware writes one row per request after the response. The
table refuses UPDATE and DELETE in PostgreSQL itself (a trigger), so no interface,
admin or API or shell, can rewrite history.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models

READ_METHODS = {"GET", "HEAD", "OPTIONS"}


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # DO_NOTHING: deleting a user must not rewrite the log (the trigger would refuse it).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=8)  # read | change | refused
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    status_code = models.PositiveSmallIntegerField()
    ip = models.GenericIPAddressField(null=True)
    patient_ids = ArrayField(models.BigIntegerField(), default=list)
    reason = models.CharField(max_length=200, blank=True, help_text="Why it was refused.")

    class Meta:
        app_label = "tumorboard"
        ordering = ["-at", "-id"]
        indexes = [GinIndex(fields=["patient_ids"], name="audit_patients")]

    def __str__(self) -> str:
        return (
            f"{self.username or 'anonymous'} {self.action} {self.path} at {self.at:%Y-%m-%d %H:%M}"
        )


def touch(request, *patient_ids) -> None:
    """Mark patients whose data this request reads or changes."""
    request = getattr(request, "_request", request)  # DRF wraps Django's request
    marked = request.__dict__.setdefault("_audit_patients", set())
    marked.update(int(p) for p in patient_ids if p is not None)


class AuditedSerializer:
    """Mixin: serializing an object marks its patient on the request in the context."""

    def to_representation(self, instance):
        request = self.context.get("request") if hasattr(self, "context") else None
        if request is not None:
            patient_id = getattr(instance, "patient_id", None)
            if patient_id is None and instance.__class__.__name__ == "Patient":
                patient_id = instance.pk
            touch(request, patient_id)
        return super().to_representation(instance)


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patients = request.__dict__.get("_audit_patients")
        if patients:
            user = getattr(request, "user", None)
            signed_in = user is not None and user.is_authenticated
            AuditEvent.objects.create(
                user=user if signed_in else None,
                username=user.get_username() if signed_in else "",
                action="read" if request.method in READ_METHODS else "change",
                method=request.method,
                path=request.path[:300],
                status_code=response.status_code,
                ip=request.META.get("REMOTE_ADDR"),
                patient_ids=sorted(patients),
            )
        return response
