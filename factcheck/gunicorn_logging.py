import re

from gunicorn.glogging import Logger

# API keys may arrive as ?key=... (clients written for Google's Fact Check Tools API do that).
_KEY_IN_QUERY = re.compile(r"(?i)(^|[?&])(key=)[^&\s\"]*")


def redact(text: str) -> str:
    return _KEY_IN_QUERY.sub(r"\1\2[redacted]", text)


class RedactingLogger(Logger):
    """Gunicorn's access log without API keys in it: keys never reach a log file."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("r", "q"):
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        return atoms
