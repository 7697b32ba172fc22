# Prepares the embedded default and sets DJANGO_SETTINGS_MODULE.
import factcheck.celery  # noqa: F401, I001
from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
