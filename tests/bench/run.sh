#!/usr/bin/env bash
# The fan-out benchmark (`make bench`): rtmp-serve, nginx-rtmp (one worker, `live on`) and, when
# SRS_BIN names an SRS binary, SRS, on loopback, the server pinned to one core and the load tool
# (rtmp-probe --clients N) to the other; the same generated H.264+AAC stream published to each.
# Prints one table of figures (never asserts) and the loopback TCP reference. See
# tests/bench/README.md.
#
# Overrides: BENCH_N="100 1000" BENCH_SECONDS=10 BENCH_STREAMS="600k 4m"
#            BENCH_SERVERS="rtmp-serve nginx" (a server NAME@MS sets its merged-write latency:
#            rtmp-serve@350 is --write-coalesce 350ms, srs@50 is mw_latency 50; rtmps-serve is
#            rtmp-serve with its players on rtmps://, a self-signed certificate made here)
#            SRS_BIN=path/to/srs (adds srs and srs@50 to the default servers)
#            BENCH_REF_SIZES="4096 16384 65536" BENCH_REF_PACED="3750@50 25000@50" BENCH_JOINS=5 BENCH_SERVER_CPU=0 BENCH_LOAD_CPU=1
#            BENCH_PATTERN_N=1000 (after each run at these N: plain writes of its measured pattern)
#            BENCH_MAX_RSS_MB=8192 BENCH_NICE=-10 BENCH_KEEP=1 (keep the server logs of each run under build/bench/runs/)

# On a shared machine the server and the load tool run ahead of other work: the kernel shares the
# CPU between sessions (autogroups) first, so the benchmark runs in a session of its own whose
# autogroup gets BENCH_NICE (root only; BENCH_NICE=0 turns this off).
BENCH_NICE=${BENCH_NICE:-$([ "$(id -u)" = 0 ] && echo -10 || echo 0)}
if [ -z "${BENCH_SESSION:-}" ] && [ "$BENCH_NICE" != 0 ] && [ -w /proc/self/autogroup ]; then
  BENCH_SESSION=1 setsid -w "$0" "$@" &
  session=$!
  trap 'kill -TERM -- -$session 2>/dev/null' INT TERM
  wait "$session"
  exit $?
fi
[ -n "${BENCH_SESSION:-}" ] && echo "$BENCH_NICE" >/proc/self/autogroup
PRIO="nice -n $BENCH_NICE"
source "$(dirname "$0")/../integration/lib.sh"

OUT=${BENCH_OUT:-$ROOT/build/bench}
BENCH_N=${BENCH_N:-100 1000 2000 4000}
BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_STREAMS=${BENCH_STREAMS:-600k 4m}
SRS_BIN=${SRS_BIN:-}
# SRS at its defaults (mw_latency 350 ms) and at rtmp-serve's default merge latency, and
# rtmp-serve at SRS's default: each pair compares equal latency. SRS at mw_latency 50 also waits
# for more than 8 messages, so it writes each player about every 120 ms on these streams:
# rtmp-serve@100 is the run written about as often.
BENCH_SERVERS=${BENCH_SERVERS:-rtmp-serve nginx${SRS_BIN:+ srs srs@50 rtmp-serve@350 rtmp-serve@100}}
BENCH_REF_SIZES=${BENCH_REF_SIZES:-4096 16384 65536}
# Paced references, SIZE@MS to each of 1000 sockets every MS: the write pattern of a server that
# merges for MS (the 600k and 4m streams give about 3750 and 25000 bytes per 50 ms).
BENCH_REF_PACED=${BENCH_REF_PACED:-3750@50 25000@50}
RTMP_SERVE_COALESCE_MS=50  # rtmp-serve's default write_coalesce
SRS_MW_LATENCY_MS=350      # SRS 7's default play { mw_latency }
BENCH_JOINS=${BENCH_JOINS:-5}
# At these player counts each run is followed by loopback_ref writing the run's measured pattern
# (bytes per write, how often each player was written): the floor of the writes it chose.
BENCH_PATTERN_N=${BENCH_PATTERN_N:-1000}
SERVER_CPU=${BENCH_SERVER_CPU:-0}
LOAD_CPU=${BENCH_LOAD_CPU:-1}
MAX_RSS_MB=${BENCH_MAX_RSS_MB:-8192}
BENCH_SERVE_ARGS=${BENCH_SERVE_ARGS:-}  # extra rtmp-serve flags, e.g. --write-coalesce 50ms
NGINX_MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
PROBE=$BIN/rtmp-probe
HZ=$(getconf CLK_TCK)
mkdir -p "$OUT/runs"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$OUT/results-$STAMP.jsonl
: >"$RESULTS"

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

