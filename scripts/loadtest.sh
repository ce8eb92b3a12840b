#!/usr/bin/env bash
# Load and fault test of translated, on loopback only, bounded in time and
# calls; not part of the test suite. See docs/operations.md#load-and-faults.
#
#   scripts/loadtest.sh [faults]   start a server (MODELS, default
#                                  checkpoints) and run cmd/loadtest's
#                                  scenarios: streams, cancel storm, slow
#                                  readers, oversize and malformed messages,
#                                  SIGTERM under load; print one table
#   scripts/loadtest.sh memory     one request at a time, each on a fresh
#                                  server: peak resident memory against the
#                                  server's estimate (docs/operations.md#memory)
#
# Environment: MODELS, DURATION (each timed scenario, default 60s), STREAMS
# (default 64), SERVER_FLAGS (more flags for the server), SHAPES (memory:
# the requests to measure, "texts words beam n_best alignment;...").
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-faults}
models=${MODELS:-checkpoints}
bin=$(mktemp -d)
pid=
trap 'stop_server; rm -rf "$bin"' EXIT
go build -o "$bin/translated" ./cmd/translated
go build -o "$bin/loadtest" ./cmd/loadtest

# start_server starts a server on free loopback ports and sets pid, addr
# and metrics from its "serving" log line.
start_server() {
  log="$bin/server.log"
  # shellcheck disable=SC2086
  "$bin/translated" --models "$models" --addr 127.0.0.1:0 --metrics-addr 127.0.0.1:0 ${SERVER_FLAGS:-} "$@" 2>"$log" &
  pid=$!
  for _ in $(seq 600); do
    if grep -q 'msg=serving' "$log"; then
      addr=$(grep -o 'msg=serving addr=[^ ]*' "$log" | cut -d= -f3)
      metrics=http://$(grep -o 'metrics_addr=[^ ]*' "$log" | head -1 | cut -d= -f2)/metrics
      return
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "loadtest: the server did not start" >&2
  exit 1
}

stop_server() {
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
}

echo "== $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg); models $models"
case "$mode" in
faults)
  start_server
  echo "== server pid $pid on $addr: $(grep -o 'workers=[0-9]* queue=[0-9]* batch_size=[0-9]*' "$log")"
  code=0
  "$bin/loadtest" -addr "$addr" -metrics "$metrics" -pid "$pid" -duration "${DURATION:-60s}" -streams "${STREAMS:-64}" || code=$?
  [ $code -eq 0 ] || kill -TERM "$pid" # the sigterm scenario did not run
  wait "$pid" && echo "== server exited with status 0 after SIGTERM" || echo "== server exited with status $?"
  pid=
  grep -c '"rpc refused before its handler"\|msg="rpc refused before its handler"' "$log" | xargs echo "== log lines of calls refused before their handler:"
  exit $code
  ;;
memory)
  # texts words beam n_best alignment, one request per line (SHAPES: the
  # same, separated by ';')
  default_shapes="1 20 4 1 none
8 20 4 1 none
64 20 4 1 none
8 100 4 1 none
8 20 16 1 none
8 20 16 16 none
8 20 4 1 word
64 20 4 1 word
8 100 16 16 word
64 100 16 16 word"
  echo "| texts | words | beam | n_best | alignment | tokens_in | estimate (MiB) | RSS before (MiB) | peak (MiB) | peak − before (MiB) | estimate / measured |"
  echo "| ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  while read -r texts words beam nbest alignment; do
    [ -z "$texts" ] && continue
    start_server --memory-budget 64GiB --max-reply 1GiB --max-decode-time 60m --workers 1
    echo 5 >"/proc/$pid/clear_refs" # resets the peak (VmHWM) to the current size
    before=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
    "$bin/loadtest" -addr "$addr" -metrics "" -scenarios one -texts "$texts" -tokens "$words" -beam "$beam" -nbest "$nbest" -alignment "$alignment" >/dev/null
    peak=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
    line=$(grep 'method=Translate' "$log" | tail -1)
    tokens=$(grep -o 'tokens_in=[0-9]*' <<<"$line" | cut -d= -f2)
    estimate=$(grep -o 'mem_estimate=[0-9]*' <<<"$line" | cut -d= -f2)
    grep -q 'code=OK' <<<"$line" || { echo "loadtest: $line" >&2; exit 1; }
    stop_server
    awk -v t="$texts" -v w="$words" -v b="$beam" -v n="$nbest" -v a="$alignment" -v k="$tokens" -v e="$estimate" -v r0="$before" -v r1="$peak" \
      'BEGIN { d = (r1 - r0) / 1024; printf "| %d | %d | %d | %d | %s | %d | %.1f | %.0f | %.0f | %.1f | %.2f |\n", t, w, b, n, a, k, e / 1048576, r0 / 1024, r1 / 1024, d, (d > 0 ? e / 1048576 / d : 0) }'
  done <<<"$(tr ';' '\n' <<<"${SHAPES:-$default_shapes}")"
  ;;
*)
  echo "usage: scripts/loadtest.sh [faults|memory]" >&2
  exit 2
  ;;
esac
