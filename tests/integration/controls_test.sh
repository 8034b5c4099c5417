# The WCS playback controls with real players: suppress_sound, rtmp_send_video_first,
# rtmp_server_enabled, rtmp_use_stream_params_as_connection, rtmp.server_buffer_enabled (4K).
source "$(dirname "$0")/lib.sh"

# max_volume URL: the loudest level (dB) ffmpeg decodes from 2 s of URL's audio.
max_volume() {
  timeout 30 ffmpeg -hide_banner -nostdin -i "$1" -t 2 -vn -af volumedetect -f null - 2>&1 |
    awk '/max_volume/ { print $5 }'
}
# quieter LEVEL LIMIT: LEVEL (dB, may be -inf) is at most LIMIT.
quieter() { awk -v l="$1" -v m="$2" 'BEGIN { exit !(l != "" && (l == "-inf" || l + 0 <= m + 0)) }'; }

start_serve
for f in h264_aac h264_pcma h264_pcmu h264_speex; do
  publish_file "$FIXTURES/$f.flv" "rtmp://127.0.0.1:$PORT/live/$f" -stream_loop -1
done
sleep 1.5

# suppress_sound=true: silence in the same codec for that player; others still hear the sound.
check_silence() {
  local f=$1 limit=-90 silent loud video_ok
  [ "$f" = h264_pcma ] && limit=-72  # A-law's quietest code decodes to +8/32768 (-72.2 dBFS)
  silent=$(max_volume "rtmp://127.0.0.1:$PORT/live?suppress_sound=true/$f")
  loud=$(max_volume "rtmp://127.0.0.1:$PORT/live/$f")
  log "$f: suppress_sound max_volume=$silent dB, normal player max_volume=$loud dB"
  if quieter "$silent" "$limit"; then ok "$f: suppress_sound (connection param) gives silence"
  else not_ok "$f: suppress_sound (connection param) gives silence ($silent dB)"; fi
  if [ -n "$loud" ] && ! quieter "$loud" -40; then ok "$f: a normal player still hears the sound"
  else not_ok "$f: a normal player still hears the sound ($loud dB)"; fi
  silent=$(max_volume "rtmp://127.0.0.1:$PORT/live/$f?suppress_sound=true")
  if quieter "$silent" "$limit"; then ok "$f: suppress_sound (stream param) gives silence"
  else not_ok "$f: suppress_sound (stream param) gives silence ($silent dB)"; fi
}
in_parallel check_silence h264_aac h264_pcma h264_pcmu h264_speex

# Video untouched for a suppressed player: its video packets are the file's.
timeout 30 ffmpeg -hide_banner -nostdin -loglevel error -i "rtmp://127.0.0.1:$PORT/live/h264_aac?suppress_sound=true" \
  -t 5 -c copy -f framemd5 "$WORK/suppressed.md5"
video_bit_exact() { # FILE FRAMEMD5: the video packets received are the file's (looped)
  file_hashes "$1" "$WORK/ref.md5" && keyframe_hashes "$1" >"$WORK/ref.keys" &&
    hashes "$WORK/ref.md5" video >"$WORK/ref.video" && hashes "$2" video >"$WORK/got.video" &&
    same_sequence "$WORK/ref.video" "$WORK/got.video" cyclic "$WORK/ref.keys" 90
}
check "suppress_sound leaves video bit-exact" video_bit_exact "$FIXTURES/h264_aac.flv" "$WORK/suppressed.md5"
kill "$SERVE_PID"

# rtmp_send_video_first: the first media is video (sequence header, keyframe), audio after.
first_media() { # URL: the first_media list of rtmp-probe's JSON report
  timeout 20 "$BIN/rtmp-probe" --format json "$1" | grep -o '"first_media":\[[^]]*\]'
}
start_serve --rtmp-send-video-first true
publish_file "$FIXTURES/h264_aac.flv" "rtmp://127.0.0.1:$PORT/live/vf" -stream_loop -1
publish_file "$FIXTURES/aac_only.flv" "rtmp://127.0.0.1:$PORT/live/audio" -stream_loop -1
sleep 1.5
order=$(first_media "rtmp://127.0.0.1:$PORT/live/vf")
log "video first: $order"
check "video first: first media are the video header then a keyframe" \
  grep -q '^"first_media":\["video-header","video-key"' <<<"$order"
check "video first: audio follows the keyframe" grep -q '"audio' <<<"$order"
timeout 5 "$BIN/rtmp-probe" --format json --timeout 3 "rtmp://127.0.0.1:$PORT/live/audio" >"$WORK/audio-only.json" 2>&1
check "video first: an audio-only stream sends that player no audio" \
  bash -c "! grep -q '\"first_media\":\[\"audio' '$WORK/audio-only.json'"
