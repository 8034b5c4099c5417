#!/usr/bin/env bash
# The HTTP side (docs/http-api.md) against real clients: ffmpeg publishes, ffmpeg, VLC and
# rtmp-probe play; curl reads the API and /metrics (checked by promtool) and kicks sessions;
# then hostile HTTP input while a player plays, and the access rules with and without api_token.
source "$(dirname "$0")/lib.sh"

REF=$FIXTURES/h264_aac.flv
HP=$(free_port)
API=http://127.0.0.1:$HP
start_serve --http-listen "127.0.0.1:$HP" --rest-hook-secret HOOKSECRET-1234 || {
  not_ok "rtmp-serve starts with --http-listen"; finish; }
wait_port "$HP" 10 || { not_ok "HTTP port $HP answers"; finish; }
URL=rtmp://127.0.0.1:$PORT/live

# get PATH [curl args]: the body of GET $API/PATH (fails on an HTTP error).
get() { local p=$1; shift; curl -sf --max-time 10 "$@" "$API/$p"; }
# status METHOD PATH [curl args]: the HTTP status alone.
status() { local m=$1 p=$2; shift 2; curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X "$m" "$@" "$API/$p"; }
# jq_true FILTER PATH: the filter over GET PATH's JSON is true.
jq_true() { get "$2" | jq -e "$1" >/dev/null; }
# port_of PID: the local TCP port of PID's connection to the RTMP port.
port_of() { ss -tnpH "dport = :$PORT" 2>/dev/null | grep "pid=$1," | awk '{print $4}' | sed 's/.*://' | head -1; }
session_of_port() { get api/v1/sessions?items_per_page=1000 | jq -r --arg p ":$1" '.items[] | select(.peer | endswith($p)) | .id'; }

check "GET /healthz is 200 ok" bash -c "[ \"\$(curl -sf $API/healthz)\" = ok ]"

publish_loop "$REF" "$URL/cam?token=abc"
wait_for 20 log_has "publish .*stream=live/cam " || log "publisher slow to start"
spawn "$WORK/ffplayer.log" "${FF[@]}" -loglevel warning -i "$URL/cam" -f null -
FFPLAYER=$LAST_PID
mkdir -p "$WORK/vlc" && chmod 777 "$WORK/vlc"
spawn "$WORK/vlc.log" as_user timeout 60 cvlc -q --no-video-title-show --run-time 40 --play-and-exit \
  "$URL/cam" --sout "#std{access=file,mux=ts,dst=$WORK/vlc/out.ts}" vlc://quit
VLC=$LAST_PID
spawn "$WORK/probe.json" "$BIN/rtmp-probe" --format json --duration 6 --flash-ver "PROBE-HTTP-TEST" "$URL/cam"
PROBE=$LAST_PID

wait_for 20 jq_true '.streams[0].player_count == 3' api/v1/streams
check "the stream lists its 3 players (ffmpeg, VLC, rtmp-probe)" jq_true \
  '.count == 1 and .streams[0].player_count == 3 and (.streams[0].players | length) == 3' api/v1/streams
sleep 4  # two bitrate samples
get api/v1/streams/live/cam >"$WORK/stream.json"
check "the stream's publisher, its params and flashVer" jq -e \
  '.publisher.session_id > 0 and .publisher.params.token == "abc" and (.publisher.flash_ver | startswith("FMLE/3.0"))' \
  "$WORK/stream.json"
check "... an RTMP publisher has no WebRTC counters (publisher.webrtc null)" jq -e \
  '.publisher | has("webrtc") and .webrtc == null' "$WORK/stream.json"
read -r W H FPS < <(ffprobe -v error -select_streams v -show_entries stream=width,height,r_frame_rate -of csv=p=0 "$REF" | tr ',' ' ')
read -r AR AC < <(ffprobe -v error -select_streams a -show_entries stream=sample_rate,channels -of csv=p=0 "$REF" | tr ',' ' ')
check "codecs as ffprobe sees the file: h264 ${W}x$H, aac $AR Hz $AC ch" jq -e \
  --argjson w "$W" --argjson h "$H" --argjson ar "$AR" --argjson ac "$AC" \
  '.video.codec == "h264" and .video.width == $w and .video.height == $h and (.video.profile | length) > 0
   and .audio.codec == "aac" and .audio.sample_rate == $ar and .audio.channels == $ac' "$WORK/stream.json"
check "video frame rate is the file's ($FPS)" jq -e --argjson f "$(python3 -c "print(eval('$FPS'))")" \
  '(.video.frame_rate - $f) | fabs < 0.01' "$WORK/stream.json"
