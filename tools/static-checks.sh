#!/usr/bin/env bash
# The type check and the lint side by side, one a core: both run to their end (every problem is
# reported), and either failing fails the whole.
set -u
cd "$(dirname "$0")/.."
npm run --silent typecheck &
typecheck=$!
# ESLint's type-aware rules allocate much that dies young: with a larger young generation (semi-spaces of up to
# 128 MiB) V8 collects it less often, for about a tenth less of ESLint's CPU (31 s instead of 35 s here, alone).
NODE_OPTIONS="${NODE_OPTIONS:-} --max-semi-space-size=128" npm run --silent lint &
lint=$!
wait "$typecheck"
typecheck_status=$?
wait "$lint"
lint_status=$?
[ "$typecheck_status" -eq 0 ] && [ "$lint_status" -eq 0 ]
