#!/usr/bin/env bash
# suppress_sound building block: media::AudioSilencer's output decodes to silence with ffmpeg.
# The unit test binary media_silence_test writes the fixtures with every audio tag silenced
# (RTMPKIT_SILENCE_OUT); ffmpeg then decodes each one. AAC, mu-law and Speex must give digital
# silence (volumedetect max_volume -91 dB, all samples 0); A-law has no zero code, its silence
# value 0xD5 decodes to +8/32768 (-72.2 dB), so for A-law every sample must be exactly 8.
# The decoded sample count must equal the original's: same timing.
source "$(dirname "$0")/lib.sh"

UNIT=${UNIT:-$ROOT/build/tests/media_silence_test}
if [ ! -x "$UNIT" ]; then not_ok "media_silence_test is built ($UNIT)"; finish; fi
mkdir -p "$WORK/silenced"
check "media_silence_test writes silenced fixtures" \
  env RTMPKIT_SILENCE_OUT="$WORK/silenced" RTMPKIT_ROOT="$ROOT" "$UNIT" \
  --run_test=silence/fixtures_are_silenced_tag_by_tag

# decode FILE [DECODER]: raw s16le audio of FILE on stdout
decode() {
  local dec=()
  [ -n "${2:-}" ] && dec=(-c:a "$2")
  ffmpeg -hide_banner -nostdin -loglevel error "${dec[@]}" -i "$1" -vn -f s16le -acodec pcm_s16le -
}
max_volume() { # FILE [DECODER]
  local dec=()
  [ -n "${2:-}" ] && dec=(-c:a "$2")
  ffmpeg -hide_banner -nostdin -nostats "${dec[@]}" -i "$1" -vn -af volumedetect -f null - 2>&1 |
    sed -n 's/.*max_volume: \(.*\) dB/\1/p'
}
# samples_all FILE VALUE [DECODER]: every decoded sample equals VALUE (and there are some)
samples_all() {
  decode "$1" "${3:-}" | python3 -c '
import sys, array
a = array.array("h", sys.stdin.buffer.read())
bad = sum(1 for v in a if v != int(sys.argv[1]))
print(f"{len(a)} samples, {bad} not equal to {sys.argv[1]}", file=sys.stderr)
sys.exit(0 if a and bad == 0 else 1)' "$2"
}
same_length() { # ORIGINAL SILENCED
  local a b
  a=$(decode "$1" | wc -c); b=$(decode "$2" | wc -c)
  log "decoded bytes: original $a, silenced $b"
  [ "$a" -gt 0 ] && [ "$a" = "$b" ]
}

for f in h264_aac aac_only h264_pcmu h264_speex; do
  out=$WORK/silenced/$f.flv
  vol=$(max_volume "$out")
  log "$f: max_volume $vol dB"
  check "$f: silenced audio decodes to digital silence (max_volume $vol dB)" samples_all "$out" 0
  check "$f: same decoded duration as the original" same_length "$FIXTURES/$f.flv" "$out"
done
check "h264_speex: libspeex decoder also gives digital silence" \
  samples_all "$WORK/silenced/h264_speex.flv" 0 libspeex
vol=$(max_volume "$WORK/silenced/h264_pcma.flv")
log "h264_pcma: max_volume $vol dB"
check "h264_pcma: A-law silence decodes to its smallest value, +8 ($vol dB)" \
  samples_all "$WORK/silenced/h264_pcma.flv" 8
check "h264_pcma: same decoded duration as the original" \
  same_length "$FIXTURES/h264_pcma.flv" "$WORK/silenced/h264_pcma.flv"
not_silent() { ! samples_all "$1" 0; }
check "h264_aac: the original is not silent (so the checks above can fail)" \
  not_silent "$FIXTURES/h264_aac.flv"
finish
