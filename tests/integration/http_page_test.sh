#!/usr/bin/env bash
# The status page (GET /) in headless Chromium, one browser for every check, driven over the
# DevTools pipe by tools/cdp.py (a coprocess: one command a line, one answer a line).
# 1. Without api_token: ffmpeg publishes two streams (one named and parametered like HTML), two
#    ffmpeg players play one. The page lists the streams, their codecs and both players with a
#    bitrate of their own, draws the bitrate graph; the hostile strings stay text; a player's and
#    a publisher's close button end that ffmpeg and its row. A screenshot is kept in
#    build/artefacts/status-page.png.
# 2. With api_token: the page asks for the token on 401, refuses a wrong one, and with the right
#    one lists the streams and closes sessions (DELETE carries the token too).
source "$(dirname "$0")/lib.sh"

AAC=$FIXTURES/h264_aac.flv
ARTEFACTS=$ROOT/build/artefacts
CDP_PY=$ROOT/tests/integration/tools/cdp.py
# Peer-supplied text that would be markup if a page took it for HTML. ffmpeg cuts an RTMP URL at a
# space (librtmp's options), so the key has none: its '/' makes app `live/<svg`, name
# `onload=alert(1)>`, which the page shows as one `app/name` string. The stream query is
# percent-decoded by the server: its value has spaces.
XSS_KEY='live/<svg/onload=alert(1)>'
XSS_PARAM='<img src=x onerror=alert(2)>'
XSS_QUERY='x=%3Cimg%20src%3Dx%20onerror%3Dalert(2)%3E'
TOKEN=SECRET-$RANDOM$RANDOM

command -v chromium >/dev/null || { not_ok "chromium is installed (scripts/deps.sh installs it)"; finish; }
mkdir -p "$ARTEFACTS"

