#!/usr/bin/env bash
# GStreamer (rtmp2sink / rtmp2src, gst-launch-1.0) against rtmp-serve:
# - rtmp2sink publishes the fixture: ffprobe and an ffmpeg player see it as the file, and the
#   server takes GStreamer's FCUnpublish/deleteStream (stream name as argument) as a clean unpublish;
# - rtmp2src plays what ffmpeg publishes: the FLV it writes has the file's streams and packets;
# - rtmp2src started before its publisher ends by itself (EOS) when the publisher leaves.
source "$(dirname "$0")/lib.sh"

command -v gst-launch-1.0 >/dev/null || { not_ok "gst-launch-1.0 is installed (scripts/deps.sh)"; finish; }
for e in rtmp2sink rtmp2src flvmux flvdemux h264parse aacparse; do
  gst-inspect-1.0 "$e" >/dev/null 2>&1 || { not_ok "GStreamer element $e is installed"; finish; }
done

# free_port's pick can collide with another client's ephemeral port on a busy machine: retry.
started=no
for _ in 1 2 3; do start_serve --log-level debug && { started=yes; break; }; done
[ "$started" = yes ] || { not_ok "rtmp-serve starts"; finish; }
URL=rtmp://127.0.0.1:$PORT/live
FILE=$FIXTURES/h264_aac.flv
# Enough GStreamer RTMP debug output to see the commands each side sent when a check fails.
export GST_DEBUG=rtmpclient:5,rtmpconnection:5,rtmpamf:5,rtmp2src:5,rtmp2sink:5 GST_DEBUG_NO_COLOR=1

# gst_exit PID SECONDS: waits up to SECONDS for gst-launch PID to end by itself and sets GST_RC to
# its exit status, or to "timeout" (then it is stopped: SIGINT, which -e turns into EOS, then KILL).
gst_exit() {
  if wait_for "$2" exited "$1"; then
    wait "$1"; GST_RC=$?
  else
    stop "$1" 10; GST_RC=timeout
  fi
}
# players_waiting NAME N: N players of live/NAME wait for their publisher.
players_waiting() { (($(grep -cE "info play .*stream=live/$1 .*waiting=yes" "$SERVE_LOG") >= $2)); }
# session_of REGEX: the session id of the first server log line matching REGEX.
session_of() { grep -E -m1 -- "$1" "$SERVE_LOG" | sed -E 's/.* session=([0-9]+) .*/\1/'; }

# --- rtmp2sink publishes; ffprobe and an ffmpeg player wait for it first, so that they get
# everything from the start.
play_hashes "$URL/gst" "$WORK/gst-pub.md5"; player=$PLAYER_PID
spawn "$WORK/gst-pub.probe" timeout 60 ffprobe -v error \
  -show_entries stream=codec_type,codec_name,sample_rate,channels,width,height -of csv=p=0 "$URL/gst"
probe=$LAST_PID
wait_for 20 players_waiting gst 2 || log "players slow to connect"
spawn "$WORK/gst-pub.log" gst-launch-1.0 -e \
  filesrc location="$FILE" ! flvdemux name=d \
  d.video ! queue ! h264parse ! identity sync=true ! m. \
  d.audio ! queue ! aacparse ! identity sync=true ! m. \
  flvmux name=m streamable=true ! rtmp2sink location="$URL/gst"
gst=$LAST_PID
# A second ffprobe joins 2 s in: it gets the cached onMetaData, which flvmux has re-sent by then.
sleep 2
spawn "$WORK/gst-late.probe" timeout 60 ffprobe -v error \
  -show_entries stream=codec_type,codec_name,sample_rate,channels,width,height -of csv=p=0 "$URL/gst"
late_probe=$LAST_PID
gst_exit "$gst" 40; rc=$GST_RC
check "rtmp2sink: gst-launch-1.0 publishes the 4 s file and exits 0 by itself (got $rc)" test "$rc" = 0
check "rtmp2sink: the server logs the publish of live/gst" log_has "info publish .*stream=live/gst "
# gst_sent_stop: GStreamer's own log shows it sent FCUnpublish, then deleteStream with the name.
gst_sent_stop() {
  grep -q "Sending command 'FCUnpublish'" "$WORK/gst-pub.log" &&
    grep -q "Sending stop command 'deleteStream' for stream 'gst'" "$WORK/gst-pub.log"
}
check "rtmp2sink: GStreamer sent FCUnpublish and deleteStream with the stream name" gst_sent_stop
pub_session=$(session_of "info publish .*stream=live/gst ")
# A clean unpublish: deleteStream ends the publish before the socket closes, so the session's
# close line names no stream still published and is no warning.
clean_unpublish() {
  awk -v s="session=$pub_session " '
    index($0, s) && / info unpublish .*stream=live\/gst/ { u = NR }
    index($0, s) && /session closed/ { c = NR; line = $0 }
    index($0, s) && / (warn|error) / { bad = bad "\n  " $0 }
    END {
      print "unpublish at line " u ", close at line " c ": " line bad > "/dev/stderr"
      exit !(u && c && u < c && line !~ /publishing=/ && line ~ / info / && bad == "") }' \
    "$SERVE_LOG"
}
check "rtmp2sink: the server unpublishes live/gst on deleteStream, then the session closes cleanly" \
  wait_for 10 clean_unpublish
