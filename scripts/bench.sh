#!/usr/bin/env bash
# Measures translate-cli bench against its peers (CTranslate2, the PyTorch
# reference) on the same checkpoint and the same work, each run in a fresh
# process, the systems interleaved in rotating order, and prints the medians
# and the ratios of runs made in the same repetition.
#
#   scripts/bench.sh [MODEL_DIR]
#
# MODEL_DIR defaults to a random model of the OPUS-MT size (d_model 512, 6+6
# layers, 8 heads, ffn 2048, vocabulary 58,101, HF Marian layout) written by
# translate-cli bench --save. Environment:
#   REPS     repetitions (fresh process per system, point and repetition; 3)
#   POINTS   batch:beam points ("1:1 1:4 8:1 8:4")
#   SYSTEMS  among go go-int8 go-sl go-int8-sl ct2-int8 ct2-float32 pytorch
#            (default: all but the -sl ones that are available); go-int8 is
#            translate-cli bench --dtype int8, -sl adds --shortlist-size
#            $SHORTLIST_SIZE (1000): an output layer of that many tokens
#   GO_FLAGS extra flags for translate-cli bench (e.g. "--shortlist DIR")
#   WORK     the work's flags ("--sentences 8 --src-len 24 --tgt-len 32 --rounds 3")
#   THREADS  threads of every system (2)
#   OUT      file of the JSON lines (a temporary file)
#   OMP_WAIT_POLICY  of the peers' OpenMP threads (PASSIVE: on a machine
#            shared with other work, spinning OpenMP threads slow CTranslate2
#            and PyTorch down many times over)
# CTranslate2 runs when /usr/bin/python3 can import ctranslate2 (set PYTHONPATH and
# LD_LIBRARY_PATH to a build of it; docs/performance.md says how); the
# PyTorch peer needs Debian's python3-torch and python3-numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${REPS:-3}
points=${POINTS:-"1:1 1:4 8:1 8:4"}
threads=${THREADS:-2}
work=${WORK:-"--sentences 8 --src-len 24 --tgt-len 32 --rounds 3"}
omp=${OMP_WAIT_POLICY:-PASSIVE}
slsize=${SHORTLIST_SIZE:-1000}
tmp=$(mktemp -d)
out=${OUT:-$tmp/results.jsonl}
go build -o "$tmp/translate-cli" ./cmd/translate-cli
model=${1:-}
if [ -z "$model" ]; then
  model=$tmp/opus-random
  "$tmp/translate-cli" bench --save "$model" --rounds 1 --sentences 1 --tgt-len 2 >/dev/null
fi

systems=${SYSTEMS:-}
if [ -z "$systems" ]; then
  systems="go go-int8"
  if /usr/bin/python3 -c 'import ctranslate2' 2>/dev/null; then systems="$systems ct2-int8 ct2-float32"; fi
  if /usr/bin/python3 -c 'import torch' 2>/dev/null; then systems="$systems pytorch"; fi
fi
if [[ " $systems " == *" ct2-"* ]]; then
  ct2dir=$tmp/ct2
  /usr/bin/python3 scripts/reference/bench_ct2.py --convert "$model" "$ct2dir"
fi

run() { # system batch beam repetition
  local flags goflags
  read -r -a flags <<<"$work --batch $2 --beam $3"
  read -r -a goflags <<<"${GO_FLAGS:-}"
  case $1 in
    go) GOMAXPROCS=$threads "$tmp/translate-cli" bench --json --threads "$threads" "${flags[@]}" "${goflags[@]}" "$model" ;;
    go-int8) GOMAXPROCS=$threads "$tmp/translate-cli" bench --json --threads "$threads" --dtype int8 "${flags[@]}" "${goflags[@]}" "$model" ;;
    go-sl) GOMAXPROCS=$threads "$tmp/translate-cli" bench --json --threads "$threads" --shortlist-size "$slsize" "${flags[@]}" "${goflags[@]}" "$model" ;;
    go-int8-sl) GOMAXPROCS=$threads "$tmp/translate-cli" bench --json --threads "$threads" --dtype int8 --shortlist-size "$slsize" "${flags[@]}" "${goflags[@]}" "$model" ;;
    ct2-*) OMP_WAIT_POLICY=$omp /usr/bin/python3 scripts/reference/bench_ct2.py "$ct2dir" --compute-type "${1#ct2-}" --threads "$threads" "${flags[@]}" ;;
    pytorch) OMP_WAIT_POLICY=$omp OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/reference/bench_decode.py "$model" --threads "$threads" "${flags[@]}" ;;
  esac | python3 scripts/reference/bench_summary.py --record "$out" --system "$1" --rep "$4"
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== model: $model; systems: $systems; points (batch:beam): $points; $reps repetitions; work: $work; $threads threads; peers' OMP_WAIT_POLICY=$omp"
read -r -a sys_list <<<"$systems"
n=${#sys_list[@]}
for rep in $(seq 1 "$reps"); do
  for point in $points; do
    for i in $(seq 0 $((n - 1))); do
      s=${sys_list[$(((i + rep + ${point%%:*}) % n))]}
      run "$s" "${point%%:*}" "${point##*:}" "$rep"
    done
  done
done
echo "== load at the end: $(cut -d' ' -f1-3 /proc/loadavg); results in $out"
python3 scripts/reference/bench_summary.py "$out"
