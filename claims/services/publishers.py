from django.conf import settings
from django.db import transaction

from claims.models import Publisher


@transaction.atomic
def publisher_get_or_create_self() -> Publisher:
    """This newsroom as a Publisher, created from FACTCHECK_PUBLISHER_NAME/SITE on first use."""
    publisher = Publisher.objects.filter(is_self=True).first()
    if publisher is None:
        site = settings.FACTCHECK_PUBLISHER_SITE
        publisher, _ = Publisher.objects.get_or_create(
            is_self=True,
            defaults={
                "name": settings.FACTCHECK_PUBLISHER_NAME,
                "site": site,
                "url": f"https://{site}/",
            },
        )
    return publisher
