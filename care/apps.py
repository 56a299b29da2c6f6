from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "care"
    verbose_name = "care clocks"

    def ready(self) -> None:
        from care import checks, signals  # noqa: F401 - checks registers the system check
        from care.alerts import sweep_clocks
        from care.distress import sweep_distress
        from notifications import alerts

        alerts.sweep_source(sweep_clocks)  # a clock's alerts end when it stops or goes
        alerts.sweep_source(sweep_distress)  # psychosocial alerts end when a visit is booked
        signals.connect()
