#!/usr/bin/env bash
# The API benchmark in one command (see bench/README.md):
#
#   bench/run.sh                     # seed if needed, gunicorn, wrk on 7 scenarios, report
#   bench/run.sh --only search_word  # one scenario; --help for the options
#
# Needs the embedded PostgreSQL (started if needed; DATABASE_URL for a local server with pgvector), Redis on 127.0.0.1:6379, /usr/bin/wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=bench.settings
exec .venv/bin/python -m bench.run "$@"
