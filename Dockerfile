# Image for the web (gunicorn) and worker (celery) processes; see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FACTCHECK_DATA_DIR=/app/var \
    DJANGO_STATIC_ROOT=/app/static \
    DJANGO_MEDIA_ROOT=/app/media

WORKDIR /app

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

# Runtime dependencies first (not the dev tools), pinned by constraints.txt, so that this layer is
# rebuilt only when the pins change. pdqhash is published as source only: a C++ compiler builds
# it and is removed in the same layer.
COPY pyproject.toml constraints.txt ./
RUN apt-get update \
    && apt-get install -y --no-install-recommends g++ \
    && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/runtime.txt \
    && pip install --no-cache-dir -c constraints.txt -r /tmp/runtime.txt \
    && apt-get purge -y --auto-remove g++ \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime.txt

# Then the project itself; its dependencies are already satisfied.
COPY . .
RUN pip install --no-cache-dir -c constraints.txt . \
    && rm -rf build ./*.egg-info

# Settings only read the environment; collectstatic does not connect to the database or broker.
# DATABASE_URL keeps settings off the embedded PostgreSQL default, and CELERY_BROKER_URL keeps
# them from creating the filesystem-broker folders under FACTCHECK_DATA_DIR as root.
RUN DATABASE_URL=postgres://build@localhost/build \
    DJANGO_SECRET_KEY=build-only \
    CELERY_BROKER_URL=memory:// \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/media /app/var \
    && chown app:app /app/media /app/var

USER app

EXPOSE 8000

CMD ["gunicorn", "factcheck.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
