# REST hooks end to end: rtmp-serve asks and tells hook-echo; ffmpeg publishes and plays.
source "$(dirname "$0")/lib.sh"

AAC=$FIXTURES/h264_aac.flv

# start_hooks [hook-echo args]: hook-echo on a free port; sets $HOOK_PORT, $HOOKS (its JSON lines).
start_hooks() {
  HOOK_PORT=$(free_port)
  HOOKS=$WORK/hooks-$HOOK_PORT.jsonl
  "$BIN/hook-echo" --listen "127.0.0.1:$HOOK_PORT" "$@" >"$HOOKS" 2>"$WORK/hook-echo-$HOOK_PORT.log" &
  HOOK_PID=$!
  PIDS+=("$HOOK_PID")
  wait_port "$HOOK_PORT" 10
}
hook_url() { echo "http://127.0.0.1:$HOOK_PORT/apps/EchoApp"; }
# hook METHOD [FILTER]: the bodies of recorded hooks of METHOD, as JSON lines (jq-free: grep).
hook_lines() { grep "\"method\":\"$1\"" "$HOOKS"; }
publish_once() { # URL [seconds]: ffmpeg publishes the AAC fixture for a while, in the foreground
  timeout 30 ffmpeg -hide_banner -nostdin -loglevel error -re -t "${2:-2}" -i "$AAC" -c copy -f flv "$1"
}

# 1. Fields of connect, publishStream and the status events.
start_hooks
start_serve --rest-hook-url "$(hook_url)"
publish_once "rtmp://127.0.0.1:$PORT/live?token=abc/cam1?quality=hd" 3 2>"$WORK/pub1.err"
check "publish with hooks succeeds" test $? = 0
sleep 0.5
check "connect carries custom {token: abc}" grep -q '"custom":{"token":"abc"}' <(hook_lines connect)
check "connect carries the WCS session id form" \
  grep -Eq '"sessionId":"/127\.0\.0\.1:[0-9]+/127\.0\.0\.1:'"$PORT"'"' <(hook_lines connect)
check "publishStream carries name cam1" grep -q '"name":"cam1"' <(hook_lines publishStream)
check "publishStream carries custom {quality: hd}" \
  grep -q '"custom":{"quality":"hd"}' <(hook_lines publishStream)
check "publishStream is published, status NEW, mediaProvider Flash" \
  grep '"published":true' <(hook_lines publishStream) -q
check "publishStream status NEW" grep -q '"status":"NEW"' <(hook_lines publishStream)
check "ConnectionStatusEvent ESTABLISHED" grep -q '"status":"ESTABLISHED"' <(hook_lines ConnectionStatusEvent)
check "StreamStatusEvent PUBLISHING has codec and size" \
  grep -q '"status":"PUBLISHING".*' <(hook_lines StreamStatusEvent | grep '"videoCodec":"h264"' | grep '"width":640' | grep '"height":360' | grep '"audioCodec":"aac"')
check "StreamStatusEvent UNPUBLISHED has bitrates" \
  grep -q '"videoBitrate":[1-9]' <(hook_lines StreamStatusEvent | grep '"status":"UNPUBLISHED"')
check "unPublishStream sent" grep -q '"name":"cam1"' <(hook_lines unPublishStream)
check "ConnectionStatusEvent DISCONNECTED" grep -q '"status":"DISCONNECTED"' <(hook_lines ConnectionStatusEvent)
# rtmp-urlparse --hook builds the same payloads from the same code (sessionId and UUID aside).
same_fields() { # METHOD: the fields rtmp-serve sent equal what rtmp-urlparse --hook prints
  local url="rtmp://127.0.0.1:$PORT/live?token=abc/cam1?quality=hd" sent printed
  sent=$(hook_lines "$1" | head -n 1 | sed 's/.*"body":\({.*}\)}$/\1/' |
    sed -E 's/"(sessionId|mediaSessionId)":"[^"]*",?//g')
  printed=$("$BIN/rtmp-urlparse" --hook "$1" "$url" | sed -E 's/"(sessionId|mediaSessionId)":"[^"]*",?//g')
  log "$1 sent:    $sent"
  log "$1 printed: $printed"
  [ -n "$printed" ] && [ "$sent" = "$printed" ]
}
check "rtmp-urlparse --hook connect matches the server's connect payload" same_fields connect
check "rtmp-urlparse --hook publishStream matches the server's payload" same_fields publishStream
kill "$SERVE_PID" "$HOOK_PID" 2>/dev/null

