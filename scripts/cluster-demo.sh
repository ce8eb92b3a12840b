#!/usr/bin/env bash
# Three translated replicas on 127.0.0.1 behind Debian's nginx as an L7
# gRPC balancer (grpc_pass), as docs/scaling.md describes. It shows, and
# fails unless: calls spread over all three replicas; a streaming call
# works through the balancer; a replica stopped with SIGTERM under load
# finishes its calls, and the balancer sends the next ones elsewhere; a
# replica killed (SIGKILL) under load from ghz costs at most the calls it
# had in flight, which fail UNAVAILABLE for the client to retry, and
# translate-cli --input, whose retry policy resends them, loses nothing.
# Usage: scripts/cluster-demo.sh   (nginx comes from scripts/deps.sh test)
# Ports: BASE_PORT (default 50090) is nginx; BASE_PORT+1..3 the replicas,
# BASE_PORT+11..13 their metrics.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v nginx >/dev/null || { echo "cluster-demo: no nginx; run scripts/deps.sh test" >&2; exit 1; }
scripts/grpcurl.sh
grpcurl="$PWD/.bin/grpcurl"
GHZ=v0.120.0 # the gRPC load generator, from the Go module proxy into .bin/
ghz="$PWD/.bin/ghz"
if [ ! -e "$PWD/.bin/.ghz-$GHZ" ]; then
  GOBIN="$PWD/.bin" GOFLAGS=-mod=mod go install "github.com/bojand/ghz/cmd/ghz@$GHZ" && touch "$PWD/.bin/.ghz-$GHZ"
fi
base=${BASE_PORT:-50090}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "cluster-demo: FAIL: $*" >&2; exit 1; }

echo "== building"
CGO_ENABLED=0 go build -o "$work/" ./cmd/translated ./cmd/translate-cli

echo "== three replicas, one worker each"
replica=()
for i in 1 2 3; do
  "$work/translated" --addr "127.0.0.1:$((base + i))" --metrics-addr "127.0.0.1:$((base + 10 + i))" \
    --models checkpoints --workers 1 --queue 8 2>"$work/replica$i.log" &
  pids+=($!)
  replica[i]=$!
done
for i in 1 2 3; do
  for _ in $(seq 600); do grep -q 'msg=serving' "$work/replica$i.log" && break; sleep 0.1; done
  grep -q 'msg=serving' "$work/replica$i.log" || fail "replica $i did not start: $(cat "$work/replica$i.log")"
done

echo "== nginx on 127.0.0.1:$base"
mkdir -p "$work/nginx"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 256; }
http {
  access_log $work/nginx/access.log;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  upstream translated {
    server 127.0.0.1:$((base + 1));
    server 127.0.0.1:$((base + 2));
    server 127.0.0.1:$((base + 3));
  }
  server {
    listen 127.0.0.1:$base http2;
    location / {
      grpc_pass grpc://translated;
      # A replica that refuses the connection is skipped; a call already
      # sent is not repeated by nginx (the client's retry policy decides).
      grpc_next_upstream error timeout;
      grpc_read_timeout 120s;
    }
  }
}
CONF
nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx.conf" &
pids+=($!)
for _ in $(seq 100); do "$grpcurl" -plaintext "127.0.0.1:$base" list >/dev/null 2>&1 && break; sleep 0.1; done

requests() { # calls answered by replica $1
  curl -s "127.0.0.1:$((base + 10 + $1))/metrics" |
    awk '/^translated_requests_total/ && /Translate/ { s += $2 } END { print s + 0 }'
}

echo "== 12 calls through nginx, one connection each"
for n in $(seq 12); do
  echo "The children were playing in the garden near the old house number $n." |
    "$work/translate-cli" translate --server "127.0.0.1:$base" --model en-es >/dev/null
done
for i in 1 2 3; do
  c=$(requests "$i")
  echo "replica $i answered $c calls"
  [ "$c" -gt 0 ] || fail "replica $i got no call"
done

echo "== a streaming call through nginx"
"$grpcurl" -plaintext -d '{"model": "en-es", "texts": ["The children were playing in the garden."]}' \
  "127.0.0.1:$base" translate.v1.TranslationService/TranslateStream >"$work/stream.json"
