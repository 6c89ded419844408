#!/usr/bin/env bash
# `npm test`: the type check and the lint (tools/static-checks.sh) beside every Jest test, not
# before them, at a lower priority: they take the CPU the suites leave while they wait on servers
# and sockets (with Jest's third worker on two cores) instead of holding the tests back a minute.
# Their output follows Jest's, and a failing check fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/ensure-system-packages.sh || exit 1
bash tools/ensure-test-servers.sh >/dev/null || exit 1

checks_log=$(mktemp)
trap 'rm -f "$checks_log"' EXIT
nice -n 10 bash tools/static-checks.sh >"$checks_log" 2>&1 &
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