for t in "$BIN/rtmp-serve" "$PROBE" "$OUT/loopback_ref"; do
  [ -x "$t" ] || die "$t is not built (run make bench)"
done
# The tools are copied first: others may rebuild build/bin while the benchmark runs.
mkdir -p "$OUT/bin"
for t in rtmp-serve rtmp-probe; do
  cp "$BIN/$t" "$OUT/bin/$t.tmp" && mv "$OUT/bin/$t.tmp" "$OUT/bin/$t" || die "cannot copy $t"
done
SERVE=$OUT/bin/rtmp-serve PROBE=$OUT/bin/rtmp-probe
command -v taskset >/dev/null || die "taskset (util-linux) is missing"
command -v ss >/dev/null || die "ss (iproute2) is missing"
if [[ " $BENCH_SERVERS " == *" nginx"[\ @]* ]] && ! { command -v nginx && [ -f "$NGINX_MODULE" ]; } >/dev/null; then
  die "nginx with ngx_rtmp_module is not installed (make deps)"
fi
if [[ " $BENCH_SERVERS " == *" srs"[\ @]* ]]; then
  [ -n "$SRS_BIN" ] && [ -x "$SRS_BIN" ] || die "BENCH_SERVERS names srs: set SRS_BIN to an SRS binary"
fi
# Each player is two sockets on this machine (server and load tool), plus the joiners; the
# loopback reference opens 1000 pairs.
max_n=1000; for n in $BENCH_N; do ((n > max_n)) && max_n=$n; done
ulimit -n $((2 * max_n + 1024)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(($(ulimit -n) > 2 * max_n + 100)) || die "ulimit -n $(ulimit -n) is too small for $max_n players"

# ---------------------------------------------------------------- streams
# stream_file NAME: the 20 s test stream NAME (600k or 4m), generated once into $OUT.
stream_file() {
  local name=$1 f=$OUT/stream-$1.flv size vb ab
  case $name in
    600k) size=640x360 vb=536k ab=64k ;;
    4m) size=1280x720 vb=3872k ab=128k ;;
    *) die "unknown stream $name (600k or 4m)" ;;
  esac
  if [ ! -s "$f" ]; then
    say "generating $f (testsrc2 $size, H.264 $vb + AAC $ab, GOP 2 s)"
    ffmpeg -hide_banner -nostdin -loglevel error -y -f lavfi -i "testsrc2=size=$size:rate=30" \
      -f lavfi -i sine=frequency=440:sample_rate=44100 -t 20 -c:v libx264 -preset veryfast \
      -profile:v main -pix_fmt yuv420p -b:v "$vb" -maxrate "$vb" -bufsize "$vb" -g 60 \
      -keyint_min 60 -sc_threshold 0 -c:a aac -b:a "$ab" -ac 2 -f flv "$f.tmp" &&
      mv "$f.tmp" "$f" || die "ffmpeg could not generate $f"
  fi
  echo "$f"
}

# stream_facts FILE: "kbit_s messages_per_s" of FILE (audio and video packets per second).
stream_facts() {
  local d br pk
  d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$1")
  br=$(ffprobe -v error -show_entries format=bit_rate -of csv=p=0 "$1")
  pk=$(ffprobe -v error -show_entries packet=stream_index -of csv=p=0 "$1" | wc -l)
  awk -v d="$d" -v br="$br" -v pk="$pk" 'BEGIN { printf "%.1f %.2f\n", br / 1000, pk / d }'
}

