#!/usr/bin/env bash
# `npm run typecheck`: both TypeScript projects, strict, nothing emitted. tsc's incremental mode
# keeps what it learned in the user's cache, one folder a checkout: a later run checks again only
# the files that changed and those that depend on them (a third of the CPU time when little did).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/shop-evolution/tsc/$(pwd | sha256sum | cut -c1-16)"
check() { # <project> <name>: incremental where the cache can be written, a whole check otherwise
    if mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ]; then
        node_modules/.bin/tsc --noEmit --incremental --tsBuildInfoFile "$cache/$2.tsbuildinfo" -p "$1"
    else
        node_modules/.bin/tsc --noEmit -p "$1"
    fi
}
check tsconfig.json infra
check app/tsconfig.json app
