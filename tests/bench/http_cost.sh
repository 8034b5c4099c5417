#!/usr/bin/env bash
# What the HTTP side costs the server at N players (default 1000): rtmp-serve on CPU 0 with one
# published stream and N rtmp-probe players on CPU 1, then R requests each of GET
# /api/v1/streams, /api/v1/sessions?items_per_page=1000 and /metrics, one at a time. Prints, per
# path, the answer's size, the wall time per request seen by curl (its own start included) and
# the server's CPU time per request (rtmpkit_http_request_cpu_seconds_total: the loop thread's
# CPU clock around each answer). Figures, no assertions.
# Usage: tests/bench/http_cost.sh [N=1000] [R=50]   (after make)
source "$(dirname "$0")/../integration/lib.sh"
N=${1:-1000} R=${2:-50}
SERVE=$BIN/rtmp-serve PROBE=$BIN/rtmp-probe
PORT=$(free_port) HP=$(free_port)
ulimit -n $((N * 2 + 1024)) 2>/dev/null
spawn "$WORK/serve.log" taskset -c 0 "$SERVE" --listen "127.0.0.1:$PORT" --http-listen "127.0.0.1:$HP" \
  --max-connections-per-ip 0 --max-connection-rate-per-ip 0 --log-level warn
SERVE_PID=$LAST_PID
wait_port "$PORT" 10 && wait_port "$HP" 10 || { echo "rtmp-serve did not start"; exit 1; }
URL=rtmp://127.0.0.1:$PORT/live/bench
spawn "$WORK/pub.log" taskset -c 1 "$PROBE" --publish "$FIXTURES/h264_aac.flv" --loop --duration 3600 "$URL"
sleep 2
spawn "$WORK/load.json" taskset -c 1 "$PROBE" --clients "$N" --duration 3600 --timeout 60 --format json "$URL"
for _ in $(seq 1 120); do
  n=$(curl -s "http://127.0.0.1:$HP/api/v1/server" | jq -r .connections.players 2>/dev/null)
  [ "${n:-0}" -ge "$N" ] && break
  sleep 0.5
done
sleep 3
calc() { awk "BEGIN { print $* }"; }
# cost ROUTE: "requests cpu_seconds" of ROUTE from /metrics.
cost() {
  curl -s "http://127.0.0.1:$HP/metrics" | awk -v r="$1" '
    index($0, "rtmpkit_http_requests_total{route=\"" r "\"}") == 1 { n = $2 }
    index($0, "rtmpkit_http_request_cpu_seconds_total{route=\"" r "\"}") == 1 { c = $2 }
    END { print n + 0, c + 0 }'
}
echo "$n players"
printf '%-40s %10s %12s %14s\n' path bytes wall_ms server_cpu_ms
for spec in "/api/v1/streams|/api/v1/streams" "/api/v1/sessions?items_per_page=1000|/api/v1/sessions" \
  "/metrics|/metrics" "/api/v1/server|/api/v1/server" "/healthz|/healthz"; do
  path=${spec%|*} route=${spec#*|}
  size=$(curl -s "http://127.0.0.1:$HP$path" | wc -c)
  read -r n0 c0 <<<"$(cost "$route")"
  w0=$EPOCHREALTIME
  for _ in $(seq 1 "$R"); do curl -s -o /dev/null "http://127.0.0.1:$HP$path"; done
  w1=$EPOCHREALTIME
  read -r n1 c1 <<<"$(cost "$route")"
  printf '%-40s %10d %12.2f %14.3f\n' "$path" "$size" "$(calc "($w1 - $w0) * 1000 / $R")" \
    "$(calc "($c1 - $c0) * 1000 / ($n1 - $n0)")"
done
