"""What the board does when something it depends on changes elsewhere, in the same
transaction as that change."""

from __future__ import annotations

from django.utils import timezone

from patients.models import Patient


def end_plans_of_inactive_patient(sender, instance: Patient, update_fields=None, **kwargs):
    """A patient discharged or deceased: their active surveillance plans end (and booked
    future scans are cancelled) with the save that changed the status, not at the next
    hourly run. Connected to Patient's post_save (patients services, API and admin)."""
    if instance.status == Patient.Status.ACTIVE:
        return
    if update_fields is not None and "status" not in update_fields:
        return
    from board.models import SurveillancePlan
    from board.services.surveillance import plan_end

    plans = SurveillancePlan.objects.filter(patient=instance, status=SurveillancePlan.Status.ACTIVE)
    for plan in plans:
        plan_end(plan=plan, reason=f"patient {instance.status}", by=None, now=timezone.now())
