import os

from celery import Celery

from factcheck import embedded

# Every entry point loads this module first (a worker through `-A factcheck`, manage.py, the
# WSGI and ASGI applications, the test run): the embedded default is prepared before Django's
# settings are read, and the app every process sends tasks with is configured.
embedded.prepare_environment()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
if os.environ.get("SENTRY_DSN"):
    from core.observability import init_sentry

    init_sentry(
        os.environ["SENTRY_DSN"],
        environment=os.environ.get("SENTRY_ENVIRONMENT", ""),
        release=os.environ.get("SENTRY_RELEASE", ""),
    )

app = Celery("factcheck")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
