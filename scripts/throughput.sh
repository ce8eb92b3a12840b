#!/usr/bin/env bash
# Throughput of translated with and without continuous batching, on
# loopback: two servers of this tree (MODELS, default checkpoints) side by
# side, one with --batch-size 1 (every request decodes alone on its
# worker) and one with --batch-size BATCH (default 32), each driven by ghz
# with 1, 8 and 32 concurrent clients (CLIENTS), one connection each, one
# short sentence per call (TEXT) with the model's default options. The
# runs alternate between the two servers, ROUNDS times (default 2), so
# that a machine busy with other work slows both alike; the table gives
# calls per second, p50 and p99 latency, the failed calls of every run,
# the server's CPU time per call answered (user + system, from
# /proc/PID/stat), which other work on the machine does not inflate, and
# the cores the server kept busy (its CPU time over the run's time).
# See docs/performance.md#server-batching-across-requests.
#
# Environment: MODELS, BATCH, CLIENTS ("1 8 32"), DURATION (each run,
# default 20s), ROUNDS, TEXT, BEAM (beam_size of the calls; default: the
# model's), SERVER_FLAGS (more flags for both servers), BATCHED_FLAGS
# (more flags for the batching server of this tree only, e.g. "--lanes 1"),
# ALONE_BIN (a translated binary to run instead of this tree's for the
# unbatched server, e.g. one built before batching existed), BASE_BIN (a
# translated binary that batches, e.g. one built from an earlier commit,
# to run with --batch-size BATCH instead of the unbatched server: the
# table's rows are then "base" and "batched", two builds of the same
# server compared; with BASE_BIN this tree's own build, BASE_FLAGS and
# BATCHED_FLAGS, two settings of one build), NEW_BIN (a build of
# this tree to run instead of building it here, so that a short quiet
# window is spent measuring), BASE_FLAGS (more flags for the BASE_BIN
# server only, e.g. "--shortlist=false").
set -euo pipefail
cd "$(dirname "$0")/.."

GHZ=v0.120.0 # pinned as in scripts/cluster-demo.sh
ghz="$PWD/.bin/ghz"
if [ ! -e "$PWD/.bin/.ghz-$GHZ" ]; then
  GOBIN="$PWD/.bin" GOFLAGS=-mod=mod go install "github.com/bojand/ghz/cmd/ghz@$GHZ" && touch "$PWD/.bin/.ghz-$GHZ"
fi
bin=$(mktemp -d)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait
  rm -rf "$bin"
}
trap cleanup EXIT
if [ -n "${NEW_BIN:-}" ]; then
  cp "$NEW_BIN" "$bin/translated"
else
  go build -o "$bin/translated" ./cmd/translated
fi
alone_bin=${ALONE_BIN:-$bin/translated}
text=${TEXT:-The old man walked to the market in the morning.}

# start NAME BINARY FLAGS...: a server on a free loopback port; sets addr_NAME.
start() {
  local name=$1 exe=$2
  shift 2
  # shellcheck disable=SC2086
  "$exe" --models "${MODELS:-checkpoints}" --addr 127.0.0.1:0 --metrics-addr 127.0.0.1:0 ${SERVER_FLAGS:-} "$@" 2>"$bin/$name.log" &
  pids+=($!)
  printf -v "pid_$name" '%s' "$!"
  for _ in $(seq 600); do
    if grep -qs "msg=serving" "$bin/$name.log"; then
      printf -v "addr_$name" '%s' "$(grep -o 'msg=serving addr=[^ ]*' "$bin/$name.log" | cut -d= -f3)"
      return
    fi
    sleep 0.1
  done
  cat "$bin/$name.log" >&2
  exit 1
}
first=alone
if [ -n "${BASE_BIN:-}" ]; then
  first=base
  # shellcheck disable=SC2086
  start base "$BASE_BIN" --batch-size "${BATCH:-32}" ${BASE_FLAGS:-}
elif [ -n "${ALONE_BIN:-}" ]; then
  start alone "$alone_bin"
else
  start alone "$alone_bin" --batch-size 1
fi
# shellcheck disable=SC2086
start batched "$bin/translated" --batch-size "${BATCH:-32}" ${BATCHED_FLAGS:-}

data=$(python3 -c '
import json, sys
req = {"source_language_code": "en", "target_language_code": "es", "texts": [sys.argv[1]]}
if sys.argv[2]:
    req["options"] = {"beam_size": int(sys.argv[2])}
print(json.dumps(req))' "$text" "${BEAM:-}")
echo "== $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg); text: $text; beam: ${BEAM:-default}"
echo "| round | clients | server | calls/s | p50 (ms) | p99 (ms) | failed | CPU ms/call | cores |"
echo "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
# cpu PID: the process's user + system time so far, in clock ticks.
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for round in $(seq "${ROUNDS:-2}"); do
  for c in ${CLIENTS:-1 8 32}; do
    for name in "$first" batched; do
      addr_var="addr_$name" pid_var="pid_$name"
      before=$(cpu "${!pid_var}")
      "$ghz" --insecure --call translate.v1.TranslationService/Translate -d "$data" -c "$c" --connections "$c" \
        -z "${DURATION:-20s}" --format json "${!addr_var}" >"$bin/run.json" || true
      ticks=$(($(cpu "${!pid_var}") - before))
      python3 - "$bin/run.json" "$round" "$c" "$name" "$ticks" "$(getconf CLK_TCK)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
lat = {d["percentage"]: d["latency"] / 1e6 for d in r.get("latencyDistribution") or []}
codes = r.get("statusCodeDistribution") or {}
ok = codes.get("OK", 0)
failed = sum(v for k, v in codes.items() if k != "OK")
cpu_s = int(sys.argv[5]) / int(sys.argv[6])
cpu_ms = cpu_s * 1000 / max(ok, 1)
cores = cpu_s / (r["total"] / 1e9)
print(f"| {sys.argv[2]} | {sys.argv[3]} | {sys.argv[4]} | {ok / (r['total'] / 1e9):.1f} | {lat.get(50, 0):.0f} | {lat.get(99, 0):.0f} | {failed} | {cpu_ms:.1f} | {cores:.2f} |")
PY
    done
  done
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
