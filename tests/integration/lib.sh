# Shared helpers for integration tests: real processes on 127.0.0.1, cleaned up on exit.
# A test script sources this, calls `check NAME COMMAND...` or `ok`/`not_ok`, and ends with `finish`.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${BIN:-$ROOT/build/bin}
FIXTURES=$ROOT/tests/fixtures
WORK=$(mktemp -d /tmp/rtmpkit-test.XXXXXX)
chmod 755 "$WORK"
PIDS=()
N_FAILED=0

cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.2
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
  [ -z "${KEEP_WORK:-}" ] || echo "# kept $WORK" >&2
}
trap cleanup EXIT

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; N_FAILED=$((N_FAILED + 1)); }
# check NAME CMD...: runs CMD, passes when it exits 0. Its output goes to stderr for debugging.
check() {
  local name=$1; shift
  if "$@" >&2; then ok "$name"; else not_ok "$name"; fi
}
# check_memory NAME CMD...: a check of the server's memory figures. They count on the release
# build only (ASan's quarantine and shadow memory make RSS meaningless), so against a sanitizer
# build (SERVE_SANITIZED) it is logged as not run and the run checks crashes and reports alone.
check_memory() {
  if [ -n "${SERVE_SANITIZED:-}" ]; then log "not run on a sanitizer build: $1"; return 0; fi
  check "$@"
}
finish() {
  sanitizer_check
  exit $((N_FAILED > 0))
}
log() { echo "# $*" >&2; }

