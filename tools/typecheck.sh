#!/usr/bin/env bash
# `npm run typecheck`: both TypeScript projects, strict, nothing emitted. tsc's incremental mode
# keeps what it learned in the user's cache, one folder a checkout: a later run checks again only
# the files that changed and those that depend on them (a third of the CPU time when little did).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${XDG_CACHE_HOME:-$HOME/.cache}/shop-evolution/tsc/$(pwd | sha256sum | cut -c1-16)"
mkdir -p "$cache"
node_modules/.bin/tsc --noEmit --incremental --tsBuildInfoFile "$cache/infra.tsbuildinfo" -p tsconfig.json
node_modules/.bin/tsc --noEmit --incremental --tsBuildInfoFile "$cache/app.tsbuildinfo" -p app/tsconfig.json
