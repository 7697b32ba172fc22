"""Who is calling, as far as it can be known: the address per-client limits are counted by."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The caller's IP address.

    `X-Forwarded-For` is whatever the client wants it to be, unless a proxy of ours wrote it:
    with NUM_PROXIES proxies in front, the address the outermost of them saw is that many
    entries from the right (each proxy appends the address it was reached from); entries
    further left were made up by the client. Without proxies (the default) the header is not
    read at all and the address is the connection's.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    if settings.NUM_PROXIES <= 0:
        return remote
    forwarded = [
        address.strip()
        for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if address.strip()
    ]
    if not forwarded:
        return remote
    return forwarded[-min(settings.NUM_PROXIES, len(forwarded))]
