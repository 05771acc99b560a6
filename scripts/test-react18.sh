#!/usr/bin/env bash
# Runs the React test suite on React 18 (the root installs React 19). React 18 lives in
# test/react18/node_modules so the root's peer resolution is untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f test/react18/package-lock.json ]; then
  npm ci --prefix test/react18 --no-audit --no-fund
else
  npm install --prefix test/react18 --no-audit --no-fund
fi
npx vitest run --config vitest.react18.config.ts "$@"