# ---------------------------------------------------------------- process figures
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
# cpu_wait_ms PID: time PID spent runnable but waiting for a CPU (other work on its core).
cpu_wait_ms() { awk '{ printf "%.0f\n", $2 / 1e6 }' "/proc/$1/schedstat" 2>/dev/null; }
# write_calls PID: write system calls PID made so far (write, writev, sendto, sendmsg).
write_calls() { awk '$1 == "syscw:" { print $2 }' "/proc/$1/io" 2>/dev/null; }
# sockets PORT: "sockets bytes_acked bytes_received fed" summed over the server's connections;
# fed counts those that were sent 64 KiB or more (players that get media, not just accepted).
sockets() {
  ss -tinH state established "( sport = :$1 )" | awk '
    /^[^ \t]/ { n++ }
    { for (i = 1; i <= NF; i++) {
        if ($i ~ /^bytes_acked:/) { split($i, a, ":"); out += a[2]; if (a[2] >= 65536) fed++ }
        if ($i ~ /^bytes_received:/) { split($i, a, ":"); in_ += a[2] } } }
    END { printf "%d %.0f %.0f %d\n", n, out, in_, fed }'  # %d would clip at 2^31 in mawk
}

# guarded_sleep SECONDS: sleeps, but stops the server if it grows past BENCH_MAX_RSS_MB (a
# saturated server queueing for thousands of players must not take the machine down).
guarded_sleep() {
  local end=$((SECONDS + $1)) rss
  while ((SECONDS < end)); do
    sleep 0.5
    rss=$(status_kb "$SRV_PID" VmRSS)
    if ((${rss:-0} > MAX_RSS_MB * 1024)); then
      say "server RSS ${rss} KB is past $MAX_RSS_MB MB: stopping it"
      KILLED=true
      kill -9 "$SRV_PID" 2>/dev/null
      return
    fi
  done
}

# ---------------------------------------------------------------- servers
# merge_ms SERVER: the merged-write latency SERVER (NAME or NAME@MS) runs with; 0 for nginx-rtmp,
# which writes what it has at once.
merge_ms() {
  local kind=${1%@*}
  [ "$kind" != "$1" ] && { echo "${1#*@}"; return; }
  case $kind in
    rtmp-serve) echo "$RTMP_SERVE_COALESCE_MS" ;;
    srs) echo "$SRS_MW_LATENCY_MS" ;;
    rtmps-serve) echo 0 ;;  # TLS players are written by OpenSSL as soon as bytes are queued
    *) echo 0 ;;
  esac
}

