#!/usr/bin/env bash
# WebRTC (WHIP) ingest end to end. One headless Chromium (fake camera and microphone, driven over
# the DevTools pipe by tools/whip_client.py, which runs tools/cdp.py with WebRTC flags) publishes
# through the page /publish; real players read the RTMP stream the server makes of it.
# Server A (no hooks, webrtc_timeout 3 s, keyframe interval 1 s), only 127.0.0.1 announced:
# 1. the page publishes with a token and stream parameters; ffprobe sees exactly h264 + aac, the
#    size the browser encodes; a player from the first moment gets increasing timestamps;
# 2. ffmpeg decodes 10 s without an error, the audio is not silent;  3. VLC remuxes it;
# 5. a late player starts at a keyframe, keyframes come every interval (the GOP cache stays short);
# 8. hostile WHIP requests, hostile datagrams and 200 POSTs at once leave the stream alone, and
#    the never-connected sessions expire;  9. DELETE (the page's Stop), a tab navigated away and a
#    frozen browser each end the publication, the last by webrtc_timeout.
# Server H: hook-echo as the REST backend (4: payloads, refusals as 403), with a real offer.
# Server B: webrtc_audio pcma (6: G.711 A-law passes through).
# 7. A second, independent client on server A: GStreamer's webrtcbin driven by tools/gst_whip.py
#    (simple-whip-client, its wrapper, aborts on Debian 12) publishes a 640x360 test pattern and an
#    Opus sine with a stream parameter; ffprobe sees exactly h264 640x360 + aac, ffmpeg decodes
#    5 s, the client's DELETE unpublishes at once.
source "$(dirname "$0")/lib.sh"

WHIP_PY=$ROOT/tests/integration/tools/whip_client.py
TOKEN=tok-$RANDOM$RANDOM
TIMEOUT_S=3  # --webrtc-timeout of every server here

for tool in chromium curl jq ffmpeg ffprobe; do
  command -v "$tool" >/dev/null || { not_ok "$tool is installed (scripts/deps.sh installs it)"; finish; }
done

# A UDP port on 127.0.0.1 nothing is bound to (and no TCP listener either, see free_port).
udp_free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(free_port) || return 1
    [ -z "$(ss -Hlun "sport = :$p" 2>/dev/null)" ] && { echo "$p"; return 0; }
  done
  return 1
}

# start_webrtc_serve NAME [ARGS]: rtmp-serve with HTTP and WHIP on free ports; sets NAME_PORT,
# NAME_HTTP, NAME_UDP, NAME_LOG, NAME_PID.
start_webrtc_serve() {
  local n=$1 http udp; shift
  http=$(free_port); udp=$(udp_free_port)
  start_serve --http-listen "127.0.0.1:$http" --webrtc-udp-listen "127.0.0.1:$udp" \
    --webrtc-candidates 127.0.0.1 --webrtc-timeout "${TIMEOUT_S}s" "$@" || return 1
  wait_port "$http" 10 || return 1
  wait_for 10 grep -q "listening for WebRTC" "$SERVE_LOG" || return 1
  printf -v "${n}_PORT" %s "$PORT"; printf -v "${n}_HTTP" %s "$http"; printf -v "${n}_UDP" %s "$udp"
  printf -v "${n}_LOG" %s "$SERVE_LOG"; printf -v "${n}_PID" %s "$SERVE_PID"
}

# ---- HTTP helpers ----
# req METHOD URL [curl args]: sets $STATUS; the body is in $WORK/req.body, headers in
# $WORK/req.headers; $ELAPSED_MS is how long the answer took.
req() {
  local m=$1 url=$2 t0; shift 2
  t0=$(now_ms)
  STATUS=$(curl -s --max-time 30 -o "$WORK/req.body" -D "$WORK/req.headers" -w '%{http_code}' \
    -X "$m" "$@" "$url")
  ELAPSED_MS=$(($(now_ms) - t0))
  log "$m $url -> $STATUS in ${ELAPSED_MS} ms: $(head -c 300 "$WORK/req.body" | tr '\r\n' '  ')"
}
# post_sdp URL FILE [curl args]: a WHIP POST of FILE (Content-Type application/sdp).
post_sdp() { local u=$1 f=$2; shift 2; req POST "$u" -H 'Content-Type: application/sdp' --data-binary @"$f" "$@"; }
header() { tr -d '\r' <"$WORK/req.headers" | awk -v h="$1" 'BEGIN { IGNORECASE = 1 } index(tolower($0), tolower(h) ": ") == 1 { sub(/^[^:]*: /, ""); print; exit }'; }
reason() { jq -r '.error.reason // empty' "$WORK/req.body" 2>/dev/null; }
# status_is CODE: the last answer had that status and (for an error) a JSON reason.
status_is() {
  [ "$STATUS" = "$1" ] || { log "want $1, got $STATUS"; return 1; }
  [ "$1" -lt 400 ] || [ -n "$(reason)" ] || { log "no error reason in the body"; return 1; }
}
# api NAME PATH: GET of server NAME's API.
api() { local h=${1}_HTTP; curl -sf --max-time 10 "http://127.0.0.1:${!h}/$2"; }
api_true() { api "$1" "$3" | jq -e "$2" >/dev/null; }
# publisher_bytes NAME STREAM: bytes_in of the publisher of live/STREAM on server NAME (0: none).
publisher_bytes() {
  api "$1" api/v1/sessions?items_per_page=1000 |
    jq -r --arg s "$2" '[.items[] | select(.role == "publisher" and .stream == $s) | .bytes_in] | max // 0'
}
# media_flows NAME STREAM: the publisher's bytes grow within 2 s.
media_flows() {
  local a b
  a=$(publisher_bytes "$1" "$2"); sleep 2; b=$(publisher_bytes "$1" "$2")
  log "live/$2 publisher bytes_in $a -> $b"
  ((a > 0 && b > a))
}
# stream_gone NAME STREAM: server NAME answers and has no publisher of live/STREAM.
stream_gone() {
  api "$1" api/v1/streams | jq -e --arg n "$2" '[.streams[] | select(.app == "live" and .name == $n and .publisher != null)] | length == 0' >/dev/null
}

