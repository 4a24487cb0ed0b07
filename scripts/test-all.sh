#!/usr/bin/env bash
# `npm test`: build, lint, typecheck and unit tests of every package, the guarantee sweep, then the
# browser tests in Debian's Chromium (installed here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

# `npx eolab` and the browser tests' server run compiled code. `npm install` builds all but the
# dashboard already; this catches an install with --ignore-scripts, and turbo's cache makes it free
# when nothing changed.
echo "== build (turbo, cached)"
npx turbo run build --output-logs=errors-only

echo "== lint (biome)"
npx biome check .

echo "== import circles (madge)"
npm run --silent check:circles

echo "== typecheck and unit tests (turbo; the cluster tests need Debian's redis-server, installed here when missing)"
bash scripts/ensure-redis.sh
npx turbo run typecheck test --output-logs=new-only --log-order=grouped

echo "== guarantee sweep: 2000 random fault schedules in every mode"
npx eolab sweep --schedules 2000 --seed 1 2>/dev/null | tail -n 3
echo "== the same on Kafka: 1000 random fault schedules in every mode"
npx eolab sweep --system kafka --schedules 1000 --seed 1 2>/dev/null | tail -n 1

echo "== the model against PostgreSQL: 6 random schedules (exits 1 on a difference timing does not explain)"
npx eolab verify --schedules 6 --seed 1 2>/dev/null | tail -n 1
echo "== the same on Kafka (its transaction rules built on PostgreSQL): 6 random Kafka schedules"
npx eolab verify --schedules 6 --seed 1 --system kafka 2>/dev/null | tail -n 1

echo "== browser tests (playwright + Debian chromium)"
bash scripts/ensure-chromium.sh
npx playwright test