# start_server SERVER PORT LOG: SERVER is NAME or NAME@MS (rtmp-serve, nginx, srs); sets SRV_PID
# (the process that serves: rtmp-serve, the nginx worker, srs) and SRV_MAIN (the one to stop).
start_server() {
  local spec=$1 port=$2 log=$3 kind=${1%@*}
  if [ "$kind" = rtmp-serve ] || [ "$kind" = rtmps-serve ]; then
    local coalesce=() tls=()
    [ "$spec" != "$kind" ] && coalesce=(--write-coalesce "${spec#*@}ms")
    if [ "$kind" = rtmps-serve ]; then
      [ -f "$WORK/bench.key" ] || openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -days 2 -subj /CN=localhost -keyout "$WORK/bench.key" -out "$WORK/bench.pem" 2>/dev/null
      tls=(--rtmps-listen "127.0.0.1:$TLS_PORT" --tls-cert "$WORK/bench.pem" --tls-key "$WORK/bench.key")
    fi
    spawn "$log" $PRIO taskset -c "$SERVER_CPU" "$SERVE" --listen "127.0.0.1:$port" --http-listen "" \
      --chunk-size 4096 --log-level info --max-connections-per-ip 0 \
      --max-connection-rate-per-ip 0 "${coalesce[@]}" "${tls[@]}" $BENCH_SERVE_ARGS
    SRV_MAIN=$LAST_PID SRV_PID=$LAST_PID
  elif [ "$kind" = srs ]; then
    local dir=$WORK/srs-$port
    mkdir -p "$dir"
    # As the nginx block below: one process, chunk size 4096, GOP cache on (SRS's default).
    cat >"$dir/srs.conf" <<CONF
listen 127.0.0.1:$port;
max_connections $(($(ulimit -n) - 256));  # SRS wants 128 descriptors beyond it
daemon off;
srs_log_tank file;
srs_log_file $dir/srs.log;
pid $dir/srs.pid;
chunk_size 4096;
vhost __defaultVhost__ {
    play { mw_latency $(merge_ms "$spec"); }
}
CONF
    spawn "$log" $PRIO taskset -c "$SERVER_CPU" "$SRS_BIN" -c "$dir/srs.conf"
    SRV_MAIN=$LAST_PID SRV_PID=$LAST_PID
  else
    local prefix=$WORK/nginx-$port
    mkdir -p "$prefix/logs"
    cat >"$prefix/nginx.conf" <<CONF
load_module $NGINX_MODULE;
$([ "$(id -u)" = 0 ] && echo "user root;")
worker_processes 1;
worker_rlimit_nofile $(ulimit -n);
error_log $prefix/logs/error.log warn;
pid $prefix/nginx.pid;
events { worker_connections $(($(ulimit -n) - 64)); }
rtmp { server { listen 127.0.0.1:$port; chunk_size 4096; application live { live on; } } }
CONF
    spawn "$log" $PRIO taskset -c "$SERVER_CPU" nginx -c "$prefix/nginx.conf" -p "$prefix" \
      -g "daemon off;"
    SRV_MAIN=$LAST_PID SRV_PID=""
    wait_for 10 worker_of "$SRV_MAIN" >/dev/null || return 1
    SRV_PID=$(worker_of "$SRV_MAIN")
    PIDS+=("$SRV_PID")
  fi
  wait_port "$port" 10
}
worker_of() { local w; w=$(pgrep -P "$1" | head -n 1); [ -n "$w" ] && echo "$w"; }

stop_server() {
  kill -TERM "$SRV_MAIN" 2>/dev/null
  wait_for 10 exited "$SRV_MAIN" || kill -9 "$SRV_MAIN" 2>/dev/null
  [ -n "$SRV_PID" ] && { wait_for 5 exited "$SRV_PID" || kill -9 "$SRV_PID" 2>/dev/null; }
  wait "$SRV_MAIN" 2>/dev/null
  return 0
}

