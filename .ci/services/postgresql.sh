#!/usr/bin/env bash
# Starts Debian's PostgreSQL cluster on loopback and creates a role and database for the tests.
set -euo pipefail
ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
pg_lsclusters -h | grep -q . || pg_createcluster "$ver" main
pg_ctlcluster "$ver" main start 2>/dev/null || true
for i in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
runuser -u postgres -- psql -qtAc "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='provenant') THEN CREATE ROLE provenant LOGIN PASSWORD 'provenant' CREATEDB; END IF; END\$\$;"
runuser -u postgres -- psql -qtAc "SELECT 1 FROM pg_database WHERE datname='provenant_test'" | grep -q 1 || runuser -u postgres -- createdb -O provenant provenant_test
echo "postgresql up: postgresql://provenant:provenant@127.0.0.1:5432/provenant_test"
