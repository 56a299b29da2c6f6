"""The writes that start or stop a clock refresh the referral's clocks in their own
transaction: a consult booked or moved, a case put on (or off) the board, a recommendation
signed, a surveillance plan changed. Treatments refresh in `care.services` directly."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.utils import timezone


def _refresh(referral_id: int | None) -> None:
    if referral_id is None:
        return
    from care.services import clocks_refresh
    from patients.models import Referral

    referral = Referral.objects.select_related("patient").filter(pk=referral_id).first()
    if referral is not None:
        clocks_refresh(referral=referral, now=timezone.now())


def on_referral(sender, instance, update_fields=None, **kwargs) -> None:
    # Only a consult moving changes a clock, and every clock after the consult hangs on a
    # board case (its stored clocks went when the case was withdrawn): one query at most.
    if update_fields is not None and "consult_at" not in update_fields:
        return
    if instance.board_cases.exists():
        _refresh(instance.pk)


def on_case(sender, instance, **kwargs) -> None:
    _refresh(instance.referral_id)


def on_recommendation(sender, instance, **kwargs) -> None:
    if instance.status == "signed":
        _refresh(instance.case.referral_id)


def on_plan(sender, instance, **kwargs) -> None:
    if instance.case_id is not None:
        _refresh(instance.case.referral_id)


def connect() -> None:
    from board.models import Case, Recommendation, SurveillancePlan
    from patients.models import Referral

    post_save.connect(on_referral, sender=Referral, dispatch_uid="care_referral")
    post_save.connect(on_case, sender=Case, dispatch_uid="care_case")
    post_save.connect(on_recommendation, sender=Recommendation, dispatch_uid="care_rec")
    post_save.connect(on_plan, sender=SurveillancePlan, dispatch_uid="care_plan")