# ---------------------------------------------------------------- one run
# run_one KIND STREAM N: one server, one stream, N players; appends one JSON line to $RESULTS.
run_one() {
  local kind=$1 stream=$2 n=$3 file port url tag log
  file=$(stream_file "$stream") || exit 1
  port=$(free_port) url=rtmp://127.0.0.1:$port/live/bench
  # Players of rtmps-serve use rtmps:// on TLS_PORT; its publisher stays on plain RTMP.
  local play_url=$url play_port=$port play_args=()
  if [ "${kind%@*}" = rtmps-serve ]; then
    TLS_PORT=$(free_port) play_port=$TLS_PORT play_url=rtmps://127.0.0.1:$TLS_PORT/live/bench
    play_args=(--insecure)
  fi
  tag=$kind-$stream-$n log=$OUT/runs/$tag.log
  say "$tag: starting"
  start_server "$kind" "$port" "$log" || { say "$tag: server did not start"; stop_server; return 1; }
  spawn "$WORK/$tag.publish.log" $PRIO taskset -c "$LOAD_CPU" "$PROBE" --publish "$file" --loop \
    --duration 3600 "$url"
  local pub=$LAST_PID
  sleep 3 # a keyframe and a GOP are published; rtmp-serve's GOP cache is full
  local rss0; rss0=$(status_kb "$SRV_PID" VmRSS)

  $PRIO taskset -c "$LOAD_CPU" "$PROBE" --clients "$n" --duration 3600 --timeout 60 \
    --format json "${play_args[@]}" "$play_url" >"$WORK/$tag.load.json" 2>"$WORK/$tag.load.err" &
  local load=$! connect_s=$SECONDS
  PIDS+=("$load")
  local deadline=$((SECONDS + 60))
  while (($(sockets "$play_port" | cut -d' ' -f4) < n)) && ((SECONDS < deadline)); do sleep 0.5; done
  connect_s=$((SECONDS - connect_s))
  # The connect storm and rtmp-serve's GOP bursts (2 s of stream per player) drain: steady state.
  sleep $((3 + n / 1000))

  local t0 s0 l0 c0 b0 o0 x0 t1 s1 l1 c1 b1 o1 x1 w1 w0 wc1
  KILLED=false
  t0=$EPOCHREALTIME s0=$(cpu_ticks "$SRV_PID") l0=$(cpu_ticks "$load") w0=$(write_calls "$SRV_PID")
  c0=$(cpu_wait_ms "$SRV_PID") b0=$(cpu_wait_ms "$load")
  read -r _ o0 x0 _ <<<"$(sockets "$play_port")"
  guarded_sleep "$BENCH_SECONDS"
  t1=$EPOCHREALTIME s1=$(cpu_ticks "$SRV_PID") l1=$(cpu_ticks "$load") wc1=$(write_calls "$SRV_PID")
  c1=$(cpu_wait_ms "$SRV_PID") b1=$(cpu_wait_ms "$load")
  read -r w1 o1 x1 _ <<<"$(sockets "$play_port")"

  # Players that join the loaded server one at a time, 0.37 s apart (not in step with the GOP).
  local j joins=()
  for ((j = 0; j < BENCH_JOINS; j++)); do
    $PRIO taskset -c "$LOAD_CPU" "$PROBE" --format json --timeout 10 "${play_args[@]}" "$play_url" >"$WORK/$tag.join$j.json" \
      2>/dev/null &
    joins+=($!)
    sleep 0.37
  done
  for j in "${joins[@]}"; do wait "$j"; done
  local hwm; hwm=$(status_kb "$SRV_PID" VmHWM)

  kill -INT "$load"
  wait_for 30 exited "$load"
  wait "$load" 2>/dev/null
  sleep 1 # the server logs each closed session (with its drop count)
  stop "$pub" 5
  stop_server

  local dropped=None slow=None
  if [ "${kind%@*}" = rtmp-serve ]; then
    dropped=$(awk '/session closed/ { for (i = 1; i <= NF; i++) if ($i ~ /^dropped_messages=/) {
      split($i, a, "="); s += a[2] } } END { print s + 0 }' "$log")
    slow=$(grep -c 'player too slow' "$log")
  fi
  local facts; facts=$(stream_facts "$file")
  python3 - "$WORK/$tag.load.json" "$WORK/$tag".join*.json >>"$RESULTS" <<PY
import json, sys
def load(p):
    try:
        return json.load(open(p))
    except Exception:
        return None
probe = load(sys.argv[1]) or {}
joins = [j.get("timing", {}) for j in map(load, sys.argv[2:]) if j and j.get("result") == "ok"]
kbit, msg_rate = map(float, "$facts".split())
print(json.dumps({
    "server": "$kind", "merge_ms": $(merge_ms "$kind"), "stream": "$stream", "players": $n,
    "stream_kbit_s": kbit, "write_calls": ${wc1:-0} - ${w0:-0},
    "stream_msg_s": msg_rate, "window_s": $t1 - $t0, "hz": $HZ, "connect_s": $connect_s,
    "server_ticks": ${s1:-$s0} - $s0, "killed": "$KILLED" == "true", "load_ticks": $l1 - $l0,
    "server_wait_ms": ${c1:-$c0} - $c0, "load_wait_ms": ${b1:-$b0} - $b0,
    "sockets": $w1, "bytes_out": $o1 - $o0, "bytes_in": $x1 - $x0,
    "rss_before_kb": int("${rss0:-0}"), "hwm_kb": int("${hwm:-0}"),
    "dropped_messages": $dropped, "slow_warnings": $slow,
    "joins_first_keyframe_ms": [t.get("first_keyframe_ms") for t in joins],
    "joins_first_media_ms": [t.get("first_media_ms") for t in joins],
    "probe": probe}))