# probe_streams URL: one line per stream: "video h264 WxH" / "audio aac RATE CHANNELS", sorted.
probe_streams() {
  timeout 30 ffprobe -v error -rw_timeout 15000000 -show_entries \
    stream=codec_type,codec_name,width,height,sample_rate,channels -of json "$1" |
    jq -r '.streams[] | if .codec_type == "video" then "video \(.codec_name) \(.width)x\(.height)"
      else "\(.codec_type) \(.codec_name) \(.sample_rate) \(.channels)" end' | sort
}

# ---- The browser ----
coproc CDP { exec python3 "$WHIP_PY" browser --log "$WORK/chromium.log" 2>"$WORK/cdp.err"; }
PIDS+=("$CDP_PID")
CDP_TO=${CDP[1]} CDP_FROM=${CDP[0]}
# cdp CMD [ARG...]: one command to the browser (see cdp.py); the answer in $CDP_REPLY, its JSON
# in $CDP_VALUE. Succeeds when the answer is "ok ...".
cdp() {
  local secs=60
  [ "$1" = wait ] && secs=$((${2%.*} + 30))
  printf '%s\n' "$*" 1>&"$CDP_TO" 2>/dev/null || { CDP_REPLY="error the browser helper is gone"; return 1; }
  IFS= read -r -t "$secs" CDP_REPLY <&"$CDP_FROM" || CDP_REPLY="error no answer from the browser helper in $secs s"
  CDP_VALUE=${CDP_REPLY#ok }
  log "cdp $1: ${CDP_REPLY:0:300}"
  [[ $CDP_REPLY == ok* ]]
}
page_true() { cdp wait "$@"; }
page_eq() { cdp eval "$2" && [ "$CDP_VALUE" = "$1" ]; }
page_state() { cdp eval "document.body.dataset.state" >/dev/null; echo "${CDP_VALUE//\"/}"; }
# publish_page NAME QUERY: navigates to server NAME's /publish?autostart=1&QUERY, waits (30 s)
# for "publishing" (or a state that will not become it).
publish_page() {
  local h=${1}_HTTP
  cdp navigate "http://127.0.0.1:${!h}/publish?autostart=1&$2" || return 1
  wait_publishing
}
wait_publishing() {
  page_true 30 "['publishing', 'error', 'failed'].includes(document.body.dataset.state)"
  page_eq '"publishing"' "document.body.dataset.state" && return 0
  cdp eval "document.getElementById('detail').textContent"
  return 1
}

# Servers first (they start in a moment), the browser meanwhile.
start_webrtc_serve A --webrtc-keyframe-interval 1s || { not_ok "rtmp-serve A starts with WebRTC"; finish; }
HOOK_PORT=$(free_port)
HOOKS=$WORK/hooks.jsonl
"$BIN/hook-echo" --listen "127.0.0.1:$HOOK_PORT" --require "connect:custom.token=$TOKEN" \
  --require publishStream:custom.k=v >"$HOOKS" 2>"$WORK/hook-echo.log" &
PIDS+=("$!")
wait_port "$HOOK_PORT" 10 || log "hook-echo did not start"
start_webrtc_serve H --rest-hook-url "http://127.0.0.1:$HOOK_PORT/apps/EchoApp" ||
  log "rtmp-serve H (hooks) did not start"
start_webrtc_serve B --webrtc-audio pcma || log "rtmp-serve B (pcma) did not start"
A_RTMP=rtmp://127.0.0.1:$A_PORT/live
A_WHIP=http://127.0.0.1:$A_HTTP/whip

IFS= read -r -t 60 CDP_REPLY <&"$CDP_FROM" || CDP_REPLY="error no answer from the browser helper"
log "cdp: $CDP_REPLY"
if [[ $CDP_REPLY != ready* ]]; then
  cat "$WORK/cdp.err" "$WORK/chromium.log" >&2 2>/dev/null
  not_ok "headless chromium starts over the DevTools pipe ($CDP_REPLY)"; finish
fi
ok "headless chromium starts over the DevTools pipe (${CDP_REPLY#ready })"

# ---- 1. The page publishes ----
check "Chromium publishes live/cam from /publish (token, query k=v): state publishing" \
  publish_page A "app=live&name=cam&token=$TOKEN&query=k%3Dv"
# A player from the publication's first moment (its first GOP cache holds the first frames).
timeout 20 "$BIN/rtmp-probe" --show-messages --duration 2 --format json "$A_RTMP/cam" \
  >"$WORK/start.json" 2>"$WORK/start.err" &
START_PROBE=$!
PIDS+=("$START_PROBE")
check "... the page shows the rtmp:// URL to play" page_eq "\"$A_RTMP/cam\"" "document.getElementById('rtmp-url').textContent"
check "... the WHIP resource is /whip/live/cam/{id}" page_eq true "/^\\/whip\\/live\\/cam\\/[0-9a-f]{32}\$/.test(resource)"
check "... the server's answer is ICE-lite with 127.0.0.1:$A_UDP as its only candidate" page_eq true \
  "(s => /a=ice-lite/.test(s) && (s.match(/a=candidate:/g) || []).length === 1 && /a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 $A_UDP typ host/.test(s))(pc.remoteDescription.sdp)"
check "... the publisher's session has connection param token and stream param k=v" api_true A \
  "[.items[] | select(.role == \"publisher\" and .stream == \"cam\" and .connect_params.token == \"$TOKEN\" and .stream_params.k == \"v\")] | length == 1" \
  api/v1/sessions
check "... media reaches the server" wait_for 10 media_flows A cam
# The API counts what the browser sent: packets of both kinds, frames handed on, a bitrate.
webrtc_counts() {
  api A api/v1/streams/live/cam | jq -e '.publisher.webrtc | .video_packets > 0 and .audio_packets > 0
    and .frames_out > 0 and .kbps > 0 and .media_bytes > 0 and .srtp_failures == 0' >/dev/null
}
check "... the API shows its WebRTC counters (packets, frames, kbps)" wait_for 5 webrtc_counts
check "... and the same counters on its session" api_true A \
  '[.items[] | select(.role == "publisher" and .stream == "cam") | .webrtc.video_packets > 0] == [true]' \
  api/v1/sessions

# The encoder's size follows the bandwidth estimate (640x360 up to 1280x720): read it around the
# probe, once it stayed the same for 2 s.
page_true 15 "(() => { const s = document.body.dataset.size; return s && new Promise(r => setTimeout(() => r(document.body.dataset.size === s && s), 2000)); })()" ||
  log "the page's encoded size did not settle"
cdp eval "document.body.dataset.size"; SIZE_BEFORE=${CDP_VALUE//\"/}
probe_streams "$A_RTMP/cam" >"$WORK/cam.streams"
cdp eval "document.body.dataset.size"; SIZE_AFTER=${CDP_VALUE//\"/}
log "ffprobe: $(tr '\n' ';' <"$WORK/cam.streams") page size $SIZE_BEFORE / $SIZE_AFTER"
check "ffprobe sees exactly two streams: h264 video and aac 48000 Hz stereo" \
  bash -c "[ \$(wc -l <'$WORK/cam.streams') = 2 ] && grep -q '^audio aac 48000 2\$' '$WORK/cam.streams' && grep -q '^video h264 ' '$WORK/cam.streams'"
got_size=$(awk '$1 == "video" { print $3 }' "$WORK/cam.streams")
check "... its size ($got_size) is what Chromium encodes ($SIZE_BEFORE / $SIZE_AFTER)" \
  bash -c "[ -n '$got_size' ] && { [ '$got_size' = '$SIZE_BEFORE' ] || [ '$got_size' = '$SIZE_AFTER' ]; }"

wait "$START_PROBE"
# increasing TYPE: the timestamps of the TYPE (Audio, Video) frames the first player got.
frame_times() { jq -r --arg t "$1" 'select(.type == $t and .packet_type == "frame") | .timestamp' "$WORK/start.json"; }
increasing() { frame_times "$1" | awk 'NR > 1 && $1 <= p { print "frame " NR ": " p " then " $1; bad = 1 } { p = $1 } END { exit bad || NR < 10 }' >&2; }
log "first player: audio at $(frame_times Audio | head -n 6 | tr '\n' ' ')... video at $(frame_times Video | head -n 4 | tr '\n' ' ')..."
check "a player from the first moment gets audio frames with increasing timestamps" increasing Audio
check "... and video frames with increasing timestamps" increasing Video
# (Information: how far a message's timestamp falls behind the previous one of the other track.)
log "first player: largest step back across tracks: $(jq -r 'select(.packet_type == "frame") | .timestamp' "$WORK/start.json" |
  awk 'NR > 1 && p - $1 > m { m = p - $1 } { if ($1 > p) p = $1 } END { print m + 0 }') ms"

# ---- 2, 3, 5: players at once (each mostly waits on real time) ----
mkdir -p "$WORK/vlc" && chmod 777 "$WORK/vlc"  # VLC runs as an unprivileged user
players() {
  case $1 in
    decode)
      # -enc_time_base:v -1 keeps the stream's millisecond timestamps: by default the null
      # muxer rounds them to 1/fps as guessed from the first frames (20), and two frames of a
      # browser's variable frame rate that land on one tick make it log "non monotonically
      # increasing dts" about its own rounding. Timestamps the server repeated still would.
      timeout 40 ffmpeg -hide_banner -nostdin -loglevel level+info -rw_timeout 15000000 \
        -i "$A_RTMP/cam" -t 10 -af volumedetect -enc_time_base:v -1 \
        -progress "$WORK/decode.progress" -f null - \
        2>"$WORK/decode.log"
      local rc=$? t frames mean max
      t=$(awk -F= '$1 == "out_time_us" { v = $2 } END { print int(v / 1000) }' "$WORK/decode.progress" 2>/dev/null)
      frames=$(awk -F= '$1 == "frame" { v = $2 } END { print v + 0 }' "$WORK/decode.progress" 2>/dev/null)
      mean=$(sed -n 's/.*mean_volume: \(-\?[0-9.]*\) dB.*/\1/p' "$WORK/decode.log")
      max=$(sed -n 's/.*max_volume: \(-\?[0-9.]*\) dB.*/\1/p' "$WORK/decode.log")
      grep -E '\[(error|fatal|panic)\]' "$WORK/decode.log" | head -n 20 >&2
      log "decode: exit $rc, ${t:-0} ms, $frames video frames, mean ${mean:-?} dB, max ${max:-?} dB"
      check "ffmpeg decodes 10 s of the stream (exit $rc, ${t:-0} ms, $frames video frames)" \
        bash -c "[ $rc = 0 ] && [ ${t:-0} -ge 9500 ] && [ $frames -ge 150 ]"
      check "... with no error output" bash -c "! grep -qE '\\[(error|fatal|panic)\\]' '$WORK/decode.log'"
      check "... the audio is not silent (mean ${mean:-?} dB > -60, max ${max:-?} dB > -30)" \
        awk -v m="${mean:--999}" -v x="${max:--999}" 'BEGIN { exit !(m > -60 && x > -30) }' ;;
    vlc)
      local ts=$WORK/vlc/cam.ts rc v a codecs
      as_user timeout 60 cvlc -q --no-video-title-show --run-time 6 --play-and-exit "$A_RTMP/cam" \
        --sout "#std{access=file,mux=ts,dst=$ts}" vlc://quit >"$WORK/vlc/cam.log" 2>&1
      rc=$?
      v=$(ffprobe -v error -select_streams v -show_entries packet=stream_index -of csv=p=0 "$ts" 2>/dev/null | grep -c .)
      a=$(ffprobe -v error -select_streams a -show_entries packet=stream_index -of csv=p=0 "$ts" 2>/dev/null | grep -c .)
      # ffprobe lists a TS stream twice (under its program and alone): distinct names.
      codecs=$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$ts" 2>/dev/null | grep . | sort -u | tr '\n' ' ')
      check "cvlc plays and exits by itself (exit $rc)" test "$rc" = 0
      check "... its TS file has an h264 and an aac stream (${codecs:-none})" test "$codecs" = "aac h264 "
      check "... with $v H.264 and $a AAC frames (>= 45 and >= 90: 3 s of 6)" \
        bash -c "[ $v -ge 45 ] && [ $a -ge 90 ]" ;;
    late)
      # The stream has run for seconds: a player now joins late. Its first video frame is a
      # keyframe, at once, and keyframes keep coming every webrtc_keyframe_interval (1 s).
      timeout 30 "$BIN/rtmp-probe" --format json --duration 4 "$A_RTMP/cam" >"$WORK/late.json" 2>"$WORK/late.err"
      local rc=$?
      log "rtmp-probe: $(jq -c '{timing, first_media, kf: .measurement.video.keyframe_interval_ms, keyframes: .measurement.video.keyframes}' "$WORK/late.json" 2>/dev/null)"
      check "a late player (rtmp-probe) plays (exit $rc)" test "$rc" = 0
      check "... its first video frame is a keyframe, within 1 s of play start" jq -e \
        '([.first_media[] | select(startswith("video-") and . != "video-header")][0] == "video-key") and (.timing.first_keyframe_ms - .timing.start_ms) <= 1000' \
        "$WORK/late.json"
      check "... its timestamps only go forward (no jump, no reordering, in audio and video)" jq -e \
        '[.measurement.video, .measurement.audio] | all(.jumps == 0 and .reorderings == 0)' "$WORK/late.json"
      check "... keyframes come every webrtc_keyframe_interval (4 s: >= 3, at most 1.5 s apart)" jq -e \
        '.measurement.video.keyframes >= 3 and .measurement.video.keyframe_interval_ms.max <= 1500' "$WORK/late.json"
      timeout 30 ffprobe -v error -rw_timeout 15000000 -select_streams v -show_entries frame=key_frame \
        -read_intervals %+#1 -of csv=p=0 "$A_RTMP/cam" >"$WORK/late.frames" 2>"$WORK/late-ffprobe.err"
      check "... ffprobe joining late decodes a keyframe first" bash -c "[ \"\$(head -n 1 '$WORK/late.frames')\" = 1 ]"
      # The cache starts at the latest keyframe: asked for every second, it never grows much
      # older than that (plus the PLI's round trip and the encoder's answer).
      local samples=() d
      for _ in $(seq 1 40); do
        d=$(api A api/v1/streams/live/cam | jq -r 'if .gop_cache.messages > 0 then .gop_cache.duration_ms else -1 end')
        samples+=("${d:--1}")
        sleep 0.1
      done
      log "GOP cache duration_ms every 0.1 s: ${samples[*]}"
      local worst
      worst=$(printf '%s\n' "${samples[@]}" | awk '$1 < 0 { e++ } $1 < 2^31 && $1 > m { m = $1 } END { printf "max %d, %d empty", m, e }')
      check "the GOP cache holds at most ~1 interval (API gop_cache.duration_ms of 40 samples <= 1500, wrapped ones aside: $worst)" \
        awk 'BEGIN { for (i = 1; i < ARGC; i++) if (ARGV[i] < 0 || (ARGV[i] > 1500 && ARGV[i] < 2^31)) exit 1 }' "${samples[@]}"
      # A message stamped before the cache's keyframe (audio lags video) must not wrap around.
      check "... and gop_cache.duration_ms is never a negative difference wrapped to ~2^32" \
        awk 'BEGIN { for (i = 1; i < ARGC; i++) if (ARGV[i] >= 2^31) exit 1 }' "${samples[@]}" ;;
  esac
}
in_parallel players decode vlc late
# Nothing above ended the publication: a player cut short (EOF before 10 s, an empty cache) would
# otherwise not say why. The name carries the server's reason, so a CI log shows it.
ended=$(grep -m1 'WebRTC publisher ended .*stream=live/cam ' "$A_LOG" | sed 's/.*reason=//')
check "live/cam stayed published while the players ran (ended: ${ended:-no})" test -z "$ended"
cut=$(grep -m1 -E ' warn (player too slow|session closed)' "$A_LOG" | cut -c1-240)
check "... and the server cut no player off (${cut:-none})" test -z "$cut"

