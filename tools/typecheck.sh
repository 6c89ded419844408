#!/usr/bin/env bash
# `npm run typecheck`: both TypeScript projects, strict, nothing emitted; both are checked, and
# either failing fails the whole. tsc's incremental mode keeps what it learned (a file a project,
# by paths relative to that file) in node_modules/.cache/tsc, and a copy in the user's cache, so
# that a fresh clone on this machine starts from the last check made here: tsc then checks again
# only the files whose content differs and those that depend on them (it compares every file's
# hash and the options, so a copy from another commit is never trusted beyond what still holds).
set -uo pipefail
cd "$(dirname "$0")/.."
cache="${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/shop-evolution/tsc"
here=node_modules/.cache/tsc
check() { # <project> <name>: incremental where the caches can be written, a whole check otherwise
    local info="$here/$2.tsbuildinfo" status=0
    if ! mkdir -p "$here" "$cache" 2>/dev/null || ! [ -w "$here" ] || ! [ -w "$cache" ]; then
        node_modules/.bin/tsc --noEmit -p "$1"
        return
    fi
    [ -f "$info" ] || cp "$cache/$2.tsbuildinfo" "$info" 2>/dev/null || true
    node_modules/.bin/tsc --noEmit --incremental --tsBuildInfoFile "$info" -p "$1" || status=$?
    # Renamed into place: another checkout's check reads the old copy or this one, never half of one.
    cp "$info" "$cache/$2.tsbuildinfo.$$" 2>/dev/null && mv "$cache/$2.tsbuildinfo.$$" "$cache/$2.tsbuildinfo"
    return "$status"
}
check tsconfig.json infra
infra=$?
check app/tsconfig.json app
app=$?
[ "$infra" -eq 0 ] && [ "$app" -eq 0 ]
