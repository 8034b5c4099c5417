#!/usr/bin/env bash
# Per-session output and queue bounds (issue 10): each attack runs for 3 s against a real
# rtmp-serve (release build, default bounds but for an 8 MiB player queue) while a healthy ffmpeg
# player plays another stream. For each: the server's VmRSS grows by less than a stated bound,
# the attacker is closed (or its effect bounded) with a log line, and the healthy player keeps
# receiving at pace. The GOP cache is bounded to 16 MiB here, so that what a 4 MiB message may
# legitimately hold in it is small next to the bounds checked. Before the fixes: pings and seeks +220-340 MB, zero-length audio +1 GB,
# pause/unpause +1.2 GB, a Speex bomb stalls everyone, references cost 4 MB a command, players
# on stream id 7 hold private copies of everything they have not read.
source "$(dirname "$0")/lib.sh"

PEER=$TOOLS/rtmp_peer
[ -x "$PEER" ] || { not_ok "rtmp_peer is built ($PEER)"; finish; }
start_serve --player-queue-max-bytes 8388608 --gop-cache-max-bytes 16777216 || { not_ok "rtmp-serve starts"; finish; }
URL=rtmp://127.0.0.1:$PORT/live
publish_loop "$FIXTURES/h264_aac.flv" "$URL/s"
wait_for 20 log_has "publish .*stream=live/s " || log "publisher slow to start"
play_hashes "$URL/s" "$WORK/healthy.md5"; healthy=$PLAYER_PID
wait_for 30 at_least 30 "$WORK/healthy.md5" || log "healthy player slow to start"

# watch SECONDS PID...: samples the server's VmRSS every 0.1 s for SECONDS (or until the PIDs
# are gone); sets MAX_GROWTH_KB (max minus the value at the start) and HEALTHY_GOT (packets the
# healthy player received meanwhile).
watch() {
  local secs=$1 rss0 r max=0 before end; shift
  rss0=$(rss_kb "$SERVE_PID"); before=$(packets "$WORK/healthy.md5")
  end=$(($(now_ms) + secs * 1000))
  while (($(now_ms) < end)); do
    r=$(rss_kb "$SERVE_PID"); ((${r:-0} > max)) && max=$r
    sleep 0.1
  done
  MAX_GROWTH_KB=$((max - rss0))
  HEALTHY_GOT=$(($(packets "$WORK/healthy.md5") - before))
}
# h264_aac.flv is 72 packets a second: 216 in 3 s. At pace means at least half of it.
PACE=108

# attack NAME MB MODE ARGS...: rtmp_peer MODE for 3 s; RSS grows by less than MB; the healthy
# player keeps its pace. Sets PEER_RC, PEER_OUT and PEER_ADDR for the checks that follow.
attack() {
  local name=$1 mb=$2 mode=$3 pid; shift 3
  PEER_OUT=$WORK/peer-$mode.out
  "$PEER" 127.0.0.1 "$PORT" "$mode" --timeout 3 "$@" >"$PEER_OUT" 2>&1 &
  pid=$!; PIDS+=("$pid")
  watch 3
  wait "$pid"; PEER_RC=$?
  PEER_ADDR=$(sed -n 's/^local //p' "$PEER_OUT")
  log "$name: $(tr '\n' ' ' <"$PEER_OUT") rc=$PEER_RC; VmRSS +$((MAX_GROWTH_KB / 1024)) MB; healthy +$HEALTHY_GOT packets"
  check_memory "$name: server VmRSS grows by less than $mb MB (+$((MAX_GROWTH_KB / 1024)) MB)" \
    test "$MAX_GROWTH_KB" -lt $((mb * 1024))
  check "$name: the healthy player keeps its pace ($HEALTHY_GOT packets in 3 s, >= $PACE)" \
    test "$HEALTHY_GOT" -ge "$PACE"
}
# closed_with REGEX: the attacker was closed by the server, which logged its address and why.
closed_with() {
  check "$name: the server closed the attacker (rtmp_peer exit $PEER_RC)" test "$PEER_RC" = 0
  wait_for 3 log_has "peer=$PEER_ADDR .*reason=.*($1)"
  check "$name: logged for $PEER_ADDR with the reason /$1/" log_has "peer=$PEER_ADDR .*reason=.*($1)"
}

name="ping and seek flood, replies never read"
attack "$name" 20 reply-flood
closed_with "does not read its replies|rate"

