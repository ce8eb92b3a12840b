#!/usr/bin/env bash
# Measures the Go engine against the PyTorch peer on the same model and the
# same work, back to back, and prints both sets of figures.
#
#   scripts/bench.sh [MODEL_DIR]
#
# MODEL_DIR defaults to a random model of the shipped models' size (d_model
# 256, 4 heads, 3+3 layers, ffn 1024, vocabulary 8000) written by
# scripts/reference/make_tiny.py --bench. Needs Debian's python3-torch and
# python3-numpy; not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-}
if [ -z "$model" ]; then
  model=$(mktemp -d)/bench-model
  /usr/bin/python3 scripts/reference/make_tiny.py --bench "$model" >/dev/null
fi
rounds=${ROUNDS:-5}
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== model: $model"
for threads in 1 2; do
  echo
  echo "== Go engine, $threads thread(s): go test ./nmt/model -bench 'Encoder|DecoderStep|Greedy' -benchtime 10x -count $rounds"
  TRANSLATED_BENCH_MODEL="$model" TRANSLATED_BENCH_THREADS=$threads GOMAXPROCS=$threads \
    go test ./nmt/model -run '^$' -bench 'Encoder|DecoderStep|Greedy' -benchtime 10x -count "$rounds" | grep -E '^Benchmark'
  echo
  echo "== PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), $threads thread(s): scripts/reference/bench.py --threads $threads --rounds $rounds"
  /usr/bin/python3 scripts/reference/bench.py "$model" --threads "$threads" --rounds "$rounds"
done
