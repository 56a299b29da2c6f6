from django.apps import AppConfig


class NavigationConfig(AppConfig):
    name = "navigation"

    def ready(self) -> None:
        from navigation.services.time_off import sweep_time_off
        from notifications import alerts

        alerts.sweep_source(sweep_time_off)  # time off alerts end when the visit moves
