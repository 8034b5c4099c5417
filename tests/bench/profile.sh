#!/usr/bin/env bash
# Profiles rtmp-serve under the fan-out benchmark's load: the server on CPU 0, a looped stream
# published to it and N players (rtmp-probe --clients) on CPU 1, then `perf record -g` of the
# server for S seconds of steady state. Prints the hottest symbols (self and children).
# Usage: tests/bench/profile.sh [N=1000] [SECONDS=10] [STREAM=600k]   (after make bench)
# Output: build/bench/perf-N.data (open it with `perf report -i ...`) and perf-N.txt.
# Build with `make OPT="-O2 -g"` first for inlined frames in the call graphs (the default -g1
# gives functions and lines).
source "$(dirname "$0")/../integration/lib.sh"

N=${1:-1000} SECS=${2:-10} STREAM=${3:-600k}
OUT=$ROOT/build/bench
FILE=$OUT/stream-$STREAM.flv
[ -s "$FILE" ] || { echo "profile: $FILE is missing: run make bench first" >&2; exit 1; }
command -v perf >/dev/null || { echo "profile: perf is missing (apt-get install linux-perf)" >&2; exit 1; }
ulimit -n $((2 * N + 1024))
# The copies make bench took (BENCH_FRESH=1: the current build).
SERVE=$OUT/bin/rtmp-serve PROBE=$OUT/bin/rtmp-probe
[ -x "$SERVE" ] && [ -z "${BENCH_FRESH:-}" ] || SERVE=$BIN/rtmp-serve PROBE=$BIN/rtmp-probe

PORT=$(free_port)
URL=rtmp://127.0.0.1:$PORT/live/bench
spawn "$WORK/serve.log" taskset -c 0 "$SERVE" --listen "127.0.0.1:$PORT" --http-listen "" --chunk-size 4096 \
  --max-connections-per-ip 0 --max-connection-rate-per-ip 0
SERVE_PID=$LAST_PID
wait_port "$PORT" 10 || { echo "profile: rtmp-serve did not start" >&2; exit 1; }
spawn "$WORK/pub.log" taskset -c 1 "$PROBE" --publish "$FILE" --loop --duration 3600 "$URL"
sleep 3
spawn "$WORK/load.json" taskset -c 1 "$PROBE" --clients "$N" --duration 3600 --timeout 60 "$URL"
LOAD=$LAST_PID
sleep $((5 + N / 1000))

# System calls per second: what the event loop does per message and per player.
perf stat -x, -e 'syscalls:sys_enter_writev,syscalls:sys_enter_write,syscalls:sys_enter_sendto,syscalls:sys_enter_epoll_ctl,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_read,syscalls:sys_enter_recvfrom' \
  -p "$SERVE_PID" -- sleep 5 2>&1 | awk -F, '{ printf "%-40s %10.0f /s\n", $3, $1 / 5 }' |
  tee "$OUT/syscalls-$N.txt"

# DWARF unwinding: the build has no frame pointers. 16 KiB of stack per sample is enough for
# libevent callbacks into the session code.
perf record -q -F 999 --call-graph dwarf,16384 -p "$SERVE_PID" -o "$OUT/perf-$N.data" -- sleep "$SECS" \
  2>"$WORK/perf.err" || { cat "$WORK/perf.err" >&2; exit 1; }
kill -INT "$LOAD"
wait_for 20 exited "$LOAD"
cat "$WORK/load.json"; echo

{
  echo "# self time"
  perf report -i "$OUT/perf-$N.data" --no-children --sort symbol --stdio -g none 2>/dev/null |
    grep -v '^#' | grep -v '^$' | head -n 40
  echo "# with children (inclusive)"
  perf report -i "$OUT/perf-$N.data" --children --sort symbol --stdio -g none 2>/dev/null |
    grep -v '^#' | grep -v '^$' | head -n 60
} | tee "$OUT/perf-$N.txt"
