"""Media files, served with the API's visibility.

A file's URL holds its sha256: served to anyone, it would tell whoever holds a picture whether
we hold it too, drafts included. So every request for a file under MEDIA_URL comes here: the
file of a media item the viewer may read (claims.selectors.reference.media_file_list, the
session's user or an API key's owner) is served, anything else is 404, whatever is on disk.

In production the bytes are sent by the web server in front, told by a header which file
(MEDIA_X_ACCEL_REDIRECT for nginx, MEDIA_X_SENDFILE for Apache or lighttpd); without either,
Django streams the file itself.
"""

import math
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F
from django.db.models.functions import Abs
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from claims.selectors.reference import media_file_list
from core.api.authentication import ApiKeyAuthentication
from core.roles import is_newsroom
from media.models import MediaFrame, MediaItem


def _viewer(request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
    if request.user.is_authenticated:
        return request.user
    try:
        authenticated = ApiKeyAuthentication().authenticate(Request(request))
    except AuthenticationFailed:
        return AnonymousUser()
    return authenticated[0] if authenticated else AnonymousUser()


@require_safe
def media_file(request: HttpRequest, path: str) -> HttpResponse:
    viewer = _viewer(request)
    item = media_file_list(viewer=viewer).filter(file=path).exclude(file="").first()
    if item is None:
        raise Http404("No such media file.")
    response = _send(item)
    # What outsiders may see can be cached anywhere; the newsroom's view of the rest only by
    # its own browser.
    response["Cache-Control"] = (
        "private, max-age=300" if is_newsroom(viewer) else "public, max-age=3600"
    )
    response["Vary"] = "Cookie, Authorization, X-API-Key"
    return response


@require_safe
def frame_thumbnail(request: HttpRequest, media_item_id: int, offset: str) -> HttpResponse:
    """The thumbnail of an item's frame nearest to `offset` seconds (0: an image's only frame,
    a video's first), with the visibility of the item's file."""
    try:
        seconds = float(offset)
    except ValueError:
        raise Http404("No such frame.") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise Http404("No such frame.")
    viewer = _viewer(request)
    if not media_file_list(viewer=viewer).filter(pk=media_item_id).exists():
        raise Http404("No such frame.")
    thumbnail = (
        MediaFrame.objects.filter(media_item_id=media_item_id)
        .order_by(Abs(F("offset_seconds") - seconds), "offset_seconds")
        .values_list("thumbnail", flat=True)
        .first()
    )
    if not thumbnail:
        raise Http404("No thumbnail for this frame.")
    response = HttpResponse(bytes(thumbnail), content_type="image/jpeg")
    response["Cache-Control"] = (
        "private, max-age=300" if is_newsroom(viewer) else "public, max-age=3600"
    )
    response["Vary"] = "Cookie, Authorization, X-API-Key"
    return response


def _send(item: MediaItem) -> HttpResponse:
    content_type = item.mime_type or "application/octet-stream"
    if settings.MEDIA_X_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.MEDIA_X_ACCEL_REDIRECT + quote(item.file.name)
        return response
    if settings.MEDIA_X_SENDFILE:
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = item.file.path
        return response
    try:
        stream = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("No such media file.") from None
    return FileResponse(stream, content_type=content_type)