check "bitrate over 10 s, history and bytes in are there" jq -e \
  '.bitrate > 100000 and .bitrate < 10000000 and (.bitrate_history.bits_per_second | length) >= 1 and .bytes_in > 100000' \
  "$WORK/stream.json"
check "the GOP cache holds messages from a keyframe" jq -e '.gop_cache.messages > 0 and .gop_cache.bytes > 0' "$WORK/stream.json"
check "the same rtmp-probe field names for the codecs" bash -c \
  "jq -e '.video | has(\"codec\") and has(\"profile\") and has(\"width\") and has(\"height\") and has(\"frame_rate\")' '$WORK/stream.json' >/dev/null"

get api/v1/sessions >"$WORK/sessions.json"
check "GET /api/v1/sessions: 4 sessions, 1 publisher and 3 players" jq -e \
  '.item_count == 4 and ([.items[] | select(.role == "publisher")] | length) == 1 and ([.items[] | select(.role == "player")] | length) == 3' \
  "$WORK/sessions.json"
check "sessions are paged" bash -c "curl -sf '$API/api/v1/sessions?items_per_page=3&page=1' |
  jq -e '.page_count == 2 and (.items | length) == 1 and .page == 1' >/dev/null"
PID_OF_PUB=$(jq -r '.items[] | select(.role == "publisher") | .id' "$WORK/sessions.json")
check "GET /api/v1/sessions/{id} of the publisher: app, stream, params, bytes" jq_true \
  '.role == "publisher" and .app == "live" and .stream == "cam" and .stream_params.token == "abc" and .bytes_in > 100000' \
  "api/v1/sessions/$PID_OF_PUB"

# rtmp-probe's bytes against what the API says it was sent: polled until the probe ends.
PROBE_ID=$(get api/v1/sessions?items_per_page=1000 | jq -r '.items[] | select(.flash_ver == "PROBE-HTTP-TEST") | .id')
last=0
while ! exited "$PROBE"; do
  b=$(get "api/v1/sessions/$PROBE_ID" 2>/dev/null | jq -r .bytes_out 2>/dev/null)
  [[ $b =~ ^[0-9]+$ ]] && last=$b
  sleep 0.1
done
got=$(jq -r .bytes_received "$WORK/probe.json")
# The final count is in the session's close line (the last API sample is up to a poll old).
closed_line() { grep -a "session closed .*session=$PROBE_ID .*bytes_out=" "$SERVE_LOG"; }
has_closed_line() { closed_line >/dev/null; }
wait_for 10 has_closed_line
sent=$(closed_line | sed -n 's/.*bytes_out=\([0-9]*\).*/\1/p' | tail -n 1)
log "probe received $got bytes; API's last bytes_out $last; the close line's ${sent:-none}"
check "the API's bytes_out while playing grew and stayed within the session's final count" \
  python3 -c "import sys; l,s=$last,${sent:-0}; sys.exit(0 if 100000 < l <= s else 1)"
check "rtmp-probe received what the server sent (within 256 KiB: unread at its end)" \
  python3 -c "import sys; g,s=$got,${sent:-0}; sys.exit(0 if s > 100000 and abs(g - s) < 262144 else 1)"

# Kick the ffmpeg player: it is told (StreamEOF, NetStream.Play.Stop) and exits.
FFID=$(session_of_port "$(port_of "$FFPLAYER")")
check "the ffmpeg player's session is found by its port (id ${FFID:-none})" test -n "$FFID"
check "DELETE /api/v1/sessions/$FFID is 204" test "$(status DELETE "api/v1/sessions/$FFID")" = 204
check "the kicked ffmpeg player exits" wait_for 10 exited "$FFPLAYER"
check "the log says who closed it" log_has "session=$FFID .*closed by the operator"
check "the kicked session is gone from the API" wait_for 5 test "$(status GET "api/v1/sessions/$FFID")" = 404

# Metrics: promtool accepts them; counters only grow; they agree with the API.
get metrics >"$WORK/m1.txt"
check "promtool check metrics accepts /metrics" bash -c "promtool check metrics <'$WORK/m1.txt' >&2"
sleep 2.5
get metrics >"$WORK/m2.txt"
check "counters only grow between two scrapes" python3 - "$WORK/m1.txt" "$WORK/m2.txt" <<'EOF'
import sys
def parse(p):
    kinds, vals = {}, {}
    for line in open(p):
        if line.startswith("# TYPE"):
            _, _, name, kind = line.split()
            kinds[name] = kind
        elif line.strip() and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            vals[series] = float(value)
    return kinds, vals
