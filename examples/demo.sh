#!/usr/bin/env bash
# The main job on the bundled research repo, step by step: audit it, keep its registry, run its GPU
# session plan as a smoke run (twice: the second run skips what is done), verify what it made, and ask
# the CI gate. Every step but the sync is expected to report problems: the repo is seeded with them.
#
# It works on a copy (a fresh git repository under $TMPDIR, or DIR when given), so examples/ stays as
# committed: the copy is where stamps, reports and the registry land. Look around in it afterwards.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/../bin/provenant.js"
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/provenant-demo-XXXXXX")}"
mkdir -p "$work"
cp -R "$here/stage1-lab/." "$work/"
cd "$work"
if [ ! -d .git ]; then
  git init -q
  git add -A
  git -c user.name=demo -c user.email=demo@example.invalid commit -qm "stage1-lab as committed"
fi
provenant() { node "$bin" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "a copy of examples/stage1-lab in $work"
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
step "provenant lineage checkpoints/sft"
provenant lineage checkpoints/sft
step "provenant gate"
provenant gate
printf '\nEverything above happened in %s\n' "$work"
exit 0
