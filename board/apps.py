from django.apps import AppConfig
from django.db.models.signals import post_save


class BoardConfig(AppConfig):
    name = "board"

    def ready(self) -> None:
        from board.alerts import sweep_board, sweep_imaging
        from board.invites import feed_events
        from board.signals import end_plans_of_inactive_patient
        from notifications import alerts, invites
        from patients.models import Patient

        invites.feed_source(feed_events)  # the meetings a member sits on, in their feed
        alerts.sweep_source(sweep_board)  # readiness alerts end when the case is ready
        alerts.sweep_source(sweep_imaging)  # imaging alerts end when the scan is done
        post_save.connect(
            end_plans_of_inactive_patient, sender=Patient, dispatch_uid="board_end_plans"
        )
