# Prepares the embedded default and sets DJANGO_SETTINGS_MODULE.
import factcheck.celery  # noqa: F401, I001
from django.core.asgi import get_asgi_application

application = get_asgi_application()