# A TCP port on 127.0.0.1 that nothing listens on now, outside the range the kernel gives
# outgoing connections (a port there may be busy as a client end without a listener).
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((10000 + RANDOM % 22000))  # below the ephemeral range (32768+)
    (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

wait_port() { # port [seconds]
  local deadline=$((SECONDS + ${2:-10}))
  while ((SECONDS < deadline)); do
    (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# spawn LOGFILE CMD...: starts CMD in the background, remembered for cleanup; sets $LAST_PID.
spawn() {
  local logfile=$1; shift
  "$@" >"$logfile" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

# The rtmp-serve that start_serve runs: the release build, or another one such as the
# AddressSanitizer + UBSan build (tests/run.sh asan-integration sets SERVE_BIN and
# SERVE_SANITIZED=1 for the scripts it lists). Whatever the binary, a sanitizer report in a
# server's log fails the script at finish; with SERVE_SANITIZED the servers are first stopped
# gracefully (so shutdown runs checked too) and one TAP line says the run was clean.
SERVE_BIN=${SERVE_BIN:-$BIN/rtmp-serve}
SERVE_LOGS=()
SERVE_PIDS=()
# Leaks are not checked: tests end servers by signal. Anything else stops the server at once.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
SANITIZER_REPORT='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer'

sanitizer_check() {
  ((${#SERVE_LOGS[@]})) || return 0
  local p bad
  if [ -n "${SERVE_SANITIZED:-}" ]; then
    for p in "${SERVE_PIDS[@]}"; do stop "$p" 10; done
  fi
  bad=$(grep -lE "$SANITIZER_REPORT" "${SERVE_LOGS[@]}" 2>/dev/null)
  if [ -n "$bad" ]; then
    grep -hE -A30 "$SANITIZER_REPORT" $bad | head -n 60 >&2
    not_ok "rtmp-serve ($SERVE_BIN) reported no sanitizer error"
  elif [ -n "${SERVE_SANITIZED:-}" ]; then
    ok "rtmp-serve ($SERVE_BIN) reported no sanitizer error"
  fi
}

# start_healthy_player URL FILE [PACKETS]: publishes FILE looped to URL/s and starts a player of
# it whose framemd5 lines go to $WORK/healthy.md5 (for bit_exact); waits until the publish is
# logged and PACKETS (30) packets arrived. Sets $healthy (the player's pid). The hostile tests'
# witness that other sessions are not disturbed.
start_healthy_player() {
  local url=$1 file=$2 want=${3:-30}
  publish_loop "$file" "$url/s"
  wait_for 20 log_has "publish .*stream=live/s " || log "publisher slow to start"
  play_hashes "$url/s" "$WORK/healthy.md5"; healthy=$PLAYER_PID
  wait_for 30 at_least "$want" "$WORK/healthy.md5" || log "healthy player slow to start"
}

# start_serve [ARGS...]: rtmp-serve on a free port; sets $PORT, $SERVE_PID, $SERVE_LOG. HTTP is
# off unless ARGS give an --http-listen address (tests run side by side: none may take 8935).
start_serve() {
  PORT=$(free_port)
  SERVE_LOG=$WORK/serve-$PORT.log
  spawn "$SERVE_LOG" "$SERVE_BIN" --listen "127.0.0.1:$PORT" --http-listen "" "$@"
  SERVE_PID=$LAST_PID
  SERVE_LOGS+=("$SERVE_LOG")
  SERVE_PIDS+=("$SERVE_PID")
  wait_port "$PORT" 10 || { log "rtmp-serve did not start:"; cat "$SERVE_LOG" >&2; return 1; }
}

# publish_file FILE URL [extra ffmpeg args]: ffmpeg publishes FILE in real time, in the background.
publish_file() {
  local file=$1 url=$2; shift 2
  spawn "$WORK/publish-$(basename "$file").log" ffmpeg -hide_banner -nostdin -loglevel warning \
    -re "$@" -i "$file" -c copy -f flv "$url"
  PUBLISH_PID=$LAST_PID
}

# publish_loop FILE URL: as publish_file, looping the file forever.
publish_loop() {
  local file=$1 url=$2; shift 2
  publish_file "$file" "$url" -stream_loop -1 "$@"
}

# as_user CMD...: runs CMD as an unprivileged user (VLC refuses root).
as_user() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u nobody -- env HOME="$WORK" "$@"
  else
    "$@"
  fi
}

# ---- Helpers for the rtmp-serve tests (serve_*_test.sh) ----
TOOLS=${TOOLS:-$ROOT/build/tests/tools}
FF=(ffmpeg -hide_banner -nostdin)

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds; fails after SECONDS.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# stop PID [SECONDS]: SIGINT (ffmpeg then writes its trailer), SIGKILL after SECONDS (default 5).
stop() {
  local pid=$1 deadline=$((SECONDS + ${2:-5}))
  kill -INT "$pid" 2>/dev/null
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then kill -9 "$pid" 2>/dev/null; break; fi
    sleep 0.1
  done
  wait "$pid" 2>/dev/null
  return 0
}

# exited PID: the process is gone.
exited() { ! kill -0 "$1" 2>/dev/null; }

# play_hashes URL OUT [ffmpeg input args]: an ffmpeg player that writes one MD5 per received
# packet (framemd5) to OUT, flushed per packet; in the background, sets $PLAYER_PID.
play_hashes() {
  local url=$1 out=$2; shift 2
  spawn "$out.log" "${FF[@]}" -loglevel warning "$@" -i "$url" -c copy -f framemd5 \
    -flush_packets 1 "$out"
  PLAYER_PID=$LAST_PID
}

# file_hashes FILE OUT: the framemd5 of FILE's packets, as a player would write them.
file_hashes() { "${FF[@]}" -loglevel error -i "$1" -c copy -f framemd5 "$2"; }

# packets FRAMEMD5 [TYPE]: number of packet lines (of media type TYPE: video, audio).
packets() {
  [ -f "$1" ] || { echo 0; return; }
  hashes "$1" "${2:-}" | wc -l
}
# at_least N FRAMEMD5 [TYPE]: FRAMEMD5 has N packets or more.
at_least() { (($(packets "$2" "${3:-}") >= $1)); }

# hashes FRAMEMD5 [TYPE]: the hash column of the packets of media type TYPE (all when empty).
hashes() {
  awk -v want="${2:-}" '
    /^#media_type/ { sub(":", "", $2); type[$2] = $3; next }
    /^#/ { next }
    { n = split($0, f, ","); id = f[1] + 0; h = f[6]; gsub(/ /, "", h)
      if (want == "" || type[id] == want) print h }' "$1"
}

# keyframe_hashes FILE: MD5 of each video keyframe of FILE.
keyframe_hashes() {
  ffprobe -v error -select_streams v -show_packets -show_data_hash MD5 \
    -show_entries packet=flags,data_hash -of csv=p=0 "$1" |
    awk -F, '$1 ~ /K/ { sub("MD5:", "", $2); print $2 }'
}

# media_types FILE: "video", "audio" or both, one a line, for the streams FILE has.
media_types() { ffprobe -v error -show_entries stream=codec_type -of csv=p=0 "$1" | sort -u; }

# same_sequence REF GOT MODE KEYS [MIN]: REF and GOT list one hash a line. GOT is read from its
# first hash listed in KEYS (any line when KEYS is empty). MODE whole: from there GOT equals all of
# REF. MODE cyclic: from there GOT is a run of REF repeated (a looped publish), at least MIN
# packets long (default: as long as REF, so the whole file was seen).
same_sequence() {
  awk -v mode="$3" -v keysfile="$4" -v reffile="$1" -v min="${5:-0}" '
    BEGIN {
      if (keysfile != "") while ((getline k < keysfile) > 0) key[k] = 1
      while ((getline r < reffile) > 0) ref[++n] = r
    }
    { got[++m] = $0 }
    END {
      s = 0
      for (i = 1; i <= m; i++) if (keysfile == "" || (got[i] in key)) { s = i; break }
      if (!s) { print "no packet to start from among " m " received"; exit 1 }
      len = m - s + 1
      if (mode == "whole" || min == 0) min = n
      if (len < min) { printf "only %d packets from the first keyframe (skipped %d), want %d\n", len, s - 1, min; exit 1 }
      best = -1
      for (k = 1; k <= n; k++) {
        if (mode == "whole" && k > 1) break
        if (ref[k] != got[s]) continue
        for (i = 0; i < len; i++) {
          idx = k + i
          if (mode == "cyclic") idx = (idx - 1) % n + 1
          if (idx > n || ref[idx] != got[s + i]) break
        }
        if (i == len) { printf "%d packets equal the file from its packet %d (skipped %d)\n", len, k, s - 1; exit 0 }
        if (i > best) { best = i; bk = k }
      }
      if (best < 0) printf "the first packet (%d) matches no %s packet of the file\n", s, (mode == "whole" ? "first" : "")
      else {
        printf "packet %d of %d differs (aligned at file packet %d)", s + best, m, bk
        # Say what came instead: a later packet of the file (those between were not received),
        # an earlier one (a repeat), or one the file does not hold (altered bytes).
        e = bk + best; if (mode == "cyclic") e = (e - 1) % n + 1
        h = got[s + best]; j = 0
        for (d = 1; d < n; d++) {
          idx = e + d; if (mode == "cyclic") idx = (idx - 1) % n + 1
          if (idx > n) break
          if (ref[idx] == h) { j = idx; break }
        }
        if (j) printf ": file packet %d expected, file packet %d received: %d packet(s) of the file missing\n", e, j, d
        else {
          for (idx = 1; idx <= n; idx++) if (ref[idx] == h) break
          if (idx <= n) printf ": file packet %d expected, file packet %d received again\n", e, idx
          else printf ": file packet %d expected, received bytes that are no packet of the file\n", e
        }
      }
      exit 1
    }' "$2"
}

# bit_exact REF_FILE GOT_FRAMEMD5 MODE: for every media type of REF_FILE, the packets received
# equal the file's from the player's first keyframe on (see same_sequence for MODE; with cyclic,
# $BIT_EXACT_MIN_SECONDS sets how much must have been received instead of the whole file).
bit_exact() {
  local ref=$1 got=$2 mode=$3 t d=$WORK/bitexact.$$.$RANDOM rc=0 keys
  mkdir -p "$d"
  file_hashes "$ref" "$d/ref.md5" || return 1
  keyframe_hashes "$ref" >"$d/keys"
  for t in $(media_types "$ref"); do
    hashes "$d/ref.md5" "$t" >"$d/ref.$t"
    hashes "$got" "$t" >"$d/got.$t"
    keys=""; [ "$t" = video ] && keys=$d/keys
    local why
    local min=0
    if [ -n "${BIT_EXACT_MIN_SECONDS:-}" ]; then
      min=$(($(wc -l <"$d/ref.$t") * BIT_EXACT_MIN_SECONDS / $(duration_s "$ref")))
    fi
    why=$(same_sequence "$d/ref.$t" "$d/got.$t" "$mode" "$keys" "$min") || rc=1
    log "bit_exact $(basename "$ref") $t ($mode): $why"
  done
  return $rc
}

# duration_s FILE: whole seconds of FILE (at least 1).
duration_s() {
  local d
  d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$1")
  d=${d%.*}; echo $((${d:-1} > 0 ? ${d:-1} : 1))
}

# first_video_is_keyframe REF_FILE GOT_FRAMEMD5: the first video packet received is one of
# REF_FILE's keyframes.
first_video_is_keyframe() {
  local first
  first=$(hashes "$2" video | head -n 1)
  [ -n "$first" ] && keyframe_hashes "$1" | grep -qx "$first"
}

# rss_kb PID: resident memory of PID in KiB (VmRSS).
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# log_has REGEX: the server log has a line matching REGEX (extended regex).
log_has() { grep -Eq -- "$1" "$SERVE_LOG"; }

# now_ms: wall clock in milliseconds.
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# stream_info SRC: one sorted line per stream of SRC (file or URL): type, codec, rate, channels,
# size. What a player must see the same way for a file and for that file published.
stream_info() {
  timeout 60 ffprobe -v error -show_entries \
    stream=codec_type,codec_name,sample_rate,channels,width,height -of csv=p=0 "$1" | sort
}

# same_streams FILE SRC: ffprobe describes the streams of SRC as it describes FILE's.
same_streams() {
  local want got
  want=$(stream_info "$1"); got=$(stream_info "$2")
  log "streams of $(basename "$1"): $(echo $want) / received: $(echo $got)"
  [ -n "$want" ] && [ "$want" = "$got" ]
}

# in_parallel FUNC ARG...: runs `FUNC ARG` for every ARG at once (each in a subshell that prints
# TAP lines), then prints their output in ARG order and counts their failures. For checks that
# mostly wait on real time (live streams), so that a test takes the time of one, not of all.
in_parallel() {
  local fn=$1 a pids=() i=0; shift
  for a in "$@"; do
    ("$fn" "$a") >"$WORK/par-$i.tap" 2>"$WORK/par-$i.err" &
    pids+=($!); PIDS+=($!); i=$((i + 1))
  done
  for a in "${pids[@]}"; do wait "$a"; done
  for ((i = 0; i < $#; i++)); do
    cat "$WORK/par-$i.err" >&2
    cat "$WORK/par-$i.tap"
    N_FAILED=$((N_FAILED + $(grep -c '^not ok' "$WORK/par-$i.tap")))
  done
}