# An offer as the browser makes it (no codec preference: VP8 first, H.264 further down).
cdp eval "(async () => { const s = await navigator.mediaDevices.getUserMedia({video: true, audio: true}); const p = new RTCPeerConnection(); for (const t of s.getTracks()) p.addTransceiver(t, {direction: 'sendonly', streams: [s]}); const o = await p.createOffer(); p.close(); s.getTracks().forEach(t => t.stop()); return o.sdp; })()" &&
  jq -r . <<<"$CDP_VALUE" >"$WORK/offer.sdp"
check "a real offer is saved from the page" grep -q '^m=video' "$WORK/offer.sdp"

# ---- 4. Hooks (server H, hook-echo requires token and k=v) ----
post_sdp "http://127.0.0.1:$H_HTTP/whip/live/hooked?k=v" "$WORK/offer.sdp" -H "Authorization: Bearer $TOKEN"
H_LOCATION=$(header Location)
# answered_quickly STATUS [REASON_PART]: the last answer had STATUS, within 2 s (well before
# webrtc_timeout: the hooks decided it, not an expiry), and an error reason containing REASON_PART.
answered_quickly() {
  [ "$STATUS" = "$1" ] && ((ELAPSED_MS < 2000)) || return 1
  [ "$1" = 201 ] && { grep -q '^v=0' "$WORK/req.body"; return; }
  [[ $(reason) == *"$2"* ]]
}
check "through the hooks a WHIP POST with the token and k=v is answered 201 at once ($STATUS in $ELAPSED_MS ms)" \
  answered_quickly 201
