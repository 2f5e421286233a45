#!/usr/bin/env bash
# sysbench oltp_read_only and a 1,000,000-row masked SELECT, direct to MySQL/MariaDB and through `hoop connect`.
# The stack's control plane is the Postgres in DATABASE_URL (default: the local one on 127.0.0.1:5432); the MariaDB is
# 127.0.0.1:${HOOP_TEST_MYSQL_PORT:-3306}, root without a password. Prints the figures side by side with the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/bootstrap.mjs
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
exec node --import tsx bench/mysqlbench.ts "$@"
