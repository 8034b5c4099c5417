#!/usr/bin/env bash
# Bit-exactness through rtmp-serve: the MD5 of every packet a player receives (ffmpeg framemd5)
# equals that of the published file's packet, per stream, from the player's first keyframe on.
# - each fixture, with the player there before the publisher (the play waits): the whole file;
# - a player joining mid-GOP starts from the GOP cache: first video packet a keyframe, at once,
#   and from there an unbroken run of the file;
# - a 4K stream with keyframes over 500 KB reaches 3 players bit-exact.
# (ffmpeg players end by themselves at NetStream.Play.UnpublishNotify.)
source "$(dirname "$0")/lib.sh"

FIXTURE_NAMES=(h264_aac h264_pcma h264_pcmu h264_speex h264_only aac_only)
start_serve || { not_ok "rtmp-serve starts"; finish; }
URL=rtmp://127.0.0.1:$PORT/live

# One fixture: player first, then one publish of the file; the player must get all of it.
whole_file() {
  local f=$1 file=$FIXTURES/$1.flv got=$WORK/got-$1.md5 want
  play_hashes "$URL/$f" "$got"
  wait_for 20 log_has "play .*stream=live/$f .*waiting=yes" || log "$f: play not logged as waiting"
  publish_file "$file" "$URL/$f"
  want=$(($(packets_of_file "$file")))
  wait_for 40 at_least "$want" "$got" || log "$f: only $(packets "$got") of $want packets"
  wait_for 20 exited "$PUBLISH_PID"
  stop "$PLAYER_PID"
  check "$f: a waiting player receives the whole file bit-exact" bit_exact "$file" "$got" whole
}
packets_of_file() { "${FF[@]}" -v error -i "$1" -c copy -f framemd5 - | grep -vc '^#'; }
in_parallel whole_file "${FIXTURE_NAMES[@]}"

# --- GOP cache: a stream with 10 s GOPs, a player joining 3 s into the second one.
gop=$WORK/gop.flv
"${FF[@]}" -v error -f lavfi -i testsrc2=size=320x180:rate=30 -f lavfi -i sine=f=440:r=44100 \
  -t 20 -c:v libx264 -preset ultrafast -g 300 -keyint_min 300 -sc_threshold 0 -pix_fmt yuv420p \
  -c:a aac -b:a 64k -ac 1 -f flv "$gop" 2>&1 >&2
publish_loop "$gop" "$URL/gop"
gop_pub=$PUBLISH_PID
wait_for 20 log_has "publish .*stream=live/gop" || log "gop publisher slow to start"
sleep 13
t0=$(now_ms)
first=$(timeout 30 ffprobe -v error -select_streams v -show_packets -read_intervals '%+#1' \
  -show_entries packet=flags -of csv=p=0 "$URL/gop" | head -n 1)
elapsed=$(($(now_ms) - t0))
log "joining 3 s into a 10 s GOP: first video packet flags '$first' after $elapsed ms"
check "gop: a player joining mid-GOP gets a keyframe first" test "${first:0:1}" = K
# Without the GOP cache the next keyframe is 7 s away.
check "gop: the first video packet comes at once ($elapsed ms < 4000 ms)" test "$elapsed" -lt 4000
play_hashes "$URL/gop" "$WORK/got-gop.md5"
wait_for 40 at_least 180 "$WORK/got-gop.md5" video || log "gop: player got little"
stop "$PLAYER_PID"
check "gop: the joining player's first video packet is a keyframe of the file" \
  first_video_is_keyframe "$gop" "$WORK/got-gop.md5"
check "gop: from it on, 6 s of packets equal the file's, unbroken" \
  env BIT_EXACT_MIN_SECONDS=6 bash -c "source '$ROOT/tests/integration/lib.sh'; \
    bit_exact '$gop' '$WORK/got-gop.md5' cyclic"
stop "$gop_pub"

# --- 4K: keyframes over 500 KB, three players waiting before the publisher starts. This stream
# is about 140 Mbit/s: the default player queue (8 MB, inter frames dropped past half of it) is a
# quarter second of it, and on a loaded 2-core machine three ffmpeg players read ~9 MB/s each, so
# the queue is sized for the stream here; what is tested is that big frames arrive whole.
stop "$SERVE_PID"
start_serve --player-queue-max-bytes 67108864 || { not_ok "rtmp-serve restarts for 4K"; finish; }
URL=rtmp://127.0.0.1:$PORT/live
big=$WORK/big.flv
"${FF[@]}" -v error -f lavfi -i testsrc2=size=3840x2160:rate=30 -t 1 -c:v libx264 \
  -preset ultrafast -g 15 -qp 4 -pix_fmt yuv420p -f flv "$big" 2>&1 >&2
largest_key=$(ffprobe -v error -select_streams v -show_packets -show_entries packet=flags,size \
  -of csv=p=0 "$big" | awk -F, '$2 ~ /K/ && $1 > m { m = $1 } END { print m + 0 }')
check "4k: the test stream has keyframes over 500 KB (largest $largest_key bytes)" \
  test "$largest_key" -gt 500000
players=()
for i in 1 2 3; do
  play_hashes "$URL/big" "$WORK/got-big-$i.md5"; players+=("$PLAYER_PID")
done
wait_for 20 bash -c "[ \$(grep -c 'play .*stream=live/big' '$SERVE_LOG') -ge 3 ]"
publish_file "$big" "$URL/big"
want=$(packets_of_file "$big")
for i in 1 2 3; do
  wait_for 60 at_least "$want" "$WORK/got-big-$i.md5" || log "4k player $i: only $(packets "$WORK/got-big-$i.md5") of $want"
done
wait_for 30 exited "$PUBLISH_PID"
for i in 1 2 3; do
  stop "${players[$((i - 1))]}"
  check "4k: player $i receives the whole 4K stream bit-exact" \
    bit_exact "$big" "$WORK/got-big-$i.md5" whole
done
finish