check "video first: the server logs why the player hears nothing" \
  log_has "rtmp_send_video_first holds this player's audio back"
kill "$SERVE_PID"
start_serve
publish_file "$FIXTURES/h264_aac.flv" "rtmp://127.0.0.1:$PORT/live/vf" -stream_loop -1
sleep 1.5
order=$(first_media "rtmp://127.0.0.1:$PORT/live/vf")
log "default order: $order"
check "default: the audio header comes before the first keyframe" \
  grep -q '^"first_media":\["video-header","audio-header","video-key"' <<<"$order"
kill "$SERVE_PID"

# rtmp_server_enabled: false refuses play with NetStream.Play.Failed; publishing works.
start_serve --rtmp-server-enabled false --rtmfp-server-enabled true
publish_file "$FIXTURES/h264_aac.flv" "rtmp://127.0.0.1:$PORT/live/off" -stream_loop 2
sleep 1.5
timeout 15 ffprobe -v error "rtmp://127.0.0.1:$PORT/live/off" 2>"$WORK/off.err"
check "rtmp_server_enabled false: play fails" test $? != 0
check "the player is told playback is disabled" grep -q "Playback over RTMP is disabled" "$WORK/off.err"
check "publishing still works" kill -0 "$PUBLISH_PID"
check "rtmfp_server_enabled is logged as having no effect" log_has "rtmfp_server_enabled has no effect"
kill "$SERVE_PID"

# rtmp_use_stream_params_as_connection: stream parameters count as connection parameters.
start_serve --rtmp-use-stream-params-as-connection true
publish_file "$FIXTURES/h264_aac.flv" "rtmp://127.0.0.1:$PORT/live/test?auth=key" -stream_loop 2
sleep 1.5
check "stream params as connection: the stream routes by its name" log_has "publish .*stream=live/test .*params=\"?auth=key"
kill "$SERVE_PID"

# Big frames: a 4K stream with keyframes over 500 KB plays cleanly in VLC and ffmpeg, with the
# default rtmp.server_buffer_enabled. Decoded pictures are compared with the file's.
big=$WORK/big.flv
ffmpeg -hide_banner -nostdin -loglevel error -f lavfi -i testsrc2=size=3840x2160:rate=30 -t 2 \
  -c:v libx264 -preset ultrafast -g 15 -qp 4 -pix_fmt yuv420p -f flv "$big"
keymax=$(ffprobe -v error -select_streams v -show_entries packet=size,flags -of csv=p=0 "$big" |
  awk -F, '$2 ~ /K/ && $1 > m { m = $1 } END { print m + 0 }')
log "4K keyframes up to $keymax bytes"
check "the 4K stream has keyframes over 500 KB" test "$keymax" -gt 500000
ffmpeg -hide_banner -nostdin -loglevel error -i "$big" -map 0:v -f framemd5 "$WORK/big-decoded.md5"
start_serve
mkdir -p "$WORK/vlc" && chmod 777 "$WORK/vlc"  # VLC runs unprivileged
spawn "$WORK/vlc.log" as_user timeout 60 cvlc -q --no-video-title-show \
  "rtmp://127.0.0.1:$PORT/live/big" --sout "#std{access=file,mux=ts,dst=$WORK/vlc/big.ts}" vlc://quit
VLC_PID=$LAST_PID
play_hashes "rtmp://127.0.0.1:$PORT/live/big" "$WORK/ff-big.md5"
sleep 2  # both players wait for the publisher
publish_file "$big" "rtmp://127.0.0.1:$PORT/live/big"
wait_for 60 exited "$PUBLISH_PID"
sleep 2
stop "$PLAYER_PID"
stop "$VLC_PID" 10
check "ffmpeg receives the 4K stream bit-exact" bit_exact "$big" "$WORK/ff-big.md5" whole
decoded_subset() { # FILE: every decoded picture of FILE is one of the source's, and there are >= 40
  ffmpeg -hide_banner -nostdin -loglevel error -i "$1" -map 0:v -f framemd5 - | hashes /dev/stdin >"$WORK/got-pics"
  hashes "$WORK/big-decoded.md5" >"$WORK/want-pics"
  local n bad
  n=$(wc -l <"$WORK/got-pics"); bad=$(grep -cvxFf "$WORK/want-pics" "$WORK/got-pics")
  log "$(basename "$1"): $n decoded pictures, $bad not in the source"
  ((n >= 40 && bad == 0))
}
check "VLC remuxes the 4K stream and every picture decodes as the source's" decoded_subset "$WORK/vlc/big.ts"

finish
