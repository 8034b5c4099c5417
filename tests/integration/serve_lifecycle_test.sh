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

# --- First period ends; a new publisher comes back within unpublish_notify_delay (5 s), as
# OBS's auto-reconnect or a restarted ffmpeg does: players just continue.
stop "$pub1"
wait_for 20 log_has "unpublish .*stream=live/r" || log "no unpublish logged"
sleep 2  # a gap without a publisher: players must just wait
check "restart: the ffmpeg player is still connected with no publisher" kill -0 "$ff"
check "restart: within unpublish_notify_delay nobody is told the stream stopped" \
  bash -c "! grep -q 'status NetStream.Play.UnpublishNotify' '$WORK/peer.out'"

# --- Second period.
peer_lines_before=$(wc -l <"$WORK/peer.out")
publish_loop "$FILE" "$URL/r"; pub2=$PUBLISH_PID
grew_or_gone() { at_least "$1" "$2" || exited "$3"; }
wait_for 30 grew_or_gone $((before + 90)) "$WORK/ff.md5" "$ff"
after=$(packets "$WORK/ff.md5")
alive=no; kill -0 "$ff" 2>/dev/null && alive=yes
log "ffmpeg player: $before packets before the restart, $after in all, running: $alive"
check "restart: the ffmpeg player receives packets from both periods, no exit between" \
  test "$after" -ge $((before + 90)) -a "$alive" = yes
# After the restart: the new sequence headers, then video from a keyframe, then media flows.
# MARK is the line after which to look (PublishNotify when the player was told of the stop).
second_period_ok() {
  awk -v mark="$2" '
       !on && (mark == "" ? /^video .* header$/ : $0 ~ mark) { on = 1; if (mark != "") next }
       on && /^video .* header$/ { vh = 1 }
       on && /^video / && !/header$/ && !first { first = $4 }
       on && /^video / { n++ }
       END { printf "after the restart: video header %d, first frame %s, %d video messages\n",
               vh, first, n > "/dev/stderr"; exit !(vh && first == "key" && n >= 60) }' \
    <(if [ -n "$3" ]; then sed -n "/$3/,\$p" "$1"; else cat "$1"; fi)
}
second_after_restart() { # what rtmp_peer got after the restart began
  tail -n +$((peer_lines_before + 1)) "$WORK/peer.out" >"$WORK/peer2.out"
  second_period_ok "$WORK/peer2.out" "" ""
}
wait_for 30 second_after_restart 2>/dev/null
check "restart: rtmp_peer gets the new headers, a keyframe first, then media" second_after_restart
check "restart: rtmp_peer got media before the restart too" \
  bash -c "grep -c '^video .* key' '$WORK/peer.out' >/dev/null"

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

# --- unpublish_notify_delay 0: players are told at once (StreamEOF + UnpublishNotify) and stay;
# on the next publish they get PublishNotify, headers and a keyframe. ffmpeg ends on the notify.
start_serve --unpublish-notify-delay 0 || { not_ok "rtmp-serve starts"; finish; }
URL=rtmp://127.0.0.1:$PORT/live
publish_loop "$FILE" "$URL/n"; pub3=$PUBLISH_PID
wait_for 20 log_has "publish .*stream=live/n " || log "publisher slow to start"
spawn "$WORK/peer3.out" "$PEER" 127.0.0.1 "$PORT" play --name n --timeout 120; peer3=$LAST_PID
play_hashes "$URL/n" "$WORK/ff3.md5"; ff3=$PLAYER_PID
wait_for 30 at_least 60 "$WORK/ff3.md5" || log "ffmpeg player slow"
stop "$pub3"
check "no delay: rtmp_peer gets StreamEOF and NetStream.Play.UnpublishNotify at once" \
  wait_for 5 grep -q "status NetStream.Play.UnpublishNotify" "$WORK/peer3.out"
check "no delay: ffmpeg ends playback on UnpublishNotify (its documented behaviour)" \
  wait_for 10 exited "$ff3"
check "no delay: rtmp_peer stays connected" kill -0 "$peer3"
publish_loop "$FILE" "$URL/n"
wait_for 30 second_period_ok "$WORK/peer3.out" "status NetStream.Play.PublishNotify" "UnpublishNotify" 2>/dev/null
check "no delay: after PublishNotify come new headers, a keyframe first, then media" \
  second_period_ok "$WORK/peer3.out" "status NetStream.Play.PublishNotify" "UnpublishNotify"
finish
