#!/usr/bin/env bash
# The type check and the lint side by side, one a core: both run to their end (every problem is
# reported), and either failing fails the whole.
set -u
cd "$(dirname "$0")/.."
npm run --silent typecheck &
typecheck=$!
npm run --silent lint &
lint=$!
wait "$typecheck"
typecheck_status=$?
wait "$lint"
lint_status=$?
[ "$typecheck_status" -eq 0 ] && [ "$lint_status" -eq 0 ]
