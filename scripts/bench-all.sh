#!/usr/bin/env bash
# Every benchmark behind the speed figures in README.md and docs/results.md, one JSON file each under runs/bench/.
# Usage: bash scripts/bench-all.sh [WEIGHTS] [DATA_ROOT]   (after `npm ci`; heads from docs/results.md's train commands)
set -euo pipefail
cd "$(dirname "$0")/.."
weights=${1:-../shared/weights/vit-s16-ssl/vit-s16-ssl.safetensors}
data=${2:-../shared/data}
out=runs/bench
mkdir -p "$out"
cli="node dist/cli/main.js"
images="$data/kvasir-seg/images/cju0qx73cjw570799j4n5cjze.jpg,$data/kvasir-seg/images/cju1c4fcu40hl07992b8gj0c8.jpg"
$cli bench engine --json --weights "$weights" --runs 5 > "$out/engine.json"
$cli bench postprocess --json --runs 5 > "$out/postprocess.json"
$cli bench explain --json --weights "$weights" --head runs/heads/kvasir-seg/head.json --images "$images" --runs 3 > "$out/explain.json"
$cli bench pipeline --json --weights "$weights" --head runs/heads/kvasir-seg/head.json --images "${images%%,*}" --runs 1 > "$out/pipeline.json"
$cli bench train --json --weights "$weights" --data "$data/kvasir-seg" --patches 2000 > "$out/train.json"
echo "wrote $out/{engine,postprocess,explain,pipeline,train}.json"
