#!/usr/bin/env bash
# hook-echo against curl: echo, --deny, --require, --status, --delay, --set, --secret, --count,
# bad bodies, exit codes.
source "$(dirname "$0")/lib.sh"

ECHO=$BIN/hook-echo

# start_echo ARGS...: hook-echo on a free port; sets $EP (port), $EOUT (stdout), $EERR (stderr).
start_echo() {
  EP=$(free_port)
  EOUT=$WORK/echo-$EP.out
  EERR=$WORK/echo-$EP.err
  "$ECHO" --listen "127.0.0.1:$EP" "$@" >"$EOUT" 2>"$EERR" &
  ECHO_PID=$!
  PIDS+=("$ECHO_PID")
  wait_port "$EP" 10 || { log "hook-echo did not start:"; cat "$EERR" >&2; return 1; }
}
stop_echo() { kill "$ECHO_PID" 2>/dev/null; wait "$ECHO_PID" 2>/dev/null; }

# post METHOD BODY [curl args...]: prints "<status> <body>".
post() {
  local method=$1 body=$2; shift 2
  curl -s -o "$WORK/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary "$body" "$@" "http://127.0.0.1:$EP/apps/live/$method"
  echo " $(cat "$WORK/resp")"
}

expect() { # NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; log "expected: $2"; log "actual:   $3"; fi
}

# --- default: 200, body echoed, one JSON line per request on stdout
start_echo
expect "echo: 200 with the body echoed" '200 {"name":"s1","published":true}' \
  "$(post publishStream '{"name":"s1","published":true}')"
line=$(tail -n 1 "$EOUT")
expect "echo: stdout line names method and app" "publishStream live 200 s1" \
  "$(jq -r '"\(.method) \(.app) \(.status) \(.body.name)"' <<<"$line")"
check "echo: stdout line has a time" jq -e '.time | test("^[0-9-]+T[0-9:.]+Z$")' <<<"$line"
expect "bad body: not JSON gets 400" "400" "$(post connect 'not json' | cut -d' ' -f1)"
check "bad body: logged on stderr" grep -q 'body is not a JSON object' "$EERR"
expect "bad body: a JSON array gets 400" "400" "$(post connect '[1,2]' | cut -d' ' -f1)"
expect "bad path gets 404" "404" \
  "$(curl -s -o /dev/null -w '%{http_code}' -d '{}' "http://127.0.0.1:$EP/other")"
expect "GET gets 405" "405" \
  "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$EP/apps/live/connect")"
expect "one stdout line per request" "5" "$(wc -l <"$EOUT")"
stop_echo

# --- sizes
start_echo --max-body 100
big=$(printf '{"name":"%0200d"}' 0)
expect "too large: over --max-body gets 413" "413" "$(post connect "$big" | cut -d' ' -f1)"
check "too large: logged on stderr" grep -q 'larger than --max-body' "$EERR"
expect "under --max-body still 200" "200" "$(post connect '{"a":1}' | cut -d' ' -f1)"
head -c 2000000 /dev/zero | tr '\0' 'x' >"$WORK/huge"
expect "far too large: 413 from the HTTP layer" "413" \
  "$(post connect "@$WORK/huge" | head -n 1 | cut -d' ' -f1)"
stop_echo

# --- --deny
start_echo --deny playStream --deny connect
expect "deny: playStream refused" "403" "$(post playStream '{"name":"s"}' | cut -d' ' -f1)"
expect "deny: connect refused" "403" "$(post connect '{}' | cut -d' ' -f1)"
expect "deny: publishStream allowed" "200" "$(post publishStream '{"name":"s"}' | cut -d' ' -f1)"
stop_echo

# --- --require
start_echo --require custom.auth=secret --require publishStream:published=true
expect "require: matching field allowed" "200" \
  "$(post connect '{"custom":{"auth":"secret"}}' | cut -d' ' -f1)"
expect "require: wrong value refused" "403" \
  "$(post connect '{"custom":{"auth":"guess"}}' | cut -d' ' -f1)"
expect "require: missing field refused" "403" "$(post connect '{"custom":{}}' | cut -d' ' -f1)"
expect "require: METHOD: prefix scopes a rule (boolean compared as JSON)" "200 403" \
  "$(post publishStream '{"custom":{"auth":"secret"},"published":true}' | cut -d' ' -f1) $(
    post publishStream '{"custom":{"auth":"secret"},"published":false}' | cut -d' ' -f1)"