k1, a = parse(sys.argv[1])
_, b = parse(sys.argv[2])
counters = [n for n, k in k1.items() if k in ("counter", "histogram")]
bad = [s for s in a if any(s.split("{")[0].startswith(n) for n in counters) and s in b and b[s] < a[s]]
grew = [s for s in ("rtmpkit_sent_bytes_total", "rtmpkit_received_bytes_total") if b.get(s, 0) > a.get(s, 0)]
print("went back:", bad, "grew:", grew, file=sys.stderr)
sys.exit(0 if not bad and len(grew) == 2 else 1)
EOF
players_api=$(get api/v1/streams | jq '[.streams[].player_count] | add')
check "metrics agree with the API: 1 publisher, $players_api players, 1 live stream" bash -c "
  grep -qx 'rtmpkit_sessions{role=\"publisher\"} 1' '$WORK/m2.txt' &&
  grep -qx 'rtmpkit_sessions{role=\"player\"} $players_api' '$WORK/m2.txt' &&
  grep -qx 'rtmpkit_streams{state=\"live\"} 1' '$WORK/m2.txt' &&
  grep -qx 'rtmpkit_stream_players{app=\"live\",name=\"cam\"} $players_api' '$WORK/m2.txt'"

# DELETE a stream: its publisher (rtmp-probe) is told at once, and a player of it ends now,
# not after unpublish_notify_delay (5 s by default).
spawn "$WORK/pub2.json" "$BIN/rtmp-probe" --format json --publish "$REF" --loop --duration 30 "$URL/two"
PUB2=$LAST_PID
wait_for 20 log_has "publish .*stream=live/two " || log "second publisher slow"
spawn "$WORK/player2.log" "${FF[@]}" -loglevel warning -i "$URL/two" -f null -
P2=$LAST_PID
wait_for 20 jq_true '.player_count == 1' api/v1/streams/live/two
t0=$(now_ms)
check "DELETE /api/v1/streams/live/two is 204" test "$(status DELETE api/v1/streams/live/two)" = 204
check "its publisher (rtmp-probe) stops" wait_for 10 exited "$PUB2"
check "rtmp-probe was told NetStream.Unpublish.Success" jq -e \
  '[.statuses[] | select(.code == "NetStream.Unpublish.Success")] | length == 1' <(head -n 1 "$WORK/pub2.json")
check "its player ends at once (no unpublish_notify_delay)" wait_for 4 exited "$P2"
log "player of the deleted stream ended $(( $(now_ms) - t0 )) ms after the DELETE"
check "DELETE of a stream that is not there is 404" test "$(status DELETE api/v1/streams/live/two)" = 404

# Malformed and hostile HTTP, while a player plays: clear statuses, and the player unharmed.
play_hashes "$URL/cam" "$WORK/healthy.md5"; HEALTHY=$PLAYER_PID
wait_for 20 at_least 30 "$WORK/healthy.md5" || log "healthy player slow to start"
check "unknown path is 404" test "$(status GET nope)" = 404
check "unknown API version is 404" test "$(status GET api/v2/server)" = 404
check "bad percent escape is 400" test "$(status GET 'api/v1/streams/%zz/x')" = 400
check "%00 in a segment is 400" test "$(status GET 'api/v1/streams/live/a%00b')" = 400
check "a non-numeric session id is 400" test "$(status GET api/v1/sessions/abc)" = 400
check "a huge session id is 400" test "$(status GET api/v1/sessions/123456789012345678901234)" = 400
check "an unknown session is 404" test "$(status GET api/v1/sessions/999999)" = 404
check "items_per_page=0 is 400" test "$(status GET 'api/v1/sessions?items_per_page=0')" = 400
check "POST /api/v1/server is 405 with Allow" bash -c \
  "curl -s -D - -o /dev/null -X POST '$API/api/v1/server' | grep -qi '^Allow: GET, HEAD'"
check "errors are JSON with status and reason" bash -c \
  "curl -s '$API/api/v1/streams/live/none' | jq -e '.error.status == 404 and (.error.reason | length) > 0' >/dev/null"
check "an app with a / is one %2F segment" test "$(status GET 'api/v1/streams/li%2Fve/cam')" = 404
check "a 64 KiB header is refused" bash -c \
  "c=\$(curl -s -o /dev/null -w '%{http_code}' -H \"X-Big: \$(head -c 65536 /dev/zero | tr '\\0' a)\" '$API/api/v1/server'); [ \"\$c\" -ge 400 ] && [ \"\$c\" -lt 500 ] || [ \"\$c\" = 000 ]"
check "a 1 MiB body is refused with 413" bash -c \
  "[ \"\$(head -c 1048576 /dev/zero | curl -s -o /dev/null -w '%{http_code}' --data-binary @- '$API/api/v1/server')\" = 413 ]"
