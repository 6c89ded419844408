#!/usr/bin/env bash
# `npm test`: the type check and the lint (tools/static-checks.ts) beside every Jest test, not
# before them, at a lower priority: they take the CPU the suites leave while they wait on servers
# and sockets (with Jest's third worker on two cores) instead of holding the tests back a minute.
# Their output follows Jest's, and a failing check fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/ensure-system-packages.sh || exit 1
# Where those servers are, for every suite and process of the run (tools/servers/test-servers.ts).
SHOP_TEST_SERVERS=$(bash tools/ensure-test-servers.sh) || exit 1
export SHOP_TEST_SERVERS

checks_log=$(mktemp)
trap 'rm -f "$checks_log"' EXIT
# ESLint's type-aware rules allocate much that dies young: with a larger young generation (semi-spaces of up to
# 128 MiB) V8 collects it less often, for about a tenth less of their CPU.
NODE_OPTIONS=--max-semi-space-size=128 nice -n 10 node_modules/.bin/tsx tools/static-checks.ts >"$checks_log" 2>&1 &
checks=$!
# Interrupted: stop the checks too, and report the interruption, not their half output.
trap 'kill "$checks" 2>/dev/null; exit 130' INT TERM

NODE_OPTIONS='--experimental-vm-modules --disable-warning=ExperimentalWarning' node_modules/.bin/jest "$@"
jest_status=$?

wait "$checks"
checks_status=$?
cat "$checks_log"
if [ "$checks_status" -ne 0 ]; then
    echo "the type check or the lint failed (above)"
    exit 1
fi
exit "$jest_status"
