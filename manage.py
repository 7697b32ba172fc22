#!/usr/bin/env python
import sys


def main() -> None:
    # Prepares the embedded default and sets DJANGO_SETTINGS_MODULE.
    from django.core.management import execute_from_command_line

    import factcheck.celery  # noqa: F401

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