wait_for 30 exited "$probe" || log "ffprobe still running"
log "ffprobe of the stream GStreamer published: $(sort "$WORK/gst-pub.probe" | tr '\n' ' ')"
# GStreamer's flvmux re-sends onMetaData whenever its tags change (parsers post bitrates), at
# non-zero timestamps, which ffmpeg's FLV demuxer shows as an extra text/subtitle stream; it does
# so for a local file too. So only the audio and video streams are compared with the file's.
probed_like_file() {
  local got want
  got=$(grep -E '^[^,]*,(audio|video),' "$WORK/gst-pub.probe" | sort)
  want=$(stream_info "$FILE")
  [ "$got" = "$want" ] && grep -qx 'h264,video,640,360' <<<"$got" &&
    grep -qx 'aac,audio,44100,2' <<<"$got"
}
check "rtmp2sink: ffprobe on the played URL reports the file's streams (h264 640x360, aac 44100 2ch)" \
  probed_like_file
# Players get onMetaData stamped 0 (as from nginx-rtmp), so ffmpeg takes none of flvmux's
# re-sent ones for a data packet: exactly the video and audio streams, no third (text/data) one.
only_av() {
  local f=$1 got
  got=$(sort "$f")
  log "streams ffprobe found in $(basename "$f"): $(echo $got)"
  [ "$got" = "$(stream_info "$FILE")" ]
}
check "rtmp2sink: ffprobe of the played stream shows exactly its video and audio streams" \
  only_av "$WORK/gst-pub.probe"
wait_for 30 exited "$late_probe" || log "late ffprobe still running"
check "rtmp2sink: so does an ffprobe joining mid-stream (metadata from the GOP cache)" \
  only_av "$WORK/gst-late.probe"
file_hashes "$FILE" "$WORK/file.md5"
wait_for 20 at_least "$(packets "$WORK/file.md5")" "$WORK/gst-pub.md5" ||
  log "ffmpeg player got $(packets "$WORK/gst-pub.md5") of $(packets "$WORK/file.md5") packets"
stop "$player"
check "rtmp2sink: an ffmpeg player gets every packet of the file, bit-exact" \
  bit_exact "$FILE" "$WORK/gst-pub.md5" whole

# --- rtmp2src plays a live stream ffmpeg publishes (joining it midway), until stopped.
publish_loop "$FILE" "$URL/ff"; publisher=$PUBLISH_PID
wait_for 20 log_has "info publish .*stream=live/ff " || log "ffmpeg publisher slow to start"
spawn "$WORK/gst-play.log" gst-launch-1.0 -e rtmp2src location="$URL/ff" ! flvdemux name=d \
  d.video ! queue ! m.video d.audio ! queue ! m.audio \
  flvmux name=m streamable=true ! filesink location="$WORK/gst-play.flv"
gst=$LAST_PID
grew() { (($(stat -c %s "$WORK/gst-play.flv" 2>/dev/null || echo 0) >= $1)); }
# The fixture is ~100 KiB a second: wait for 3 s or more of it.
wait_for 30 grew 330000 || log "rtmp2src slow: $(stat -c %s "$WORK/gst-play.flv" 2>/dev/null) bytes"
kill -INT "$gst"
gst_exit "$gst" 15; rc=$GST_RC
check "rtmp2src: gst-launch-1.0 stops cleanly on SIGINT with -e (EOS, exit 0; got $rc)" test "$rc" = 0
check "rtmp2src: the FLV GStreamer wrote has the file's streams (h264 640x360, aac 44100 2ch)" \
  same_streams "$FILE" "$WORK/gst-play.flv"
file_hashes "$WORK/gst-play.flv" "$WORK/gst-play.md5" 2>/dev/null
# From GStreamer's first keyframe on, 2 s or more of the file's packets, byte for byte.
looped_file_from_keyframe() {
  at_least 60 "$1" video && BIT_EXACT_MIN_SECONDS=2 bit_exact "$FILE" "$1" cyclic
}
check "rtmp2src: it holds 60+ video packets, bit-exact with the looped file from a keyframe" \
  looped_file_from_keyframe "$WORK/gst-play.md5"
stop "$publisher"

# --- rtmp2src waits for its publisher, then ends by itself (StreamEOF on stream 1 -> EOS)
# when the publisher leaves.
spawn "$WORK/gst-eos.log" gst-launch-1.0 -e rtmp2src location="$URL/eos" ! flvdemux name=d \
  d.video ! queue ! m.video d.audio ! queue ! m.audio \
  flvmux name=m streamable=true ! filesink location="$WORK/gst-eos.flv"
gst=$LAST_PID
wait_for 20 players_waiting eos 1 || log "rtmp2src slow to start playing"
# ffmpeg publishes 3 s of the file, then ends (FCUnpublish, deleteStream, close).
publish_file "$FILE" "$URL/eos" -t 3
wait_for 30 exited "$PUBLISH_PID" || stop "$PUBLISH_PID"
left=$SECONDS
wait_for 20 log_has "info unpublish .*stream=live/eos" || log "no unpublish of live/eos logged"
gst_exit "$gst" 10; rc=$GST_RC
log "rtmp2src after the publisher left: exit $rc in $((SECONDS - left)) s"
check "eos: gst-launch-1.0 exits 0 by itself within 10 s of the publisher leaving (got $rc)" \
  test "$rc" = 0
check "eos: rtmp2src got StreamEOF for stream 1 and went EOS" \
  grep -q 'stream 1 got stream-eof' "$WORK/gst-eos.log"
check "eos: the EOS reached the end of the pipeline (gst-launch: Got EOS)" \
  grep -q 'Got EOS from element "pipeline0"' "$WORK/gst-eos.log"
check "eos: the FLV it wrote has the file's streams" same_streams "$FILE" "$WORK/gst-eos.flv"
file_hashes "$WORK/gst-eos.flv" "$WORK/gst-eos.md5" 2>/dev/null
log "eos: received $(packets "$WORK/gst-eos.md5" video) video, $(packets "$WORK/gst-eos.md5" audio) audio packets"
check "eos: it holds the 3 s published (80+ video packets)" at_least 80 "$WORK/gst-eos.md5" video

finish
