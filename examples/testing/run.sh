#!/usr/bin/env bash
# Packs the library as it would be published, installs the tarball here (the only dependency
# installed: the rest resolves from the repository root's node_modules), typechecks the examples
# against the published types, and runs them in jsdom and in Chromium. Needs `npm run build`
# and `npm ci` at the root first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"
rm -rf node_modules/sse-hooks sse-hooks.tgz
tarball="$(cd "$root" && npm pack --silent --pack-destination "$here" | tail -n 1)"
mv "$here/$tarball" sse-hooks.tgz
npm install --no-package-lock --no-audit --no-fund --offline
"$root/node_modules/.bin/tsc" -p tsconfig.json
"$root/node_modules/.bin/vitest" run "$@"
