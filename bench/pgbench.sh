#!/usr/bin/env bash
# pgbench -S direct to Postgres and through `hoop connect`, at 1 and 8 clients, simple and prepared protocol.
# Uses DATABASE_URL (default: the local Postgres on 127.0.0.1:5432). Prints tps, mean latency and hoop/direct.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/bootstrap.mjs
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
exec node --import tsx bench/pgbench.ts "$@"
