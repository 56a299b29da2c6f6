"""A form is handled once: each rendered form carries a one-time token; the first
submission records it in the same transaction as its work, a second one (a double click,
a reload, a back-and-resubmit) waits for the first and is sent where the first went."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.utils import timezone

from web.models import FormSubmission

FIELD = "form_token"
KEEP = timedelta(days=1)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def handle_once(request, work: Callable[[], str]) -> HttpResponseRedirect:
    """Run `work` (which returns the URL to go to next) once per form token, all or
    nothing with its own writes. Errors raised by `work` (DomainError) propagate and
    leave no trace, so the corrected form can be sent again. A post without a token
    (an old page) is simply handled."""
    token = request.POST.get(FIELD, "")[:64]
    if not token:
        return HttpResponseRedirect(work())
    with transaction.atomic():
        try:
            with transaction.atomic():
                FormSubmission.objects.create(token=token)
        except IntegrityError:
            done = FormSubmission.objects.get(token=token)
            return HttpResponseRedirect(done.url or request.path)
        url = work()
        FormSubmission.objects.filter(token=token).update(url=url[:300])
        # A form resubmitted a day later is a new decision; the old tokens can go.
        FormSubmission.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    return HttpResponseRedirect(url)
