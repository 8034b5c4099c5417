#!/usr/bin/env bash
# The storm: 2000 idle sockets and 300 slowloris handshakes (C0, then C1 a byte at a time) at
# once, held for 5 s, from 127.0.0.1 (the admission limits per address are lifted so that the
# server really serves them all), while a healthy ffmpeg player plays. The player must not be
# disturbed, the server must accept after the storm, and once the storm's sockets are closed the
# server's memory must be given back: RSS at most start + max(10 %, 4 MiB). Memory figures count on
# the release build only (ASan keeps freed memory in quarantine).
source "$(dirname "$0")/lib.sh"

PEER=$TOOLS/rtmp_peer STORM=$TOOLS/storm
[ -x "$PEER" ] && [ -x "$STORM" ] || { not_ok "rtmp_peer and storm are built"; finish; }
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(($(ulimit -n) >= 2400)) || { not_ok "ulimit -n $(ulimit -n) is too small for the storm"; finish; }
start_serve --max-connections-per-ip 0 --max-connection-rate-per-ip 0 ||
  { not_ok "rtmp-serve starts"; finish; }
URL=rtmp://127.0.0.1:$PORT/live
FILE=$FIXTURES/h264_aac.flv
start_healthy_player "$URL" "$FILE" 60
sleep 1
rss_start=$(rss_kb "$SERVE_PID")
before=$(packets "$WORK/healthy.md5")

"$STORM" 127.0.0.1 "$PORT" --idle 2000 --slow 300 --hold 5 --interval-ms 50 >"$WORK/storm.out" 2>&1 &
storm=$!; PIDS+=("$storm")
rss_peak=$rss_start
while kill -0 "$storm" 2>/dev/null; do
  r=$(rss_kb "$SERVE_PID"); ((${r:-0} > rss_peak)) && rss_peak=$r
  sleep 0.2
done
wait "$storm"; storm_rc=$?
log "storm: $(tr '\n' ' ' <"$WORK/storm.out")"
during=$(packets "$WORK/healthy.md5")
held=$(sed -n 's/^held \([0-9]*\).*/\1/p' "$WORK/storm.out")
check "the storm ran: 2300 sockets opened and held open by the server (${held:-?} at the end)" \
  test "$storm_rc" = 0 -a "${held:-0}" -ge 2250
# 5 s of a 30 fps + AAC stream is about 380 packets.
check "the healthy player was not disturbed during the storm ($before -> $during packets)" \
  test "$during" -ge $((before + 200))

# The storm's sockets are closed: memory must come back within a few seconds.
rss_after=$rss_peak
for _ in $(seq 1 30); do
  sleep 0.2
  rss_after=$(rss_kb "$SERVE_PID")
  limit=$((rss_start + (rss_start / 10 > 4096 ? rss_start / 10 : 4096)))
  ((rss_after <= limit)) && break
done
log "RSS: start $rss_start KiB, storm peak $rss_peak KiB, after $rss_after KiB (limit $limit KiB)"
check_memory "RSS returns after the storm (start $rss_start, peak $rss_peak, after $rss_after KiB <= $limit)" \
  test "$rss_after" -le "$limit"

"$PEER" 127.0.0.1 "$PORT" play --name s --timeout 3 >"$WORK/after.out" 2>&1
check "the server accepts and serves a new player after the storm" grep -q "^video" "$WORK/after.out"
after=$(packets "$WORK/healthy.md5")
check "the healthy player still plays ($during -> $after packets)" \
  test "$after" -gt "$during" -a -n "$(kill -0 "$healthy" && echo y)"
check "the server is still running" kill -0 "$SERVE_PID"
finish