# ---- The browser ----
coproc CDP { exec python3 "$CDP_PY" --log "$WORK/chromium.log" 2>"$WORK/cdp.err"; }
PIDS+=("$CDP_PID")
CDP_TO=${CDP[1]} CDP_FROM=${CDP[0]}
# cdp CMD [ARG...]: one command to the browser (see cdp.py); its answer in $CDP_REPLY, $CDP_VALUE
# (the JSON after "ok "). Succeeds when the answer is "ok ...".
cdp() {
  local secs=60
  [ "$1" = wait ] && secs=$((${2%.*} + 30))
  printf '%s\n' "$*" 1>&"$CDP_TO" 2>/dev/null || { CDP_REPLY="error the cdp.py coprocess is gone"; return 1; }
  IFS= read -r -t "$secs" CDP_REPLY <&"$CDP_FROM" || CDP_REPLY="error no answer from cdp.py in $secs s"
  CDP_VALUE=${CDP_REPLY#ok }
  log "cdp $1: ${CDP_REPLY:0:300}"
  [[ $CDP_REPLY == ok* ]]
}
# page_true SECONDS EXPR: the JavaScript expression becomes truthy within SECONDS.
page_true() { cdp wait "$@"; }
# page_eq WANT EXPR: the expression's value, as JSON, is WANT.
page_eq() { cdp eval "$2" && [ "$CDP_VALUE" = "$1" ]; }

IFS= read -r -t 60 CDP_REPLY <&"$CDP_FROM" || CDP_REPLY="error no answer from cdp.py"
log "cdp: $CDP_REPLY"
if [[ $CDP_REPLY != ready* ]]; then
  cat "$WORK/cdp.err" "$WORK/chromium.log" >&2 2>/dev/null
  not_ok "headless chromium starts over the DevTools pipe ($CDP_REPLY)"; finish
fi
ok "headless chromium starts over the DevTools pipe (${CDP_REPLY#ready })"

# local_addr PID: the local address of PID's established TCP connection to the server's $PORT.
local_addr() {
  ss -Htnp state established "( dport = :$PORT )" 2>/dev/null |
    awk -v pid="pid=$1," 'index($0, pid) { print $3; exit }'
}
# addr_of PID: waits (10 s) for local_addr PID and prints it.
addr_of() {
  local a deadline=$((SECONDS + 10))
  until a=$(local_addr "$1") && [ -n "$a" ]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
  echo "$a"
}
# JavaScript: the stream's section, a player's row.
js_stream() { echo "document.querySelector('section.stream[data-stream=\"$1\"]')"; }
js_id() { echo "document.getElementById('$1')"; }
js_row() { echo "document.querySelector('tr[data-peer=\"$1\"]')"; }
# close_by EXPR: clicks the close button of the session whose id EXPR gives; sets $CLOSED.
close_by() {
  cdp eval "(() => { const id = $1; const b = document.querySelector('button.close[data-session=\"' + id + '\"]'); b.click(); return id; })()" ||
    return 1
  CLOSED=${CDP_VALUE//\"/}
}
# shot PATH: a screenshot of the page, written as a PNG file to PATH.
shot() {
  rm -f "$1"
  cdp screenshot "$1" && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ]
}
no_dialogs() { cdp dialogs && [ "$CDP_VALUE" = "[]" ]; }
no_errors() { cdp errors && [ "$CDP_VALUE" = "[]" ]; }

# ---- 1. No api_token ----
HTTP_PORT=$(free_port)
start_serve --http-listen "127.0.0.1:$HTTP_PORT" --record param \
  --record-path "$WORK/rec/{app}/{streamName}-{startTime}.flv" ||
  { not_ok "rtmp-serve starts with --http-listen"; finish; }
wait_port "$HTTP_PORT" 10 || log "HTTP port $HTTP_PORT not listening"
URL=rtmp://127.0.0.1:$PORT/live
PAGE=http://127.0.0.1:$HTTP_PORT/

publish_loop "$AAC" "$URL/cam?record=true"; CAM_PUB=$PUBLISH_PID
publish_loop "$FIXTURES/h264_only.flv" "rtmp://127.0.0.1:$PORT/$XSS_KEY?$XSS_QUERY"; XSS_PUB=$PUBLISH_PID
wait_for 20 log_has "publish .*stream=live/cam" || log "publisher slow to start"
spawn "$WORK/player1.log" "${FF[@]}" -loglevel warning -i "$URL/cam" -c copy -f null -; P1=$LAST_PID
spawn "$WORK/player2.log" "${FF[@]}" -loglevel warning -i "$URL/cam" -c copy -f null -; P2=$LAST_PID
P1_ADDR=$(addr_of "$P1"); P2_ADDR=$(addr_of "$P2")
log "players: $P1 at $P1_ADDR, $P2 at $P2_ADDR"

check "the page loads from GET /" cdp navigate "$PAGE"
check "the page renders a poll of the API" page_true 10 "document.body.dataset.updated >= 1"
check "the server summary shows version, uptime and connections" page_true 10 \
  "/version \\S+/.test($(js_id server).textContent) && /up \\d/.test($(js_id server).textContent) && /connection/.test($(js_id server).textContent)"
check "live/cam is listed with its publisher" page_true 15 \
  "$(js_stream live/cam)?.querySelector('tr.publisher .peer')?.textContent.startsWith('127.0.0.1:')"
check "live/cam shows its recording (its .flv file under record_path)" page_true 15 \
  "/rec\\/live\\/cam-\\d{8}-\\d{6}\\.flv/.test($(js_stream live/cam)?.querySelector('tr.recording')?.textContent ?? '')"
check "a stream that is not recorded shows no recording row" page_true 5 \
  "document.querySelectorAll('tr.recording').length === 1"
check "live/cam shows its codecs and size (h264 640x360, aac)" page_true 15 \
  "/h264.*640\\u00d7360/.test($(js_stream live/cam).textContent) && /aac.*kHz/.test($(js_stream live/cam).textContent)"
check "both players are listed with their peers" page_true 15 "$(js_row "$P1_ADDR") && $(js_row "$P2_ADDR")"
check "a player's row has its session id, bytes out and dropped count" page_true 10 \
  "(r => r && /^\\d+\$/.test(r.dataset.session) && /\\d.*B/.test(r.querySelector('.bytes').textContent) && r.querySelector('.dropped').textContent === '0')($(js_row "$P2_ADDR"))"
check "a player's bitrate is computed from two polls" page_true 15 \
  "/[1-9][0-9.]* [kM]bit\\/s/.test($(js_row "$P2_ADDR")?.querySelector('.rate').textContent)"
check "the stream's bitrate is shown" page_true 15 "/[1-9][0-9.]* [kM]bit\\/s/.test($(js_stream live/cam).textContent)"
# The graph, once the server's history has two samples (a line, not a point): pixels drawn below
# the label line (the line and its filled area).
page_true 20 "fetch('/api/v1/streams').then(r => r.json()).then(j => j.streams.some(s => s.name === 'cam' && s.bitrate_history.bits_per_second.length >= 2)).then(two => two && new Promise(r => setTimeout(() => r(true), 2200)))" ||
  log "the server's bitrate history of live/cam has not two samples yet"
check "the bitrate graph is drawn on its canvas" page_true 20 \
  "(c => { if (!c) return false; const d = c.getContext('2d').getImageData(0, 16, c.width, c.height - 16).data; let n = 0; for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n > c.width; })(document.querySelector('canvas.bitrate[data-stream=\"live/cam\"]'))"

# Peer-supplied text stays text: the name and the parameter show literally, no element is made.
check "a stream named like HTML is listed under its literal name" page_true 15 \
  "[...document.querySelectorAll('section.stream h2')].some(h => h.textContent === '$XSS_KEY')"
check "... with its parameter shown literally" page_true 10 \
  "$(js_stream "$XSS_KEY")?.textContent.includes('x=$XSS_PARAM')"
check "... and no img or svg element exists" page_eq 0 "document.querySelectorAll('img, svg, [onerror], [onload]').length"
check "... and no dialog was opened" no_dialogs

cdp eval "document.fonts.ready.then(() => true)" >/dev/null
check "a screenshot is written to build/artefacts/status-page.png" shot "$ARTEFACTS/status-page.png"

# A player's close button: that ffmpeg ends, its row goes, the other player stays.
check "a player's close button is pressed" close_by "$(js_row "$P1_ADDR").dataset.session"
log "closed player session $CLOSED"
check "... and that player's ffmpeg exits" wait_for 15 exited "$P1"
check "... and its row disappears" page_true 10 "!document.querySelector('tr[data-session=\"$CLOSED\"]')"
check "... and the other player plays on, listed" page_true 5 "!!$(js_row "$P2_ADDR")"
check "... and its ffmpeg still runs" kill -0 "$P2"
# A publisher's close button.
check "a publisher's close button is pressed" \
  close_by "$(js_stream "$XSS_KEY").querySelector('tr.publisher button.close').dataset.session"
check "... and that publisher's ffmpeg exits" wait_for 15 exited "$XSS_PUB"
check "... and its stream leaves the page" page_true 15 "!$(js_stream "$XSS_KEY")"
check "the page had no error" page_eq '""' "document.body.dataset.error || ''"
check "the page threw no exception and logged no error" no_errors
stop "$P2"; stop "$CAM_PUB"; stop "$SERVE_PID"

# ---- 2. api_token ----
HTTP_PORT=$(free_port)
start_serve --http-listen "127.0.0.1:$HTTP_PORT" --api-token "$TOKEN" ||
  { not_ok "rtmp-serve starts with --api-token"; finish; }
wait_port "$HTTP_PORT" 10 || log "HTTP port $HTTP_PORT not listening"
URL=rtmp://127.0.0.1:$PORT/live
PAGE=http://127.0.0.1:$HTTP_PORT/
publish_loop "$AAC" "$URL/locked"; LOCKED_PUB=$PUBLISH_PID
wait_for 20 log_has "publish .*stream=live/locked" || log "publisher slow to start"

check "with api_token the page loads without a token" cdp navigate "$PAGE"
check "... and asks for the token on 401 (a password input)" page_true 10 \
  "!$(js_id auth).hidden && $(js_id token).type === 'password' && /401/.test(document.body.dataset.error)"
check "... and lists no stream meanwhile" page_eq 0 "document.querySelectorAll('section.stream').length"
shot "$ARTEFACTS/status-page-token.png" || log "no screenshot of the token form"
check "a wrong token is entered" cdp eval \
  "$(js_id token).value = 'wrong'; $(js_id token-submit).click(); true"
check "... is refused: the form comes back" page_true 10 "!$(js_id auth).hidden && /refused/.test(document.body.dataset.error)"
check "the right token is entered" cdp eval "$(js_id token).value = '$TOKEN'; $(js_id token-submit).click(); true"
check "... the form goes away and the stream appears" page_true 15 \
  "$(js_id auth).hidden && !!$(js_stream live/locked)?.querySelector('tr.publisher .peer')"
check "... the token is kept in sessionStorage" page_eq "\"$TOKEN\"" "sessionStorage.getItem('rtmpkit-api-token')"
check "... and polls go on" page_true 10 "(n => new Promise(r => setTimeout(() => r(document.body.dataset.updated > n), 4500)))(+document.body.dataset.updated)"
check "a close button works with the token (DELETE carries it)" \
  close_by "$(js_stream live/locked).querySelector('tr.publisher button.close').dataset.session"
check "... and that publisher's ffmpeg exits" wait_for 15 exited "$LOCKED_PUB"
check "... and the token form did not come back" page_true 5 "$(js_id auth).hidden && !document.body.dataset.error"
check "the token never appears in the server's log" bash -c "! grep -qF '$TOKEN' '$SERVE_LOG'"

cdp quit >/dev/null
finish
