#!/usr/bin/env bash
# The claim matching benchmark in one command (see bench/matching/README.md):
#
#   bench/matching/run.sh                       # seed 200,000 claims if needed, measure, report
#   bench/matching/run.sh --only check_text     # one scenario; --help for the options
#
# Needs the embedded PostgreSQL (started if needed; DATABASE_URL for a local server with pgvector) and Redis on 127.0.0.1:6379.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DJANGO_SETTINGS_MODULE=bench.matching.settings
exec .venv/bin/python -m bench.matching.run "$@"