PY
  [ -n "${BENCH_KEEP:-}" ] || rm -f "$log"
  say "$tag: done ($w1 connections, players fed in ${connect_s} s)"
}

# pattern_floor: plain write()s of the write pattern the run last appended to $RESULTS measured
# (its bytes per write call, each of its N sockets written as often as it wrote its players), one
# line to $REF_JSON tagged with the run: what that pattern costs with nothing done between writes.
pattern_floor() {
  local spec
  # The write size and period as the table derives them (table.py's figures()).
  spec=$(tail -n 1 "$RESULTS" | python3 -c '
import json, sys
sys.path.insert(0, sys.argv[1])
from table import figures
r = json.loads(sys.stdin.read())
f = figures(r)
if f.get("write_kb") and f.get("write_period_ms"):
    print(r["server"], r["stream"], r["players"], r["probe"]["connected"],
          max(1, round(f["write_kb"] * 1024)), "%.1f" % f["write_period_ms"])' "$ROOT/tests/bench")
  [ -n "$spec" ] || return 0
  set -- $spec
  "$OUT/loopback_ref" --size "$5" --period "$6" --connections "$4" --seconds 5 \
    --writer-cpu "$SERVER_CPU" --reader-cpu "$LOAD_CPU" |
    python3 -c 'import json, sys; d = json.loads(sys.stdin.read()); d["pattern_of"] = {"server": sys.argv[1], "stream": sys.argv[2], "players": int(sys.argv[3])}; print(json.dumps(d))' \
      "$1" "$2" "$3" >>"$REF_JSON" || say "loopback_ref failed for the pattern of $1 $2 N=$3"
}

# ---------------------------------------------------------------- main
say "$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); server on CPU $SERVER_CPU, load tool on CPU $LOAD_CPU"
say "rtmpkit $(git -C "$ROOT" describe --always --dirty 2>/dev/null), rtmp-serve built $(date -u -r "$SERVE" +%FT%TZ), $(nginx -v 2>&1 | cut -d: -f2- | sed 's/^ //')${SRS_BIN:+, SRS $("$SRS_BIN" -v 2>&1 | tail -n 1)}"
REF_JSON=$OUT/reference-$STAMP.jsonl
: >"$REF_JSON"
# The floor for each write size: one connection, and 1000 as the players are.
for size in $BENCH_REF_SIZES; do
  for c in 1 1000; do
    "$OUT/loopback_ref" --size "$size" --connections "$c" --seconds 3 --writer-cpu "$SERVER_CPU" \
      --reader-cpu "$LOAD_CPU" >>"$REF_JSON" || die "loopback_ref failed"
  done
done
for paced in $BENCH_REF_PACED; do
  "$OUT/loopback_ref" --size "${paced%@*}" --period "${paced#*@}" --connections 1000 --seconds 5 \
    --writer-cpu "$SERVER_CPU" --reader-cpu "$LOAD_CPU" >>"$REF_JSON" || die "loopback_ref failed"
done
for stream in $BENCH_STREAMS; do
  for n in $BENCH_N; do
    for kind in $BENCH_SERVERS; do
      run_one "$kind" "$stream" "$n"
      for m in $BENCH_PATTERN_N; do [ "$m" = "$n" ] && pattern_floor; done
    done
  done
done
python3 "$ROOT/tests/bench/table.py" "$RESULTS" "$REF_JSON" | tee "$OUT/table-$STAMP.md"
say "results: $RESULTS, table: $OUT/table-$STAMP.md"