[ -n "$H_LOCATION" ] && req DELETE "http://127.0.0.1:$H_HTTP$H_LOCATION"
check "... hook connect carries custom.token (the Bearer token)" bash -c \
  "grep '\"method\":\"connect\"' '$HOOKS' | grep -q '\"custom\":{\"token\":\"$TOKEN\"}'"
check "... hook publishStream carries mediaProvider WebRTC and custom k=v" bash -c \
  "grep '\"method\":\"publishStream\"' '$HOOKS' | grep '\"mediaProvider\":\"WebRTC\"' | grep '\"name\":\"hooked\"' | grep -q '\"custom\":{\"k\":\"v\"}'"
post_sdp "http://127.0.0.1:$H_HTTP/whip/live/hooked2?k=v" "$WORK/offer.sdp" -H "Authorization: Bearer wrong-token"
check "a connect the hook refuses (wrong token) answers 403 with the backend's reason, at once ($STATUS in $ELAPSED_MS ms: $(reason))" \
  answered_quickly 403 custom.token
post_sdp "http://127.0.0.1:$H_HTTP/whip/live/hooked3?k=bad" "$WORK/offer.sdp" -H "Authorization: Bearer $TOKEN"
check "a publish the hook refuses (k=bad) answers 403 with the backend's reason, at once ($STATUS in $ELAPSED_MS ms: $(reason))" \
  answered_quickly 403 custom.k
