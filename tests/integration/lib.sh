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
}
trap cleanup EXIT

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; N_FAILED=$((N_FAILED + 1)); }
# check NAME CMD...: runs CMD, passes when it exits 0. Its output goes to stderr for debugging.
check() {
  local name=$1; shift
  if "$@" >&2; then ok "$name"; else not_ok "$name"; fi
}
finish() { exit $((N_FAILED > 0)); }
log() { echo "# $*" >&2; }

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
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

# start_serve [ARGS...]: rtmp-serve on a free port; sets $PORT, $SERVE_PID, $SERVE_LOG.
start_serve() {
  PORT=$(free_port)
  SERVE_LOG=$WORK/serve-$PORT.log
  spawn "$SERVE_LOG" "$BIN/rtmp-serve" --listen "127.0.0.1:$PORT" "$@"
  SERVE_PID=$LAST_PID
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
