#!/usr/bin/env bash
# VLC (cvlc, run unprivileged) plays each fixture from rtmp-serve and remuxes it to MPEG-TS for
# 5 s; ffprobe then counts the frames in that file: at least 3 s worth per stream. VLC's TS muxer
# takes H.264 and AAC but no G.711 or Speex, so for those fixtures only video is counted.
source "$(dirname "$0")/lib.sh"

FIXTURE_NAMES=(h264_aac h264_pcma h264_pcmu h264_speex h264_only aac_only)
command -v cvlc >/dev/null || { not_ok "cvlc is installed"; finish; }
start_serve || { not_ok "rtmp-serve starts"; finish; }
URL=rtmp://127.0.0.1:$PORT/live
mkdir -p "$WORK/vlc" && chmod 777 "$WORK/vlc"  # VLC runs as an unprivileged user

for f in "${FIXTURE_NAMES[@]}"; do publish_loop "$FIXTURES/$f.flv" "$URL/$f"; done
wait_for 20 bash -c "[ \$(grep -c 'publish .*stream=live/' '$SERVE_LOG') -ge ${#FIXTURE_NAMES[@]} ]" ||
  log "publishers slow to start"

# ts_packets TS v|a: video or audio packets in the TS file, read one by one (ffprobe's stream
# counters list a TS stream twice, under its program and alone).
ts_packets() {
  ffprobe -v error -select_streams "$2" -show_entries packet=stream_index -of csv=p=0 "$1" \
    2>/dev/null | grep -c .
}
vlc_checks() {
  local f=$1 ts=$WORK/vlc/$1.ts rc n
  as_user timeout 60 cvlc -q --no-video-title-show --run-time 5 --play-and-exit "$URL/$f" \
    --sout "#std{access=file,mux=ts,dst=$ts}" vlc://quit >"$WORK/vlc/$f.log" 2>&1
  rc=$?
  check "$f: cvlc plays and exits by itself (exit $rc)" test "$rc" = 0
  # 5 s of play; 3 s is the honest minimum: 90 video frames at 30 fps, 129 AAC frames at 44.1 kHz.
  if [[ $f == h264_* ]]; then
    n=$(ts_packets "$ts" v)
    check "$f: VLC's TS file has $n H.264 frames (>= 90)" test "$n" -ge 90
  fi
  if [[ $f == *aac* ]]; then
    n=$(ts_packets "$ts" a)
    check "$f: VLC's TS file has $n AAC frames (>= 129)" test "$n" -ge 129
  fi
}
in_parallel vlc_checks "${FIXTURE_NAMES[@]}"
finish