check "... and hook-echo saw that publishStream (k=bad) and refused it" bash -c \
  "grep '\"method\":\"publishStream\"' '$HOOKS' | grep '\"custom\":{\"k\":\"bad\"}' | grep -q '\"status\":403'"

# ---- 8. Hostile and odd WHIP requests (server A, while Chromium publishes) ----
printf 'v=0\r\nthis is not an SDP offer\r\nm=video x\r\n' >"$WORK/malformed.sdp"
post_sdp "$A_WHIP/live/bad1" "$WORK/malformed.sdp"
check "malformed SDP: 400 with a reason ($(reason))" status_is 400
python3 "$WHIP_PY" vp8-only <"$WORK/offer.sdp" >"$WORK/vp8.sdp"
log "VP8-only offer's video: $(grep -E '^(m=video|a=rtpmap)' "$WORK/vp8.sdp" | tr '\r\n' '  ')"
post_sdp "$A_WHIP/live/bad2" "$WORK/vp8.sdp"
check "an offer whose video is VP8 only: 406 with a reason ($(reason))" status_is 406
req POST "$A_WHIP/live/bad3" -H 'Content-Type: text/plain' --data-binary @"$WORK/offer.sdp"
check "the offer as text/plain: 415 with a reason ($(reason))" status_is 415
req DELETE "$A_WHIP/live/cam/0123456789abcdef0123456789abcdef"
check "DELETE of an unknown resource: 404" status_is 404
req OPTIONS "$A_WHIP/live/cors" -H 'Origin: https://example.org' -H 'Access-Control-Request-Method: POST'
check "OPTIONS on /whip/: 204 with Access-Control-Allow-Origin: * and Location exposed" bash -c \
  "[ '$STATUS' = 204 ] && [ '$(header Access-Control-Allow-Origin)' = '*' ] && [[ '$(header Access-Control-Expose-Headers)' == *Location* ]]"
