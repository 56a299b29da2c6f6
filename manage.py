#!/usr/bin/env python
"""Django's command-line utility, with one clear line when a service is missing."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tumorboard.settings")
    from django.core.exceptions import ImproperlyConfigured

    from tumorboard.embedded import EmbeddedServiceError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
    except (EmbeddedServiceError, ImproperlyConfigured) as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
