#!/bin/sh
# Makes a fresh machine (Node and npm only) ready: the pinned Bun from the npm registry, then the workspaces.
# Idempotent and quick when everything is already in place.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
toolchain="$root/tools/bun"
bun="$toolchain/node_modules/.bin/bun"
want=$(node -p "require('$toolchain/package.json').devDependencies.bun")

if [ "$("$bun" --version 2>/dev/null || true)" != "$want" ]; then
  echo "bootstrap: installing bun@$want from the npm registry" >&2
  (cd "$toolchain" && npm ci --no-audit --no-fund --loglevel=error)
  # npm may skip bun's postinstall (allowScripts); its install.js is what puts the real binary in place.
  if [ "$("$bun" --version 2>/dev/null || true)" != "$want" ]; then
    (cd "$toolchain/node_modules/bun" && node install.js)
  fi
  [ "$("$bun" --version)" = "$want" ] || { echo "bootstrap: bun $want did not install" >&2; exit 1; }
fi

cd "$root"
if [ "${CI:-}" = "true" ]; then
  "$bun" install --frozen-lockfile
else
  "$bun" install
fi