check "a foreign Origin is 403" test "$(status GET api/v1/streams -H 'Origin: http://evil.example')" = 403
check "a same-origin Origin is served" test "$(status GET api/v1/streams -H "Origin: http://127.0.0.1:$HP")" = 200
check "a non-loopback Host (DNS rebinding) is 403" test "$(status GET api/v1/streams -H 'Host: evil.example:8935')" = 403
check "Host localhost is served" test "$(status GET api/v1/streams -H "Host: localhost:$HP")" = 200
# Slow clients: 50 connections that send half a request and wait.
for i in $(seq 1 50); do
  (exec 3<>/dev/tcp/127.0.0.1/$HP; printf 'GET /api/v1/server HTTP/1.1\r\nHost: 127' >&3; sleep 12) &
done
sleep 0.5
check "with 50 slow HTTP clients, /healthz still answers at once" \
  bash -c "[ \"\$(curl -s --max-time 2 $API/healthz)\" = ok ]"
# 1000 requests, 50 at a time.
for i in $(seq 1 1000); do echo "url = \"$API/api/v1/streams\""; echo "output = /dev/null"; done >"$WORK/urls"
t0=$(now_ms)
codes=$(curl -s --parallel --parallel-max 50 -K "$WORK/urls" -w '%{http_code}\n' | sort | uniq -c)
log "1000 requests in $(( $(now_ms) - t0 )) ms: $codes"
check "1000 parallel API requests all answered 200" bash -c "[ \"\$(echo '$codes' | awk '\$2==200{print \$1}')\" = 1000 ]"
n1=$(packets "$WORK/healthy.md5"); sleep 2; n2=$(packets "$WORK/healthy.md5")
check "the player kept receiving ($n1 -> $n2 packets in 2 s)" test $((n2 - n1)) -ge 60
check "no message was dropped for any player" jq_true '[.streams[].players[].messages_dropped] | add == 0' api/v1/streams
wait_for 20 at_least 420 "$WORK/healthy.md5" || log "healthy player slow"
stop "$HEALTHY"
BIT_EXACT_MIN_SECONDS=5 check "the player's packets are the file's, bit-exact" bit_exact "$REF" "$WORK/healthy.md5" cyclic
check "no answer or log line holds rest_hook_secret" bash -c \
  "! grep -q HOOKSECRET-1234 '$SERVE_LOG' && ! curl -s '$API/api/v1/server' | grep -q HOOKSECRET && ! curl -s '$API/metrics' | grep -q HOOKSECRET"
check "rtmp-serve still serves RTMP and HTTP" bash -c "[ \"\$(curl -s $API/healthz)\" = ok ]"
n=$(ffprobe -v error -select_streams v -show_entries packet=stream_index -of csv=p=0 "$WORK/vlc/out.ts" 2>/dev/null | grep -c .)
check "VLC, one of the listed players, received $n H.264 frames (>= 90)" test "$n" -ge 90

# With api_token: a Bearer token for the API and /metrics; /healthz and the page need none.
stop "$SERVE_PID"
HP=$(free_port); API=http://127.0.0.1:$HP
start_serve --http-listen "127.0.0.1:$HP" --api-token 'TOKEN-s3cret' || { not_ok "rtmp-serve starts with --api-token"; finish; }
wait_port "$HP" 10
check "api_token: no token is 401" test "$(status GET api/v1/server)" = 401
check "api_token: 401 says WWW-Authenticate: Bearer" bash -c \
  "curl -s -D - -o /dev/null '$API/api/v1/server' | grep -qi '^WWW-Authenticate: Bearer'"
check "api_token: a wrong token is 401" test "$(status GET api/v1/server -H 'Authorization: Bearer nope')" = 401
check "api_token: /metrics needs it too" test "$(status GET metrics)" = 401
check "api_token: the right token is 200" test "$(status GET api/v1/server -H 'Authorization: Bearer TOKEN-s3cret')" = 200
check "api_token: /metrics with the token is 200" test "$(status GET metrics -H 'Authorization: Bearer TOKEN-s3cret')" = 200
check "api_token: /healthz needs no token" test "$(status GET healthz)" = 200
check "api_token: the status page loads without it" test "$(status GET '')" = 200
check "api_token: each of the 4 refusals is one log line" bash -c "[ \$(grep -c 'HTTP request refused' '$SERVE_LOG') = 4 ]"
check "api_token: the token is in no log line and no answer" bash -c \
  "! grep -q TOKEN-s3cret '$SERVE_LOG' && ! curl -s -H 'Authorization: Bearer TOKEN-s3cret' '$API/api/v1/server' | grep -q TOKEN-s3cret"
finish