messages=$(grep -c '^{' "$work/stream.json" || true)
echo "TranslateStream sent $messages messages"
[ "$messages" -ge 2 ] || fail "the stream did not come through: $(cat "$work/stream.json")"

echo "== SIGTERM to replica 1 while 6 clients translate"
for n in $(seq 6); do
  for l in $(seq 8); do echo "She opened window $l and looked at the mountains in the distance, $n."; done >"$work/in$n"
done
clients=()
for n in $(seq 6); do
  "$work/translate-cli" translate --server "127.0.0.1:$base" --model en-es --batch 4 <"$work/in$n" >"$work/out$n" 2>&1 &
  clients+=($!)
done
sleep 1
before=$(grep -c 'msg=rpc' "$work/replica1.log" || true)
kill -TERM "${replica[1]}"
failed=0
for n in $(seq 6); do
  wait "${clients[n - 1]}" || { failed=$((failed + 1)); echo "client $n: $(tail -1 "$work/out$n")"; }
done
wait "${replica[1]}" || fail "replica 1 exited with status $?"
after=$(grep -c 'msg=rpc' "$work/replica1.log" || true)
echo "replica 1 finished $((after - before)) calls after SIGTERM, then: $(grep -o 'msg="stopped[^"]*"' "$work/replica1.log")"
for n in $(seq 6); do [ "$(wc -l <"$work/out$n")" -eq 8 ] || failed=$((failed + 1)); done
echo "clients failed: $failed of 6; calls answered after the stop: replica 2 $(requests 2), replica 3 $(requests 3)"
[ "$failed" -eq 0 ] || fail "calls were lost"

echo "== SIGKILL to replica 2 under load from ghz (4 calls in flight) and translate-cli --input (4 more)"
for l in $(seq 160); do echo "They crossed the bridge at dawn and reached the town, number $l."; done >"$work/bulk.txt"
"$work/translate-cli" translate --server "127.0.0.1:$base" --model en-es --batch 4 --parallel 4 \
  --input "$work/bulk.txt" --output "$work/bulk.out" 2>"$work/bulk.err" &
bulk=$!
pids+=("$bulk")
served=$(requests 2)
"$ghz" --insecure --call translate.v1.TranslationService/Translate -c 4 -n 120 --format json \
  -d '{"model": "en-es", "texts": ["They walked along the river until the sun went down."]}' \
  "127.0.0.1:$base" >"$work/ghz.json" &
load=$!
pids+=("$load")
sleep 3
echo "replica 2 had answered $(($(requests 2) - served)) of the calls when killed"
bulk_at_kill=$(kill -0 "$bulk" 2>/dev/null && echo "running" || echo "finished")
kill -KILL "${replica[2]}"
{ wait "${replica[2]}"; } 2>/dev/null || true
wait "$load" || true
wait "$bulk" || fail "translate-cli --input failed: $(tail -3 "$work/bulk.err")"
echo "translate-cli --input: $(wc -l <"$work/bulk.out") of 160 lines ($bulk_at_kill when replica 2 was killed), $(grep -c retrying "$work/bulk.err" || true) calls retried by its own loop"
[ "$(wc -l <"$work/bulk.out")" -eq 160 ] || fail "translate-cli --input lost lines"
# ghz's status counts: calls failed, failed otherwise than UNAVAILABLE, all.
read -r lost other codes < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["statusCodeDistribution"]
print(sum(v for k, v in d.items() if k != "OK"), sum(v for k, v in d.items() if k not in ("OK", "Unavailable")),
      ",".join(f"{k}={v}" for k, v in sorted(d.items())))' "$work/ghz.json")
echo "ghz: $codes, in $(python3 -c 'import json, sys; print(round(json.load(open(sys.argv[1]))["total"] / 1e9, 1))' "$work/ghz.json") s"
[ "$other" -eq 0 ] || fail "calls failed otherwise than UNAVAILABLE: $codes"
[ "$lost" -le 4 ] || fail "$lost calls lost, more than the 4 in flight"
echo "== ok"
