#!/usr/bin/env bash
# Slow players do not hurt a fast one: two players stop reading (rtmp_peer, which stalls after
# 64 KiB with a 4 KiB receive buffer, and rtmpdump frozen with SIGSTOP) while an ffmpeg player
# reads a ~35 Mbit/s 1080p stream. The fast player keeps its pace and gets every packet bit-exact; the
# server's memory stays bounded (VmRSS < 200 MB, and it grows by less than 40 MB with 8 MiB player
# queues, where keeping the 14 s would take 56 MB even shared by reference, 112 MB copied) while
# the slow ones are stuck; the server logs
# the drops for the slow players, never for the fast one.
source "$(dirname "$0")/lib.sh"

PEER=$TOOLS/rtmp_peer
[ -x "$PEER" ] || { not_ok "rtmp_peer is built ($PEER)"; finish; }
hd=$WORK/hd.flv
"${FF[@]}" -v error -f lavfi -i testsrc2=size=1920x1080:rate=30 -f lavfi -i sine=f=440:r=44100 \
  -t 4 -c:v libx264 -preset ultrafast -g 30 -qp 6 -pix_fmt yuv420p -c:a aac -b:a 64k -ac 2 \
  -f flv "$hd" 2>&1 >&2
log "test stream: $(($(stat -c %s "$hd") * 2 / 1000000)) Mbit/s"

# The queue bound is set here, not left to the default, so that the bound tested is known.
start_serve --player-queue-max-bytes 8388608 --player-queue-max-time 10s ||
  { not_ok "rtmp-serve starts"; finish; }
URL=rtmp://127.0.0.1:$PORT/live
publish_loop "$hd" "$URL/h"
wait_for 20 log_has "publish .*stream=live/h " || log "publisher slow to start"
play_hashes "$URL/h" "$WORK/fast.md5"; fast=$PLAYER_PID
wait_for 20 log_has "play .*stream=live/h " || log "fast player slow to start"
fast_session=$(grep -m1 "play .*stream=live/h " "$SERVE_LOG" | sed 's/.*session=\([0-9]*\).*/\1/')

spawn "$WORK/slow-peer.out" "$PEER" 127.0.0.1 "$PORT" slow-play --name h --timeout 20
slow_peer=$LAST_PID
spawn "$WORK/rtmpdump.log" rtmpdump -q -r "$URL/h" --live -o "$WORK/slow.flv"
dump=$LAST_PID
wait_for 20 grep -q stalled "$WORK/slow-peer.out"
wait_for 20 test -s "$WORK/slow.flv"
kill -STOP "$dump"
slow_addr=$(sed -n 's/^local //p' "$WORK/slow-peer.out")
log "slow players: rtmp_peer $slow_addr ($(tail -n 1 "$WORK/slow-peer.out")), rtmpdump stopped"

# 14 s with both slow players stuck: sample the server's memory twice a second.
start=$(packets "$WORK/fast.md5" video)
rss0=$(rss_kb "$SERVE_PID"); max_rss=0
t_end=$((SECONDS + 14))
while ((SECONDS < t_end)); do
  r=$(rss_kb "$SERVE_PID"); ((${r:-0} > max_rss)) && max_rss=$r
  sleep 0.5
done
got=$(($(packets "$WORK/fast.md5" video) - start))
log "fast player: $got video packets in 14 s; server VmRSS $((rss0 / 1024)) MB, max $((max_rss / 1024)) MB"
# 30 fps: 420 in 14 s; allow for a slow start of the sampling and a loaded machine.
check "the fast player keeps its pace ($got video packets in 14 s, >= 330)" test "$got" -ge 330
check "server memory stays bounded with two stuck players (max VmRSS $((max_rss / 1024)) MB < 200)" \
  test "$max_rss" -gt 0 -a "$max_rss" -lt 204800
check "server memory grows by less than 40 MB ($(((max_rss - rss0) / 1024)) MB)" \
  test $((max_rss - rss0)) -lt 40960
check "the server logs drops for the stuck rtmp_peer ($slow_addr)" \
  log_has "player too slow, dropping messages .*peer=$slow_addr"
check "the server logs drops for two stuck players" \
  test "$(grep 'player too slow' "$SERVE_LOG" | sed 's/.*session=\([0-9]*\).*/\1/' | sort -u | wc -l)" -ge 2
check "no drop for the fast player (session $fast_session)" \
  bash -c "! grep -E 'player too slow.* session=$fast_session ' '$SERVE_LOG' >&2"

stop "$fast"
check "the fast player got every packet bit-exact from its first keyframe (>= 12 s)" \
  env BIT_EXACT_MIN_SECONDS=12 bash -c "source '$ROOT/tests/integration/lib.sh'; \
    bit_exact '$hd' '$WORK/fast.md5' cyclic"
kill -CONT "$dump"; stop "$dump"; stop "$slow_peer"
wait_for 10 log_has "session closed .*peer=$slow_addr .*dropped_messages=[1-9]"
check "closing the stuck rtmp_peer logs how many messages it lost" \
  log_has "session closed .*peer=$slow_addr .*dropped_messages=[1-9]"
check "the server is still running" kill -0 "$SERVE_PID"
finish
