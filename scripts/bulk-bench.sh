#!/usr/bin/env bash
# Bulk translation (translate-cli translate --input --output) over one
# translated replica, over three and over two, with client-side balancing
# (--server a,b,c), and over three of which one is killed (SIGKILL) a
# third of the way through: lines/s of each, the calls refused busy (and
# retried), and whether the outputs agree. docs/scaling.md holds what it
# printed.
# Usage: scripts/bulk-bench.sh
#   LINES (default 240): English Bible verses from
#     nmt/align/testdata/corpus.sample.tsv, repeated;
#   WORKERS (default 1): workers per replica;
#   BATCH (default 8): lines per call;
#   PARALLEL (default: translate-cli's): calls in flight;
#   ROUNDS (default 1): runs of each;
#   BASE_PORT (default 50190): the replicas listen on BASE_PORT+1..3.
set -euo pipefail
cd "$(dirname "$0")/.."

lines=${LINES:-240}
workers=${WORKERS:-1}
batch=${BATCH:-8}
rounds=${ROUNDS:-1}
base=${BASE_PORT:-50190}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "bulk-bench: FAIL: $*" >&2; exit 1; }

CGO_ENABLED=0 go build -o "$work/" ./cmd/translated ./cmd/translate-cli
cut -f3 nmt/align/testdata/corpus.sample.tsv >"$work/verses"
while [ "$(wc -l <"$work/verses")" -lt "$lines" ]; do cat "$work/verses" "$work/verses" >"$work/v2" && mv "$work/v2" "$work/verses"; done
head -n "$lines" "$work/verses" >"$work/in.txt"

replica=()
start() { # replica $1
  local i=$1
  "$work/translated" --addr "127.0.0.1:$((base + i))" --metrics-addr "" \
    --models checkpoints --workers "$workers" --queue 8 2>"$work/replica$i.log" &
  pids+=($!)
  replica[i]=$!
  for _ in $(seq 600); do grep -q 'msg=serving' "$work/replica$i.log" && break; sleep 0.1; done
  grep -q 'msg=serving' "$work/replica$i.log" || fail "replica $i did not start"
}
for i in 1 2 3; do start "$i"; done
one="127.0.0.1:$((base + 1))"
three="127.0.0.1:$((base + 1)),127.0.0.1:$((base + 2)),127.0.0.1:$((base + 3))"
two="127.0.0.1:$((base + 1)),127.0.0.1:$((base + 3))"

# calls CODE: Translate calls the replicas' logs record ending with CODE.
calls() { cat "$work"/replica*.log | grep 'msg=rpc method=Translate ' | grep -c "code=$1" || true; }
needed=$(((lines + batch - 1) / batch))

# bulk NAME SERVER: one run, printing its lines/s and retries.
bulk() {
  rm -f "$work/$1.out" "$work/$1.out.progress"
  local busy_before
  busy_before=$(calls ResourceExhausted)
  "$work/translate-cli" translate --server "$2" --model en-es --batch "$batch" ${PARALLEL:+--parallel "$PARALLEL"} \
    --input "$work/in.txt" --output "$work/$1.out" 2>"$work/$1.err" || fail "$1: $(cat "$work/$1.err")"
  printf '%-22s %s lines/s, %d calls refused busy (retried), %d retry messages\n' "$1" \
    "$(grep -o '[0-9.]* lines/s' "$work/$1.err" | tail -1 | cut -d' ' -f1)" \
    "$(($(calls ResourceExhausted) - busy_before))" "$(grep -c retrying "$work/$1.err" || true)"
  grep retrying "$work/$1.err" | head -3 | cut -c1-200 || true
}

# Warm up every replica (first calls are slower: memory grows, caches fill).
head -n 48 "$work/in.txt" >"$work/warm.txt"
"$work/translate-cli" translate --server "$three" --model en-es --batch "$batch" ${PARALLEL:+--parallel "$PARALLEL"} \
  --input "$work/warm.txt" --output "$work/warm.out" 2>/dev/null || fail "warming up"

echo "== $lines lines, $batch per call, ${PARALLEL:-default} parallel, $workers worker(s) per replica, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
  bulk "one-replica-$r" "$one"
  bulk "three-replicas-$r" "$three"
  bulk "two-replicas-$r" "$two"
  cmp -s "$work/one-replica-$r.out" "$work/three-replicas-$r.out" || fail "one and three replicas wrote different outputs"

  # Three replicas, replica 2 killed once a third of the lines are in.
  rm -f "$work/kill-$r.out" "$work/kill-$r.out.progress"
  ok_before=$(calls OK)
  busy_before=$(calls ResourceExhausted)
  "$work/translate-cli" translate --server "$three" --model en-es --batch "$batch" ${PARALLEL:+--parallel "$PARALLEL"} \
    --input "$work/in.txt" --output "$work/kill-$r.out" 2>"$work/kill-$r.err" &
  client=$!
  pids+=("$client")
  while :; do
    done_lines=$(tail -1 "$work/kill-$r.out.progress" 2>/dev/null | awk 'NF == 3 { print $1 }' || true)
    [ "${done_lines:-0}" -ge $((lines / 3)) ] && break
    kill -0 "$client" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "${replica[2]}"
  wait "${replica[2]}" 2>/dev/null || true
  wait "$client" || fail "kill: $(cat "$work/kill-$r.err")"
  printf '%-22s %s lines/s, %d calls refused busy (retried), %d retry messages\n' "kill-one-of-three-$r" \
    "$(grep -o '[0-9.]* lines/s' "$work/kill-$r.err" | tail -1 | cut -d' ' -f1)" \
    "$(($(calls ResourceExhausted) - busy_before))" "$(grep -c retrying "$work/kill-$r.err" || true)"
  echo "  replica 2 killed with $done_lines lines in; calls answered: $(($(calls OK) - ok_before)) for the $needed needed (the killed replica's before it died included)"
  grep retrying "$work/kill-$r.err" | head -3 | cut -c1-200 || true
  cmp -s "$work/three-replicas-$r.out" "$work/kill-$r.out" || fail "the run that lost a replica wrote another output"
  [ "$(wc -l <"$work/kill-$r.out")" -eq "$lines" ] || fail "lines lost"
  start 2
done
echo "== ok: the outputs are identical"
