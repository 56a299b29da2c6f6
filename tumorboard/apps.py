from django.apps import AppConfig


class TumorboardConfig(AppConfig):
    name = "tumorboard"
    verbose_name = "Tumor board"

    def ready(self) -> None:
        from tumorboard import checks  # noqa: F401 - registers the system checks