# 2. A refused connect makes ffmpeg fail with the backend's reason.
start_hooks --require connect:custom.token=abc
start_serve --rest-hook-url "$(hook_url)"
publish_once "rtmp://127.0.0.1:$PORT/live?token=wrong/cam1" 1 2>"$WORK/pub2.err"
check "refused connect fails ffmpeg" test $? != 0
check "ffmpeg shows the backend's reason" grep -q "Server error: .*custom.token=abc" "$WORK/pub2.err"
check "server logs the refusal" grep -q "connect refused by hook" "$SERVE_LOG"
kill "$SERVE_PID" "$HOOK_PID" 2>/dev/null

# 3. A refused play leaves the publisher untouched.
start_hooks --deny playStream
start_serve --rest-hook-url "$(hook_url)"
publish_file "$AAC" "rtmp://127.0.0.1:$PORT/live/cam2" -stream_loop 2
sleep 1.5
timeout 15 ffprobe -v error "rtmp://127.0.0.1:$PORT/live/cam2" 2>"$WORK/play3.err"
check "refused play fails the player" test $? != 0
check "server logs the refused play" grep -q "play refused by hook" "$SERVE_LOG"
sleep 1
check "publisher still publishing after a refused play" kill -0 "$PUBLISH_PID"
check "no unpublish while the publisher runs" bash -c "! grep -q 'unpublish .*cam2' '$SERVE_LOG'"
kill "$PUBLISH_PID" "$SERVE_PID" "$HOOK_PID" 2>/dev/null

# 4. Backend down: FAIL refuses, LOG allows.
HOOK_PORT=$(free_port)  # nothing listens there
start_serve --rest-hook-url "$(hook_url)" --rest-request-timeout 2s
publish_once "rtmp://127.0.0.1:$PORT/live/cam3" 1 2>"$WORK/pub4.err"
check "backend down with rest_on_error FAIL refuses" test $? != 0
check "the refused client is told the backend is unavailable" \
  grep -q "authorization backend unavailable" "$WORK/pub4.err"
check "... and not the backend's address" bash -c "! grep -qE '127.0.0.1.*$HOOK_PORT|$HOOK_PORT' '$WORK/pub4.err'"
check "... which the server log has" grep -q "connect refused by hook: .*$HOOK_PORT" "$SERVE_LOG"
kill "$SERVE_PID"
start_serve --rest-hook-url "$(hook_url)" --rest-request-timeout 2s --rest-on-error LOG
publish_once "rtmp://127.0.0.1:$PORT/live/cam3" 1 2>"$WORK/pub4b.err"
check "backend down with rest_on_error LOG allows" test $? = 0
check "LOG mode logs the failed hook" grep -q "hook failed, allowed" "$SERVE_LOG"
kill "$SERVE_PID"

# 5. A backend that answers after 3 s does not stall other sessions: hooks run concurrently and
# a playing session keeps receiving while other sessions wait on the backend.
start_hooks --delay 3s
start_serve --rest-hook-url "$(hook_url)" --rest-request-timeout 10s
publish_file "$AAC" "rtmp://127.0.0.1:$PORT/live/slow" -stream_loop 10
spawn "$WORK/slow-player.log" ffmpeg -hide_banner -nostdin -loglevel error \
  -i "rtmp://127.0.0.1:$PORT/live/slow" -c copy -f framemd5 -flush_packets 1 "$WORK/slow-player.md5"
wait_for() { local d=$((SECONDS + $1)); shift; until "$@"; do ((SECONDS < d)) || return 1; sleep 0.2; done; }
wait_for 30 grep -q "^1," "$WORK/slow-player.md5" 2>/dev/null
before=$(grep -c '^[01],' "$WORK/slow-player.md5")
t0=$(date +%s%N)
for i in 1 2 3; do
  timeout 30 ffprobe -v error -show_entries stream=codec_name "rtmp://127.0.0.1:$PORT/live/slow" \
    >"$WORK/slow-probe$i.out" 2>&1 &
