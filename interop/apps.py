from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "interop"
    verbose_name = "FHIR R4"

    def ready(self) -> None:
        from interop import signals  # noqa: F401 - connects the SIU hook for status moves
