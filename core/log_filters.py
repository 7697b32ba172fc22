"""Filters for the log configuration in factcheck/settings.py."""

import logging


class RefusalWithoutTraceback(logging.Filter):
    """A 403 is the permission system doing its job: Django logs it with the PermissionDenied's
    traceback, which reads like a crash in the log. Keep the one-line warning, drop the
    traceback; anything else passes untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
