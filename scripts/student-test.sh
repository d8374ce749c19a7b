#!/usr/bin/env bash
# Scores a fitted model folder (the student of `fit`, or a `fit --method micranet` one) on the test part of
# its dataset (images in the fit's split.json test list and in neither its train nor its val list) beside
# the trivial references, with the three user commands.
# Usage (after `npx tsc -p .`): scripts/student-test.sh MODEL_DIR DATA_DIR OUT_DIR [LABEL]
# Writes OUT_DIR/{refs,LABEL} (LABEL default student); prints the three `evaluate` summaries.
set -euo pipefail
model=$1 data=$2 out=$3 label=${4:-student}
node scripts/student-references.mjs "$data" "$model/split.json" "$out/refs" --part test
mapfile -t images < "$out/refs/images.txt"
node dist/cli/main.js segment "${images[@]}" --model "$model" --out "$out/$label" >/dev/null
for method in "$label" ellipse otsu; do
  pred="$out/$method"; [ "$method" = "$label" ] || pred="$out/refs/$method"
  echo "== $method"
  node dist/cli/main.js evaluate --pred "$pred" --gt "$out/refs/gt" --out "$out/evaluate-$method"
done