req OPTIONS "http://127.0.0.1:$A_HTTP/api/v1/streams" -H 'Origin: https://example.org'
check "... and no CORS header outside /whip/ (the API)" test -z "$(header Access-Control-Allow-Origin)"
post_sdp "$A_WHIP/live/other" "$WORK/offer.sdp"
OTHER=$(header Location)
check "a raw browser offer (VP8 listed first) is answered 201 with H.264 chosen" bash -c \
  "[ '$STATUS' = 201 ] && grep -q '^a=rtpmap:[0-9]* H264/90000' '$WORK/req.body' && ! grep -qi 'VP8' '$WORK/req.body'"
printf 'a=ice-ufrag:abcd\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n' >"$WORK/frag"
req PATCH "http://127.0.0.1:$A_HTTP$OTHER" -H 'Content-Type: application/trickle-ice-sdpfrag' --data-binary @"$WORK/frag"
check "PATCH of trickled candidates on it: 204" test "$STATUS" = 204
req DELETE "http://127.0.0.1:$A_HTTP$OTHER"
check "DELETE of it: 200" test "$STATUS" = 200
req DELETE "http://127.0.0.1:$A_HTTP$OTHER"
check "... and a second DELETE: 404" test "$STATUS" = 404

cdp eval "pc.remoteDescription.sdp.match(/a=ice-ufrag:(\\S+)/)[1]"; UFRAG=${CDP_VALUE//\"/}
python3 "$WHIP_PY" udp-garbage 127.0.0.1 "$A_UDP" "$UFRAG" >"$WORK/garbage.out" 2>&1
log "hostile datagrams: $(cat "$WORK/garbage.out")"
check "hostile datagrams to the UDP port (ufrag $UFRAG with wrong integrity among them) get no STUN success" \
  grep -q 'stun_success 0$' "$WORK/garbage.out"
alive_and_flowing() { kill -0 "$A_PID" && media_flows A cam; }
check "... the server is alive and the Chromium stream still flows" alive_and_flowing

python3 "$WHIP_PY" storm "$A_WHIP/live/storm" "$WORK/offer.sdp" 200 >"$WORK/storm.out" 2>"$WORK/storm.err"
log "200 POSTs at once: $(tr '\n' ' ' <"$WORK/storm.out")"
check "200 WHIP POSTs at once are all answered, each 201 or 503" bash -c \
  "grep -q '^answered 200\$' '$WORK/storm.out' && ! grep -vE '^(201|503) [0-9]+\$|^answered ' '$WORK/storm.out' | grep -q . && grep -q '^201 ' '$WORK/storm.out'"
check "... the server is alive" bash -c "kill -0 $A_PID && [ \"\$(curl -s --max-time 5 http://127.0.0.1:$A_HTTP/healthz)\" = ok ]"
sessions_back() { api_true A '.item_count == 1 and .items[0].role == "publisher" and .items[0].stream == "cam"' api/v1/sessions; }
check "... after webrtc_timeout the never-connected sessions are gone (only Chromium's is left)" \
  wait_for $((TIMEOUT_S + 5)) sessions_back
api A api/v1/sessions | jq -c '[.item_count, [.items[] | .stream]]' >&2
flows_and_plays() { media_flows A cam && probe_streams "$A_RTMP/cam" | grep -q '^video h264'; }
check "... and the Chromium stream still flows and plays" flows_and_plays
check "... the page still says publishing" page_eq '"publishing"' "document.body.dataset.state"

# ---- 9. Ends ----
cdp eval "resource"; CAM_RESOURCE=${CDP_VALUE//\"/}
stop_page() { cdp eval "document.getElementById('stop').click(); true" && page_true 10 "document.body.dataset.state === 'idle'"; }
check "the page's Stop (DELETE of its resource) goes idle" stop_page
check "... and the publication ends at once (the API has no publisher of live/cam within 2 s)" wait_for 2 stream_gone A cam
check "... the server logs the DELETE as the reason" grep -q 'WebRTC publisher ended .*stream=live/cam .*DELETE' "$A_LOG"
req DELETE "http://127.0.0.1:$A_HTTP$CAM_RESOURCE"
check "... its resource is gone (DELETE again: 404)" test "$STATUS" = 404

republish() { cdp eval "document.getElementById('publish').click(); true" && wait_publishing && wait_for 10 media_flows A cam; }
check "the page publishes again (Publish)" republish
t0=$(now_ms)
cdp navigate about:blank >/dev/null
check "a tab navigated away (no DELETE) is unpublished within webrtc_timeout" wait_for "$TIMEOUT_S" stream_gone A cam
log "unpublished $(($(now_ms) - t0)) ms after the navigation: $(grep 'WebRTC publisher ended' "$A_LOG" | tail -n 1)"

# A browser that vanishes without a word (its processes stopped): only webrtc_timeout ends it.
check "Chromium publishes live/frozen" publish_page A "app=live&name=frozen"
wait_for 10 media_flows A frozen || log "live/frozen: no media"
BROWSER_PGID=$(ps -o pgid= -p "$(pgrep -P "$CDP_PID" | head -n 1)" 2>/dev/null | tr -d ' ')
if [ -n "$BROWSER_PGID" ] && [ "$BROWSER_PGID" != "$$" ]; then
  kill -STOP -- "-$BROWSER_PGID"
  t0=$(now_ms)
  wait_for $((TIMEOUT_S + 3)) stream_gone A frozen
  gone_ms=$(($(now_ms) - t0))
  kill -CONT -- "-$BROWSER_PGID"
  log "frozen browser: unpublished after $gone_ms ms: $(grep 'WebRTC publisher ended .*live/frozen' "$A_LOG" | tail -n 1)"
  check "a frozen browser's stream is unpublished by webrtc_timeout (after $gone_ms ms, ${TIMEOUT_S} s +- 1.5)" \
    bash -c "[ $gone_ms -ge $((TIMEOUT_S * 1000 - 1500)) ] && [ $gone_ms -le $((TIMEOUT_S * 1000 + 1500)) ]"
  check "... the log says no media and no consent check" \
    grep -q 'WebRTC publisher ended .*stream=live/frozen .*reason="no media and no consent check' "$A_LOG"
else
  not_ok "the browser's process group is found (to freeze it)"
fi

# ---- 6. PCMA passthrough (server B) ----
check "Chromium publishes live/pcma to a server with webrtc_audio pcma" publish_page B "app=live&name=pcma"
wait_for 10 media_flows B pcma || log "live/pcma: no media"
probe_streams "rtmp://127.0.0.1:$B_PORT/live/pcma" >"$WORK/pcma.streams"
log "pcma streams: $(tr '\n' ';' <"$WORK/pcma.streams")"
check "... ffprobe sees exactly h264 and pcm_alaw 8000 Hz mono" bash -c \
  "[ \$(wc -l <'$WORK/pcma.streams') = 2 ] && grep -q '^audio pcm_alaw 8000 1\$' '$WORK/pcma.streams' && grep -q '^video h264 ' '$WORK/pcma.streams'"

# ---- 4, continued: the page through the hooks (server H) ----
check "through the hooks Chromium publishes live/hookcam from /publish (token, k=v)" \
  publish_page H "app=live&name=hookcam&token=$TOKEN&query=k%3Dv"
refused_page() {
  cdp navigate "http://127.0.0.1:$H_HTTP/publish?autostart=1&app=live&name=hookcam2&token=wrong-token&query=k%3Dv" &&
    page_true 15 "document.body.dataset.state === 'error' && /\\(403\\).*custom\\.token/.test(document.getElementById('detail').textContent)"
}
check "... and with a wrong token the page shows the hook's refusal (state error, 403)" refused_page
cdp navigate about:blank >/dev/null

# ---- 7. A second, independent client: GStreamer's webrtcbin (tools/gst_whip.py) to server A ----
# (simple-whip-client wraps the same engine but aborts on Debian 12: libsoup2 and libsoup3 in one
# process.) A test pattern 640x360 H.264 and a 440 Hz sine in Opus, for GST_SECONDS once connected.
GST_WHIP=$ROOT/tests/integration/tools/gst_whip.py
GST_SECONDS=15
if /usr/bin/python3 -c 'import gi; gi.require_version("Gst", "1.0"); gi.require_version("GstWebRTC", "1.0")' 2>/dev/null; then
  mkdir -p "$WORK/gst"
  # (/usr/bin/python3: the system's gi, whatever python3 is first in PATH.)
  env GST_REGISTRY="$WORK/gst/registry.bin" HOME="$WORK/gst" XDG_CACHE_HOME="$WORK/gst" \
    timeout $((GST_SECONDS + 40)) /usr/bin/python3 "$GST_WHIP" --url "$A_WHIP/live/gst?x=1" \
    --seconds "$GST_SECONDS" --sdp-log "$WORK/gst.sdp" >"$WORK/gst.json" 2>"$WORK/gst.err" &
  GW_PID=$!
  PIDS+=("$GW_PID")
  gst_up_or_gone() { grep -q 'WebRTC publisher connected .*stream=live/gst' "$A_LOG" || exited "$GW_PID"; }
  wait_for 20 gst_up_or_gone
  if exited "$GW_PID"; then
    wait "$GW_PID"; rc=$?
    cat "$WORK/gst.err" >&2
    not_ok "gst_whip.py (webrtcbin) publishes live/gst (it exited $rc: $(jq -r '.error // empty' "$WORK/gst.json" 2>/dev/null))"
  else
    ok "gst_whip.py (webrtcbin) publishes live/gst: answered 201 and connected"
    check "... its session has the stream parameter x=1" api_true A \
      '[.items[] | select(.role == "publisher" and .stream == "gst" and .stream_params.x == "1")] | length == 1' \
      api/v1/sessions
    wait_for 10 media_flows A gst || log "live/gst: no media"
    probe_streams "$A_RTMP/gst" >"$WORK/gst.streams"
    log "gst streams: $(tr '\n' ';' <"$WORK/gst.streams")"
    check "... ffprobe sees exactly h264 640x360 and aac 48000 Hz stereo (the Opus transcoded)" bash -c \
      "[ \$(wc -l <'$WORK/gst.streams') = 2 ] && grep -q '^video h264 640x360\$' '$WORK/gst.streams' && grep -q '^audio aac 48000 2\$' '$WORK/gst.streams'"
    timeout 30 ffmpeg -hide_banner -nostdin -loglevel level+info -rw_timeout 15000000 \
      -i "$A_RTMP/gst" -t 5 -af volumedetect -enc_time_base:v -1 \
      -progress "$WORK/gst-decode.progress" -f null - 2>"$WORK/gst-decode.log"
    rc=$?
    t=$(awk -F= '$1 == "out_time_us" { v = $2 } END { print int(v / 1000) }' "$WORK/gst-decode.progress" 2>/dev/null)
    frames=$(awk -F= '$1 == "frame" { v = $2 } END { print v + 0 }' "$WORK/gst-decode.progress" 2>/dev/null)
    mean=$(sed -n 's/.*mean_volume: \(-\?[0-9.]*\) dB.*/\1/p' "$WORK/gst-decode.log")
    grep -E '\[(error|fatal|panic)\]' "$WORK/gst-decode.log" | head -n 20 >&2
    log "gst decode: exit $rc, ${t:-0} ms, $frames video frames, mean ${mean:-?} dB"
    check "... ffmpeg decodes 5 s of it (exit $rc, ${t:-0} ms, $frames video frames of 30 fps)" \
      bash -c "[ $rc = 0 ] && [ ${t:-0} -ge 4500 ] && [ $frames -ge 120 ]"
    check "... with no error output, and the sine is heard (mean ${mean:-?} dB > -30)" bash -c \
      "! grep -qE '\\[(error|fatal|panic)\\]' '$WORK/gst-decode.log' && awk -v m='${mean:--999}' 'BEGIN { exit !(m > -30) }'"
    # It ends by itself after GST_SECONDS with a DELETE of its resource.
    by_itself=yes
    wait_for $((GST_SECONDS + 15)) exited "$GW_PID" || { by_itself=no; stop "$GW_PID"; }
    wait "$GW_PID"; rc=$?
    log "gst_whip.py: exit $rc, by itself: $by_itself: $(cat "$WORK/gst.json") $(tr '\n' ' ' <"$WORK/gst.err")"
    check "... the client ends by itself after ${GST_SECONDS} s, connected to the end, its DELETE answered 200 (exit $rc)" \
      bash -c "[ $by_itself = yes ] && [ $rc = 0 ] && jq -e '.status == 201 and .state == \"connected\" and .delete_status == 200 and (.location | test(\"^/whip/live/gst/[0-9a-f]{32}\$\"))' '$WORK/gst.json'"
    check "... and live/gst is unpublished at once (the API has no publisher within 2 s)" wait_for 2 stream_gone A gst
    check "... the server logs the DELETE as the reason" grep -q 'WebRTC publisher ended .*stream=live/gst .*DELETE' "$A_LOG"
  fi
else
  not_ok "GStreamer's webrtcbin from /usr/bin/python3 (python3-gi, gir1.2-gst-plugins-bad-1.0: scripts/deps.sh) is installed"
fi

# ---- The servers ----
for s in A H B; do
  p=${s}_PID l=${s}_LOG
  check "rtmp-serve $s is still running and logged no internal error" \
    bash -c "kill -0 ${!p} && ! grep -q 'internal error' '${!l}'"
done
cdp quit >/dev/null
finish