stop_echo

# --- --status
start_echo --status 403
r=$(post connect '{}')
expect "status: fixed 403" "403" "${r%% *}"
check "status: the refusal says why in its body" grep -q 'status' <<<"${r#* }"
stop_echo

# --- --set
start_echo --set name=channel1 --set record=true --set custom.extra=x --set playStream:name=p
r=$(post publishStream '{"name":"s1","record":false,"custom":{"k":"v"}}')
expect "set: fields overwritten in the answer" \
  '200 {"custom":{"extra":"x","k":"v"},"name":"channel1","record":true}' "$r"
expect "set: METHOD: prefix applies to that method only" "p" \
  "$(post playStream '{"name":"s1"}' | cut -d' ' -f2 | jq -r .name)"
expect "set: stdout shows the request, not the answer" "s1" "$(head -n 1 "$EOUT" | jq -r .body.name)"
stop_echo

# --- --delay
start_echo --delay 800ms
t0=$(date +%s%N)
r=$(post connect '{}' | cut -d' ' -f1)
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
expect "delay: answer still 200" "200" "$r"
check "delay: answer came after the delay ($elapsed_ms ms)" test "$elapsed_ms" -ge 750
expect "delay: a client with a shorter timeout gives up" "000" \
  "$(post connect '{}' --max-time 0.3 | cut -d' ' -f1)"
stop_echo
start_echo --delay 1s
t0=$(date +%s%N)
for i in 1 2 3 4; do post connect '{}' >/dev/null & done
wait_jobs() { local p; for p in $(jobs -p); do [ "$p" = "$ECHO_PID" ] || wait "$p"; done; }
wait_jobs
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
check "delay: concurrent requests wait in parallel ($elapsed_ms ms for 4)" test "$elapsed_ms" -lt 3000
stop_echo

# --- --secret
start_echo --secret s3cret
body='{"nodeId":"n1","name":"s1"}'
sig="sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac s3cret | awk '{print $NF}')"
expect "secret: good signature allowed" "200" \
  "$(post publishStream "$body" -H "X-Rtmpkit-Signature: $sig" | cut -d' ' -f1)"
expect "secret: stdout shows the signature" "$sig" "$(tail -n 1 "$EOUT" | jq -r .signature)"
expect "secret: signature of another body refused" "401" \
  "$(post publishStream '{"nodeId":"n1","name":"s2"}' -H "X-Rtmpkit-Signature: $sig" | cut -d' ' -f1)"
expect "secret: missing signature refused" "401" "$(post publishStream "$body" | cut -d' ' -f1)"
stop_echo
EP=$(free_port)
HOOK_ECHO_SECRET=s3cret "$ECHO" --listen "127.0.0.1:$EP" --count 1 >/dev/null 2>&1 &
PIDS+=("$!"); ECHO_PID=$!
wait_port "$EP" 10
expect "secret: taken from HOOK_ECHO_SECRET" "401" "$(post connect '{}' | cut -d' ' -f1)"
stop_echo

# --- --count
start_echo --count 2 --delay 200ms
post connect '{}' >/dev/null
r=$(post connect '{}' | cut -d' ' -f1)
expect "count: the last request is answered" "200" "$r"
for _ in $(seq 1 50); do kill -0 "$ECHO_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$ECHO_PID" 2>/dev/null; then not_ok "count: exits after N requests"; else
  wait "$ECHO_PID"; expect "count: exits 0 after N requests" "0" "$?"; fi

# --- exit codes
EP=$(free_port)
"$ECHO" --listen "127.0.0.1:$EP" >/dev/null 2>&1 &
PIDS+=("$!"); blocker=$!
wait_port "$EP" 10
"$ECHO" --listen "127.0.0.1:$EP" >/dev/null 2>"$WORK/busy.err"
expect "exit 1 when it cannot listen" "1" "$?"
check "cannot listen: says why" grep -q 'cannot listen' "$WORK/busy.err"
kill "$blocker"; wait "$blocker" 2>/dev/null
expect "SIGTERM exits 0" "0" "$?"
for args in "--status 99" "--deny play" "--delay soon" "--require noequals" "--set =x" "--listen nope" \
  "--count 0" "--bogus"; do
  # shellcheck disable=SC2086
  "$ECHO" $args >/dev/null 2>&1
  expect "usage error exits 2: $args" "2" "$?"
done
"$ECHO" --help >/dev/null
expect "--help exits 0" "0" "$?"

finish