done
wait_pids=$(jobs -p | tail -3)
wait $wait_pids
t1=$(date +%s%N)
after=$(grep -c '^[01],' "$WORK/slow-player.md5")
elapsed_ms=$(((t1 - t0) / 1000000))
log "3 players through a 3 s backend (2 hooks each) took ${elapsed_ms} ms; running player got $((after - before)) packets meanwhile"
check "players through a slow backend still play" \
  bash -c "grep -q h264 '$WORK/slow-probe1.out' && grep -q h264 '$WORK/slow-probe2.out' && grep -q h264 '$WORK/slow-probe3.out'"
check "slow hooks run concurrently (3 x 6 s of hooks in under 14 s)" test "$elapsed_ms" -lt 14000
check "a playing session keeps receiving while others wait on hooks" test $((after - before)) -gt 100
kill "$PUBLISH_PID" "$SERVE_PID" "$HOOK_PID" 2>/dev/null

# 6. An overwritten name routes the stream: publishing key "secret1" becomes "channel1".
start_hooks --set publishStream:name=channel1
start_serve --rest-hook-url "$(hook_url)" --rest-overwrite name
publish_file "$AAC" "rtmp://127.0.0.1:$PORT/live/secret1" -stream_loop 2
sleep 1.5
timeout 15 ffprobe -v error -show_entries stream=codec_name "rtmp://127.0.0.1:$PORT/live/channel1" >"$WORK/route.out" 2>&1
check "overwritten name routes the stream (channel1 plays)" grep -q h264 "$WORK/route.out"
check "server logs the routed name" grep -q "stream=live/channel1" "$SERVE_LOG"
kill "$PUBLISH_PID" "$SERVE_PID" "$HOOK_PID" 2>/dev/null

# 6b. A bad overwritten name (not a string, or with '/': app "live" + "a/b" is not a stream of
# app "live/a") refuses the publish with a clear status, and the log says why.
for bad in "5:is not a string" "a/b:contains '/'"; do
  start_hooks --set "publishStream:name=${bad%%:*}"
  start_serve --rest-hook-url "$(hook_url)" --rest-overwrite name
  publish_once "rtmp://127.0.0.1:$PORT/live/key1" 1 2>"$WORK/badname.err"
  check "overwritten name ${bad%%:*} refuses the publish" test $? != 0
  check "... the client reads why" grep -q "Stream name refused by the server" "$WORK/badname.err"
  check "... the log says the name ${bad#*:}" grep -q "overwritten name ${bad#*:}" "$SERVE_LOG"
  kill "$SERVE_PID" "$HOOK_PID" 2>/dev/null
done

# 7. Signatures: hook-echo refuses a wrong secret and accepts the right one.
start_hooks --secret right
start_serve --rest-hook-url "$(hook_url)" --rest-hook-secret wrong
publish_once "rtmp://127.0.0.1:$PORT/live/sig" 1 2>/dev/null
check "bad signature is refused" test $? != 0
check "hook-echo answered 401" grep -q '"status":401' "$HOOKS"
kill "$SERVE_PID"
start_serve --rest-hook-url "$(hook_url)" --rest-hook-secret right
publish_once "rtmp://127.0.0.1:$PORT/live/sig" 1 2>/dev/null
check "good signature is accepted" test $? = 0
kill "$SERVE_PID" "$HOOK_PID" 2>/dev/null

# 8. rtmp_use_stream_params_as_connection: the connect hook waits for the name and carries its params.
start_hooks --require connect:custom.auth=key
start_serve --rest-hook-url "$(hook_url)" --rtmp-use-stream-params-as-connection true
publish_once "rtmp://127.0.0.1:$PORT/live/test?auth=key" 1 2>"$WORK/pub8.err"
check "stream params authenticate the deferred connect" test $? = 0
check "connect hook carries the stream params" grep -q '"custom":{"auth":"key"}' <(hook_lines connect)
publish_once "rtmp://127.0.0.1:$PORT/live/test?auth=bad" 1 2>/dev/null
check "wrong stream param refused by the deferred connect" test $? != 0
kill "$SERVE_PID" "$HOOK_PID" 2>/dev/null

finish
