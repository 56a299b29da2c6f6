from django.apps import AppConfig
from django.db.models.signals import post_save


class BoardConfig(AppConfig):
    name = "board"

    def ready(self) -> None:
        from board.signals import end_plans_of_inactive_patient
        from patients.models import Patient

        post_save.connect(
            end_plans_of_inactive_patient, sender=Patient, dispatch_uid="board_end_plans"
        )