name="keyframe then zero-length audio"
attack "$name" 30 empty-audio --name e
check "$name: logged as dropped media" log_has "media too short for its tag header.*peer=$PEER_ADDR"
lines=$(grep -c "media too short for its tag header.*peer=$PEER_ADDR " "$SERVE_LOG")
check "$name: at most a line a second ($lines lines)" test "$lines" -le 5

name="pause/unpause flood, never reading"
attack "$name" 30 pause-flood --name s
closed_with "does not read its replies|headers|rate"

name="every frame a header, a stalled player behind it"
spawn "$WORK/hdr-slow.out" "$PEER" 127.0.0.1 "$PORT" slow-play --name hdr --timeout 10
hdr_slow=$LAST_PID
attack "$name" 30 header-publisher --name hdr
hdr_addr=$(sed -n 's/^local //p' "$WORK/hdr-slow.out")
log "$name: stalled player $(tr '\n' ' ' <"$WORK/hdr-slow.out")"
check "$name: the stalled player is closed, not grown ($hdr_addr)" \
  log_has "peer=$hdr_addr .*reason=.*player too slow for the stream's headers"
stop "$hdr_slow" 1

name="4 MiB Speex zero message, a suppress_sound player"
spawn "$WORK/speex-play.out" "$PEER" 127.0.0.1 "$PORT" play --name "sp?suppress_sound=true" --timeout 6
sp_player=$LAST_PID
wait_for 5 log_has "play .*stream=live/sp .*suppress_sound=true"
attack "$name" 40 speex-bomb --name sp
check "$name: dropped for the silenced player, with a log line" \
  log_has "suppress_sound: cannot make silence.*stream=live/sp"
stop "$sp_player" 1

name="onMetaData of 100 KB"
spawn "$WORK/meta-play.out" "$PEER" 127.0.0.1 "$PORT" play --name meta --timeout 4
meta_player=$LAST_PID
attack "$name" 20 big-metadata --name meta
check "$name: dropped with a log line" \
  log_has "metadata larger than max_metadata_size, dropped.*peer=$PEER_ADDR"
wait "$meta_player"
check "$name: the player got no onMetaData, and the keyframe" \
  bash -c "! grep -q '^data onMetaData' '$WORK/meta-play.out' && grep -q '^video .* key' '$WORK/meta-play.out'"

name="AMF0 reference bomb (14 KB commands, 3.9 MB expanded)"
attack "$name" 20 amf-ref-bomb
closed_with "references"

name="stalled players on stream id 7 of an 80 Mbit/s stream"
spawn "$WORK/fat-pub.out" "$PEER" 127.0.0.1 "$PORT" fat-publisher --name fat --timeout 8
fat_pub=$LAST_PID
wait_for 5 log_has "publish .*stream=live/fat " || log "fat publisher slow to start"
sid_players=()
for i in 1 2 3 4 5 6; do
  spawn "$WORK/sid7-$i.out" "$PEER" 127.0.0.1 "$PORT" slow-play --name fat --stream-id 7 --timeout 5
  sid_players+=("$LAST_PID")
done
spawn "$WORK/sid7-play.out" "$PEER" 127.0.0.1 "$PORT" play --name fat --stream-id 7 --timeout 3
sid_play=$LAST_PID
watch 3
log "$name: VmRSS +$((MAX_GROWTH_KB / 1024)) MB; stalled: $(cat "$WORK"/sid7-[1-6].out | tr '\n' ' ')"
# Six queues of 8 MiB: 48 MB as private copies, about one queue's worth when shared.
check_memory "$name: server VmRSS grows by less than 30 MB (+$((MAX_GROWTH_KB / 1024)) MB)" \
  test "$MAX_GROWTH_KB" -lt 30720
check "$name: the healthy player keeps its pace ($HEALTHY_GOT packets in 3 s, >= $PACE)" \
  test "$HEALTHY_GOT" -ge "$PACE"
wait "$sid_play"
frames=$(grep -c '^video .* sid=7$' "$WORK/sid7-play.out")
check "$name: a reading player on stream id 7 gets its frames on stream id 7 ($frames)" \
  test "$frames" -ge 20 -a "$(grep -c '^video .* sid=' "$WORK/sid7-play.out")" = "$frames"
for p in "${sid_players[@]}"; do stop "$p" 1; done
stop "$fat_pub" 1

before=$(packets "$WORK/healthy.md5")
wait_for 10 at_least $((before + 100)) "$WORK/healthy.md5"
check "after all of them the healthy player still plays" \
  test "$(packets "$WORK/healthy.md5")" -ge $((before + 100))
check "the server is still running" kill -0 "$SERVE_PID"
stop "$healthy"
finish
