"""gunicorn's logs without API keys in them: keys never reach a log file.

A key may arrive as a query parameter (clients written for Google's Fact Check Tools API send
`?key=...`), and Django decodes parameter names, so `?%6Bey=...` authenticates too. Every
parameter whose name decodes to `key`, in any case, has its value replaced: in the access log's
request line, query string and Referer (any atom, in fact), and in every message of the error
log, where gunicorn writes the request line of a request it aborts (a worker timeout) and the
traceback that goes with it.
"""

import logging

from gunicorn.glogging import Logger

from core.redaction import REDACTED, SECRET_HEADERS, redact


class RedactingFilter(logging.Filter):
    """Redacts a record's whole message, arguments merged in, and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit: logging reports that itself
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class RedactingLogger(Logger):
    """gunicorn's logger, both logs redacted (see the module's docstring)."""

    def __init__(self, cfg) -> None:
        super().__init__(cfg)
        self.error_log.addFilter(RedactingFilter())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if name.startswith("{") and name[1:-2] in SECRET_HEADERS:
                atoms[name] = REDACTED
            elif isinstance(value, str):
                atoms[name] = redact(value)
        return atoms
