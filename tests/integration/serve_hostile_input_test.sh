#!/usr/bin/env bash
# Peer bytes are data: hostile command names and stream names against rtmp-serve while a healthy
# ffmpeg player plays. A command named 0xFF (invalid UTF-8) once aborted the server from its log
# formatter; CR/LF/ESC reached the log raw; a 16 MiB name became a 16 MiB log line; `play` of a
# live stream then a second `connect` in one segment made the server flush a freed session.
# Each peer is closed, the log line about it is escaped and capped, the server survives (and,
# in the sanitizer run, reports nothing), and the healthy player keeps receiving.
source "$(dirname "$0")/lib.sh"

PEER=$TOOLS/rtmp_peer
[ -x "$PEER" ] || { not_ok "rtmp_peer is built ($PEER)"; finish; }
start_serve || { not_ok "rtmp-serve starts"; finish; }
URL=rtmp://127.0.0.1:$PORT/live
FILE=$FIXTURES/h264_aac.flv
start_healthy_player "$URL" "$FILE"

# peer NAME REASON_REGEX MODE [ARGS]: rtmp_peer MODE is closed by the server within 10 s, the
# server still runs, a log line names the peer with a reason matching REASON_REGEX, and the
# healthy player received packets meanwhile.
peer() {
  local name=$1 reason=$2 mode=$3 out=$WORK/peer-$RANDOM.out before after rc local_addr; shift 3
  before=$(packets "$WORK/healthy.md5")
  "$PEER" 127.0.0.1 "$PORT" "$mode" --timeout 10 "$@" >"$out" 2>&1
  rc=$?
  LAST_OUT=$out
  local_addr=$(sed -n 's/^local //p' "$out")
  log "$name: $(tr '\n' ' ' <"$out" | cut -c1-300)"
  check "$name: the server closes the connection (rtmp_peer exit $rc)" test "$rc" = 0
  check "$name: the server is still running" kill -0 "$SERVE_PID"
  wait_for 5 log_has "peer=$local_addr .*reason=.*($reason)"
  check "$name: logged with the peer $local_addr and the reason /$reason/" \
    log_has "peer=$local_addr .*reason=.*($reason)"
  LAST_LINE=$(grep -a -- "peer=$local_addr " "$SERVE_LOG" | grep -a "session closed" | tail -n 1)
  wait_for 10 at_least $((before + 10)) "$WORK/healthy.md5"
  after=$(packets "$WORK/healthy.md5")
  check "$name: the healthy player kept receiving ($before -> $after packets)" \
    test "$after" -ge $((before + 10))
}

peer "command named 0xFF" "before connect" command-name --command-hex ff
check "the 0xFF byte is logged escaped (\\xff)" grep -qF "command '\\xff' before connect" <<<"$LAST_LINE"

peer "command name with CR, LF and ESC" "before connect" command-name \
  --command-hex 610d0a46414b45206c696e651b5b33316d
check "CR, LF and ESC are logged escaped" \
  grep -qF 'a\r\nFAKE line\x1b[31m' <<<"$LAST_LINE"

peer "16 MiB command name" "before connect" command-name --command-hex 41 --command-size 16000000
check "the 16 MiB name is cut in the log line (${#LAST_LINE} bytes)" \
  test "${#LAST_LINE}" -lt 2000 -a -n "$(grep -F 'bytes cut]' <<<"$LAST_LINE")"

peer "play of a live stream, then a second connect, in one segment" "second connect" \
  play-connect --name s
check "the second connect is refused with _error" grep -qx "command _error" "$LAST_OUT"
check "the play had started before it" grep -qx "status NetStream.Play.Start" "$LAST_OUT"

# The JSON log format: the same name is valid JSON with U+FFFD in its place.
HUMAN_LOG=$SERVE_LOG HUMAN_PORT=$PORT HUMAN_PID=$SERVE_PID
if start_serve --log-format json; then
  "$PEER" 127.0.0.1 "$PORT" command-name --command-hex ff --timeout 10 >"$WORK/json-ff.out" 2>&1
  wait_for 5 log_has '"msg":"session closed"'
  check "JSON log: the 0xFF name is logged as U+FFFD" \
    grep -qF $'"reason":"command \'\xef\xbf\xbd\' before connect"' "$SERVE_LOG"
  check "JSON log: the server is still running" kill -0 "$SERVE_PID"
  stop "$SERVE_PID"
else
  not_ok "rtmp-serve --log-format json starts"
fi
SERVE_LOG=$HUMAN_LOG PORT=$HUMAN_PORT SERVE_PID=$HUMAN_PID

check "the log holds no raw control byte but newlines" \
  test "$(tr -d '\n' <"$SERVE_LOG" | LC_ALL=C grep -c $'[\x01-\x1f\x7f]')" = 0
longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$SERVE_LOG")
check "no log line is longer than 4 KiB (longest: $longest bytes)" test "$longest" -lt 4096

before=$(packets "$WORK/healthy.md5")
wait_for 15 at_least $((before + 30)) "$WORK/healthy.md5"
check "after all of them the healthy player still plays" \
  test "$(packets "$WORK/healthy.md5")" -ge $((before + 30)) -a -n "$(kill -0 "$healthy" && echo y)"
check "the server is still running at the end" kill -0 "$SERVE_PID"
stop "$healthy"
finish
