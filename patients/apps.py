from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"

    def ready(self) -> None:
        from notifications import alerts
        from patients.distress import sweep_distress

        alerts.sweep_source(sweep_distress)  # psychosocial alerts end when a visit is booked
