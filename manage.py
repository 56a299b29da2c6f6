#!/usr/bin/env python
"""Django's command-line utility, with one clear line when a service is missing."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tumorboard.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.db import OperationalError

    from tumorboard.embedded import EmbeddedServiceError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
    except (EmbeddedServiceError, ImproperlyConfigured) as exc:
        sys.exit(f"error: {exc}")
    except OperationalError as exc:
        reason = str(exc).strip().splitlines()[0]
        sys.exit(
            f"error: PostgreSQL is not reachable ({reason}). Start it, or unset "
            "DATABASE_URL to use the embedded one."
        )


if __name__ == "__main__":
    main()
