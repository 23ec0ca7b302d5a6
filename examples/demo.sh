#!/usr/bin/env bash
# The main job on the bundled research repo, step by step: audit it, keep its registry, run its GPU
# session plan as a smoke run (twice: the second run skips what is done), verify what it made, and ask
# the CI gate. Every step but the sync is expected to report problems: the repo is seeded with them.
set -u
cd "$(dirname "$0")/stage1-lab"
provenant() { node ../../bin/provenant.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "provenant audit"
provenant audit
step "provenant registry sync"
provenant registry sync || exit $?
step "provenant pipeline run --smoke"
provenant pipeline run --smoke
step "provenant pipeline run --smoke   (again: finished stages are up to date)"
provenant pipeline run --smoke
step "provenant verify data/sft/train.jsonl artifacts/pairs_v1.jsonl"
provenant verify data/sft/train.jsonl artifacts/pairs_v1.jsonl
step "provenant gate"
provenant gate
exit 0
