#!/usr/bin/env bash
# rtmp-serve with real clients: ffmpeg publishes each fixture (looped); ffprobe on the played URL
# sees the streams ffprobe sees in the file; ffmpeg decodes what it plays without one error;
# rtmpdump saves an FLV that ffprobe reads with the same streams and a fair number of packets.
source "$(dirname "$0")/lib.sh"

FIXTURE_NAMES=(h264_aac h264_pcma h264_pcmu h264_speex h264_only aac_only)
start_serve || { not_ok "rtmp-serve starts"; finish; }
URL=rtmp://127.0.0.1:$PORT/live

PUBLISHERS=()
for f in "${FIXTURE_NAMES[@]}"; do
  publish_loop "$FIXTURES/$f.flv" "$URL/$f"; PUBLISHERS+=("$PUBLISH_PID")
done
wait_for 20 log_has "publish .*stream=live/aac_only" || log "publishers slow to start"

# ffmpeg's decoder over the received stream for 3 s of media: any decode error fails (-xerror),
# so does any line on stderr. The decoded frames keep millisecond timestamps: in ffmpeg's default
# 1/30 s output time base, a player that joins where audio starts 17 ms after the keyframe gets
# frames 50 and 83 ms after the start both rounded to frame 2, and the null muxer prints "non
# monotonically increasing dts" (a file recorded from the stream with -c copy does the same).
decodes_clean() { # URL ERRFILE
  timeout 60 "${FF[@]}" -v error -xerror -i "$1" -t 3 -enc_time_base:v 1:1000 -f null - \
    2>"$2" || return 1
  [ ! -s "$2" ] || { cat "$2" >&2; return 1; }
}
# packets_of FILE TYPE: number of packets of that media type ffprobe reads in FILE.
packets_of() {
  ffprobe -v error -select_streams "${2:0:1}" -count_packets -show_entries stream=nb_read_packets \
    -of csv=p=0 "$1" 2>/dev/null | head -n 1
}
# dump_ok FIXTURE DUMP: the rtmpdump FLV has the fixture's streams, each with packets for at least
# 1.5 s (the fixtures are 4 s long; rtmpdump runs for 5).
dump_ok() {
  local fixture=$1 dump=$2 t n min
  [ -s "$dump" ] || { log "rtmpdump wrote nothing"; return 1; }
  same_streams "$fixture" "$dump" || return 1
  for t in $(media_types "$fixture"); do
    n=$(packets_of "$dump" "$t")
    min=$(($(packets_of "$fixture" "$t") * 3 / 8))
    log "rtmpdump $(basename "$fixture"): $t packets $n (want >= $min)"
    ((${n:-0} >= min)) || return 1
  done
}

# The checks of one fixture; the six run at once (each waits on a live stream, not the CPU).
fixture_checks() {
  local f=$1 file=$FIXTURES/$1.flv dump_pid
  check "$f: ffprobe on the played URL reports the file's streams" same_streams "$file" "$URL/$f"
  # rtmpdump runs while ffmpeg decodes: both take about 4 s.
  spawn "$WORK/rtmpdump-$f.log" timeout -s INT 5 rtmpdump -q -r "$URL/$f" --live -o "$WORK/dump-$f.flv"
  dump_pid=$LAST_PID
  check "$f: ffmpeg decodes 3 s of the played stream with no error" \
    decodes_clean "$URL/$f" "$WORK/decode-$f.err"
  wait_for 20 exited "$dump_pid"; stop "$dump_pid"
  check "$f: rtmpdump saves a playable FLV with the same streams" dump_ok "$file" "$WORK/dump-$f.flv"
}
in_parallel fixture_checks "${FIXTURE_NAMES[@]}"

check "every publisher is still running" bash -c "kill -0 ${PUBLISHERS[*]}"
# Players on 127.0.0.1 that read as fast as the stream comes must never be dropped from.
# The name carries the first such line: a CI log holds check names, not the server's log.
first_warning=$(grep -m1 -E ' (warn|error) ' "$SERVE_LOG" | cut -c1-300)
check "no player was dropped from, no warning or error logged (${first_warning:-none})" \
  test -z "$first_warning"
finish
