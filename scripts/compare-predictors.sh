#!/usr/bin/env bash
# Trains the small model with the absolute predictor, the output-relative predictor alone, and
# both mixed (pruned to 20%, masked), with one budget and seed, then prints each test bits/dim.
# Usage: scripts/compare-predictors.sh DATA_ROOT [STEPS] [SEED]
set -euo pipefail
data=${1:?usage: scripts/compare-predictors.sh DATA_ROOT [STEPS] [SEED]}
steps=${2:-1200}
seed=${3:-1}
relpix() { node "$(dirname "$0")/../dist/src/cli/main.js" "$@"; }
common=(--data "$data" --preset small --size 16 --steps "$steps" --seed "$seed" --no-test --samples 16)

relpix train "${common[@]}" --predictors absolute --out "runs/compare-s$seed/absolute"
relpix train "${common[@]}" --predictors output:left+top --mask --out "runs/compare-s$seed/output"
relpix train "${common[@]}" --predictors absolute,output:left+top --prune 20 --mask \
  --out "runs/compare-s$seed/mixture"
for run in absolute output mixture; do
  relpix eval "runs/compare-s$seed/$run" --data "$data" --json
done
