from django.conf import settings
from django.http import HttpRequest


def publisher(request: HttpRequest) -> dict[str, str]:
    return {"publisher_name": settings.FACTCHECK_PUBLISHER_NAME}
