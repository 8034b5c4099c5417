#!/usr/bin/env bash
# rtmp-serve stream lifecycle with real clients:
# - the publisher stops and starts again: players stay connected and get both periods
#   (an ffmpeg player as the issue asks, and rtmp_peer, which shows what the server sent);
# - a second publisher of a live name is refused (NetStream.Publish.BadName) and the first goes on;
# - SIGTERM: the server exits 0 and its players get their end (ffmpeg exits).
source "$(dirname "$0")/lib.sh"

start_serve || { not_ok "rtmp-serve starts"; finish; }
URL=rtmp://127.0.0.1:$PORT/live
FILE=$FIXTURES/h264_aac.flv
PEER=$TOOLS/rtmp_peer
[ -x "$PEER" ] || { not_ok "rtmp_peer is built ($PEER)"; finish; }

publish_loop "$FILE" "$URL/r"; pub1=$PUBLISH_PID
wait_for 20 log_has "publish .*stream=live/r " || log "publisher slow to start"
play_hashes "$URL/r" "$WORK/ff.md5"; ff=$PLAYER_PID
spawn "$WORK/peer.out" "$PEER" 127.0.0.1 "$PORT" play --name r --timeout 120; peer=$LAST_PID
wait_for 30 at_least 90 "$WORK/ff.md5" || log "ffmpeg player slow: $(packets "$WORK/ff.md5")"
before=$(packets "$WORK/ff.md5")

# --- First period ends.
stop "$pub1"
wait_for 20 log_has "unpublish .*stream=live/r" || log "no unpublish logged"
sleep 2  # a gap without a publisher: players must just wait
check "restart: the ffmpeg player is still connected with no publisher" kill -0 "$ff"
check "restart: rtmp_peer got StreamEOF and NetStream.Play.UnpublishNotify" \
  grep -q "status NetStream.Play.UnpublishNotify" "$WORK/peer.out"

# --- Second period.
publish_loop "$FILE" "$URL/r"; pub2=$PUBLISH_PID
grew_or_gone() { at_least "$1" "$2" || exited "$3"; }
wait_for 30 grew_or_gone $((before + 90)) "$WORK/ff.md5" "$ff"
after=$(packets "$WORK/ff.md5")
alive=no; kill -0 "$ff" 2>/dev/null && alive=yes
log "ffmpeg player: $before packets before the restart, $after in all, running: $alive"
check "restart: the ffmpeg player receives packets from both periods, no exit between" \
  test "$after" -ge $((before + 90)) -a "$alive" = yes
# After PublishNotify: the new sequence headers, then video from a keyframe, then media flows.
second_period_ok() {
  awk '/status NetStream.Play.PublishNotify/ { on = 1; next }
       on && /^video .* header$/ { vh = 1 }
       on && /^video / && !/header$/ && !first { first = $4 }
       on && /^video / { n++ }
       END { printf "after PublishNotify: video header %d, first frame %s, %d video messages\n",
               vh, first, n > "/dev/stderr"; exit !(vh && first == "key" && n >= 60) }' "$1"
}
wait_for 30 second_period_ok "$WORK/peer.out" 2>/dev/null
check "restart: rtmp_peer gets PublishNotify, new headers, a keyframe first, then media" \
  second_period_ok "$WORK/peer.out"
check "restart: rtmp_peer got media before the restart too" \
  bash -c "sed '/UnpublishNotify/q' '$WORK/peer.out' | grep -c '^video .* key' >/dev/null"

# --- A second publisher of the same name is refused; the first goes on.
timeout 30 "${FF[@]}" -loglevel info -re -i "$FILE" -c copy -f flv "$URL/r" >"$WORK/second.log" 2>&1
rc=$?
log "second publisher: exit $rc; $(grep -iE 'error|badname|already' "$WORK/second.log" | head -3)"
check "conflict: a second publisher of live/r fails (ffmpeg exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "conflict: the server logs the refusal with NetStream.Publish.BadName or the reason" \
  bash -c "grep -iE 'BadName|already|in use|conflict' '$SERVE_LOG' >&2"
peer_video() { grep -c '^video ' "$WORK/peer.out"; }
peer_grew() { (($(peer_video) >= $1)); }
n1=$(peer_video)
check "conflict: the first publisher goes on" kill -0 "$pub2"
check "conflict: its player keeps receiving (rtmp_peer: 60 more video messages)" \
  wait_for 20 peer_grew $((n1 + 60))

# --- SIGTERM: exit 0, players get their end.
play_hashes "$URL/r" "$WORK/ff2.md5"; ff2=$PLAYER_PID
wait_for 30 at_least 30 "$WORK/ff2.md5" || log "second ffmpeg player slow"

kill -TERM "$SERVE_PID"
wait_for 15 exited "$SERVE_PID"
wait "$SERVE_PID"; rc=$?
check "sigterm: rtmp-serve exits with status 0 (got $rc)" test "$rc" = 0
check "sigterm: the ffmpeg player (with $(packets "$WORK/ff2.md5") packets) ends" \
  wait_for 15 exited "$ff2"
check "sigterm: rtmp_peer is closed by the server" wait_for 15 grep -q 'closed by server' "$WORK/peer.out"
check "sigterm: rtmp_peer got NetStream.Play.Stop first" grep -q 'status NetStream.Play.Stop' "$WORK/peer.out"
check "sigterm: the server logged its stop" log_has "info stopped"
finish
