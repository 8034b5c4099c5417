#!/usr/bin/env bash
# Hostile peers against rtmp-serve while a healthy ffmpeg player plays: a bad C0, Set Chunk Size 0,
# Set Chunk Size 0x7FFFFFFF then a message declaring 0xFFFFFF bytes (the largest 24-bit length;
# the server runs with --max-message-size 1 MiB so that it is over the limit: RTMP cannot declare
# more than 16 MiB - 1), an AMF nesting bomb in connect, and a handshake that never finishes
# (--handshake-timeout 2s). Each is closed by the server and logged with its peer address and the
# reason; the healthy player keeps receiving during and after, and what it got is bit-exact.
source "$(dirname "$0")/lib.sh"

PEER=$TOOLS/rtmp_peer
[ -x "$PEER" ] || { not_ok "rtmp_peer is built ($PEER)"; finish; }
start_serve --handshake-timeout 2s --max-message-size 1048576 ||
  { not_ok "rtmp-serve starts"; finish; }
URL=rtmp://127.0.0.1:$PORT/live
FILE=$FIXTURES/h264_aac.flv
start_healthy_player "$URL" "$FILE"

# hostile NAME MODE REASON_REGEX [ARGS]: rtmp_peer MODE must be closed by the server within 10 s,
# the log must name its address with a reason matching REASON_REGEX, and the healthy player must
# have received packets meanwhile.
hostile() {
  local name=$1 mode=$2 reason=$3 out=$WORK/peer-$2.out before after rc local_addr; shift 3
  before=$(packets "$WORK/healthy.md5")
  "$PEER" 127.0.0.1 "$PORT" "$mode" --timeout 10 "$@" >"$out" 2>&1
  rc=$?
  local_addr=$(sed -n 's/^local //p' "$out")
  log "$name: $(tr '\n' ' ' <"$out")"
  check "$name: the server closes the connection (rtmp_peer exit $rc)" test "$rc" = 0
  wait_for 5 log_has "peer=$local_addr .*reason=.*($reason)"
  check "$name: logged with the peer $local_addr and the reason /$reason/" \
    log_has "peer=$local_addr .*reason=.*($reason)"
  wait_for 10 at_least $((before + 10)) "$WORK/healthy.md5"
  after=$(packets "$WORK/healthy.md5")
  check "$name: the healthy player kept receiving ($before -> $after packets)" \
    test "$after" -ge $((before + 10))
}

hostile "bad C0 (0x06)" bad-c0 "version|handshake"
hostile "Set Chunk Size 0" chunk-size-0 "chunk size"
hostile "chunk size 0x7FFFFFFF + 0xFFFFFF-byte message" huge-message "too large|message size"
hostile "AMF nesting bomb in connect (100000 deep)" amf-bomb "nested|deep|AMF" --depth 100000
hostile "handshake never finished (2 s timeout)" stall-handshake "handshake"
# The timeout must be the one configured: not much sooner, not much later than 2 s.
ms=$(sed -n 's/^closed by server after \([0-9]*\) ms.*/\1/p' "$WORK/peer-stall-handshake.out")
check "stalled handshake closed after about 2 s (${ms:-?} ms)" \
  test "${ms:-0}" -ge 1500 -a "${ms:-99999}" -le 6000

before=$(packets "$WORK/healthy.md5")
wait_for 15 at_least $((before + 60)) "$WORK/healthy.md5"
check "after all of them the healthy player still plays" \
  test "$(packets "$WORK/healthy.md5")" -ge $((before + 60)) -a -n "$(kill -0 "$healthy" && echo y)"
check "the server is still running" kill -0 "$SERVE_PID"
stop "$healthy"
check "what the healthy player got is bit-exact from its first keyframe" \
  env BIT_EXACT_MIN_SECONDS=4 bash -c "source '$ROOT/tests/integration/lib.sh'; \
    bit_exact '$FILE' '$WORK/healthy.md5' cyclic"
finish
