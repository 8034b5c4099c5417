#!/usr/bin/env bash
# rtmp-urlparse as scripts use it: JSON lines, text, --field, server split form, exit codes and
# messages, batches with bad URLs, and the generated man page and completions.
source "$(dirname "$0")/lib.sh"
U=$BIN/rtmp-urlparse
[ -x "$U" ] || { not_ok "rtmp-urlparse is built ($U)"; finish; }

WCS='rtmp://host:1935/live?c1=v1&c2=v2/streamName?s1=v1&s2=v2'
WCS_JSON='{"scheme":"rtmp","host":"host","port":1935,"app":"live","tcUrl":"rtmp://host:1935/live?c1=v1&c2=v2","stream":"streamName","connect_params":{"c1":"v1","c2":"v2"},"stream_params":{"s1":"v1","s2":"v2"}}'
V6='rtmps://[::1]/a/b/c.mp4'
V6_JSON='{"scheme":"rtmps","host":"::1","port":443,"app":"a/b","tcUrl":"rtmps://[::1]/a/b","stream":"mp4:c.mp4","connect_params":{},"stream_params":{}}'

# expect NAME WANT_RC WANT_STDOUT CMD...: exit status and stdout must both match exactly.
expect() {
  local name=$1 want_rc=$2 want_out=$3; shift 3
  local out rc
  out=$("$@" 2>"$WORK/stderr"); rc=$?
  if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ]; then ok "$name"; else
    not_ok "$name"; log "rc=$rc (want $want_rc)"; log "got:  $out"; log "want: $want_out"
    log "stderr: $(cat "$WORK/stderr")"
  fi
}
# stderr_is NAME WANT: the stderr of the last expect, exactly.
stderr_is() {
  local got; got=$(cat "$WORK/stderr")
  if [ "$got" = "$2" ]; then ok "$1"; else not_ok "$1"; log "stderr: $got"; log "want:   $2"; fi
}

# --- JSON lines from arguments and from stdin
expect "JSON line per argument (WCS form, IPv6 + rtmps + ffmpeg a/b/c + mp4: prefix)" 0 \
  "$WCS_JSON"$'\n'"$V6_JSON" "$U" "$WCS" "$V6"
expect "stdin: one URL per line, blank lines and CR/indent ignored" 0 \
  "$WCS_JSON"$'\n'"$V6_JSON" bash -c "printf '%s\r\n\n   %s  \n\n' '$WCS' '$V6' | '$U'"
expect "empty stdin prints nothing and succeeds" 0 "" bash -c "'$U' </dev/null"
check "each JSON line parses (jq)" bash -c "'$U' '$WCS' '$V6' | jq -e -s 'length == 2 and .[1].port == 443' >/dev/null"

# --- text format
expect "--format text: key=value lines, repeated keys kept, records separated by a blank line" 0 \
"scheme=rtmp
host=h
port=1936
app=live
tcUrl=rtmp://h:1936/live?a=1
stream=s
connect_params.a=1
stream_params.k=x
stream_params.k=y
stream_params.nl=%0A

scheme=rtmpt
host=h
port=80
app=app
tcUrl=rtmpt://h/app
stream=" "$U" --format text 'rtmp://h:1936/live?a=1/s?k=x&k=y&nl=%0a' rtmpt://h/app

# --- --field for $(...) in scripts
expect "--field app" 0 "live" "$U" --field app "$WCS"
expect "--field port (default for rtmpt)" 0 "80" "$U" --field port rtmpt://h/live/s
expect "--field stream_params.KEY, last value wins, percent-decoded" 0 "b c" \
  "$U" --field stream_params.k 'rtmp://h/live/s?k=a&k=b%20c'
expect "--field of a missing parameter is an empty line" 0 "" "$U" --field connect_params.nope "$WCS"
expect "--field connect_params prints the set as JSON" 0 '{"c1":"v1","c2":"v2"}' \
  "$U" --field connect_params "$WCS"
expect "--field tcUrl keeps the connection query" 0 "rtmp://host:1935/live?c1=v1&c2=v2" \
  "$U" --field tcUrl "$WCS"
key=$("$U" --field stream_params.key 'rtmp://host/live/cam1?key=secret')
if [ "$key" = secret ]; then ok "\$(rtmp-urlparse --field ...) in a script"; else not_ok "\$(...) gave '$key'"; fi

# --- server split form and stream params as connection params
expect "--tcurl/--stream: the split form a server receives" 0 \
  '{"scheme":"rtmp","host":"host","port":1935,"app":"live","tcUrl":"rtmp://host/live?auth=k","stream":"cam1","connect_params":{"auth":"k"},"stream_params":{"token":"t"}}' \
  "$U" --tcurl 'rtmp://host/live?auth=k' --stream 'cam1?token=t'
expect "--tcurl/--app/--stream: the app field wins over the tcUrl" 0 "a/b" \
  "$U" --tcurl 'rtmp://host/x' --app a/b --stream c --field app
expect "--stream-params-as-connection: rtmp://host/live/test?auth=key" 0 \
  '{"scheme":"rtmp","host":"host","port":1935,"app":"live","tcUrl":"rtmp://host/live","stream":"test","connect_params":{"auth":"key"},"stream_params":{"auth":"key"}}' \
  "$U" --stream-params-as-connection 'rtmp://host/live/test?auth=key'
expect "same URL reads the same as the WCS form's connection params" 0 '{"auth":"key"}' \
  "$U" --field connect_params 'rtmp://host/live?auth=key/test'

# --- errors: message format, batches, exit codes
expect "bad port: exit 1, nothing on stdout" 1 "" "$U" 'rtmp://h:99999/live/s'
stderr_is "bad port message names the URL and the reason" \
  "rtmp-urlparse: rtmp://h:99999/live/s: port 99999 is out of range 1-65535"
expect "batch with one bad URL still prints the others, exit 1" 1 "live"$'\n'"a/b" \
  "$U" --field app "$WCS" 'host/live/s' "$V6"
stderr_is "no-scheme message" "rtmp-urlparse: host/live/s: no scheme (want rtmp://host/app/stream)"
expect "stdin batch with bad lines: exit 1, good ones printed" 1 "live"$'\n'"a/b" \
  bash -c "printf '%s\n' '$WCS' 'rtmp:///x/y' 'rtmp://h/live/x y' '$V6' | '$U' --field app"
if [ "$(grep -c '^rtmp-urlparse: ' "$WORK/stderr")" = 2 ] && grep -q 'empty host' "$WORK/stderr" &&
   grep -q 'space' "$WORK/stderr"; then ok "each bad stdin line reported once"; else
  not_ok "each bad stdin line reported once"; log "$(cat "$WORK/stderr")"; fi
expect "--require-stream: a URL without a stream fails" 1 "" "$U" --require-stream rtmp://h/live
stderr_is "empty stream message" "rtmp-urlparse: rtmp://h/live: no stream name (want rtmp://host/app/stream)"
expect "--tcurl with an empty --stream fails" 1 "" "$U" --tcurl rtmp://h/live --stream ''
expect "bad percent-encoding fails" 1 "" "$U" 'rtmp://h/live/s?k=%zz'
expect "unknown option: usage error 2" 2 "" "$U" --bogus "$WCS"
grep -q '^rtmp-urlparse: ' "$WORK/stderr" && ok "usage error says rtmp-urlparse:" || not_ok "usage error prefix"
expect "bad --format value: 2" 2 "" "$U" --format yaml "$WCS"
expect "bad --field name: 2" 2 "" "$U" --field nope "$WCS"
expect "--stream without --tcurl: 2" 2 "" "$U" --stream x
expect "--tcurl together with URL arguments: 2" 2 "" "$U" --tcurl rtmp://h/live "$WCS"
expect "--help: 0" 0 "$("$U" --help)" "$U" --help
"$U" --help | grep -q -- '--stream-params-as-connection' && ok "--help lists the options" || not_ok "--help lists the options"

# --- generated man page and completions
man_out=$("$U" --generate-man); rc=$?
[ "$rc" = 0 ] && [ -n "$man_out" ] && ok "--generate-man exits 0" || not_ok "--generate-man exits 0"
if [ "$man_out" = "$(cat "$ROOT/man/rtmp-urlparse.1")" ]; then ok "committed man page is current"; else
  not_ok "committed man page is current (run make docs)"; fi
for o in --format --field --tcurl --app --stream --stream-params-as-connection --require-stream; do
  grep -qF -- "\\fB${o//-/\\-}\\fR" <<<"$man_out" || { not_ok "man page documents $o"; continue; }
  ok "man page documents $o"
done
grep -q '^\.SH "EXIT STATUS"' <<<"$man_out" && ok "man page has EXIT STATUS" || not_ok "EXIT STATUS"
if command -v groff >/dev/null; then
  warnings=$(groff -man -Tutf8 -ww -z <<<"$man_out" 2>&1)
  [ -z "$warnings" ] && ok "groff -man -ww: no warnings" || { not_ok "groff warnings"; log "$warnings"; }
  if command -v man >/dev/null; then
    printf '%s\n' "$man_out" >"$WORK/rtmp-urlparse.1"
    rendered=$(MANWIDTH=80 man -l "$WORK/rtmp-urlparse.1" 2>"$WORK/man.err" | col -b)
    grep -q 'split RTMP URLs as an RTMP server sees them' <<<"$rendered" && [ ! -s "$WORK/man.err" ] &&
      ok "man -l renders it" || { not_ok "man -l renders it"; log "$(cat "$WORK/man.err")"; }
  fi
else
  ok "# SKIP groff not installed"
fi

bash_out=$("$U" --generate-completion bash)
[ "$bash_out" = "$(cat "$ROOT/completions/rtmp-urlparse.bash")" ] && ok "committed bash completion is current" ||
  not_ok "committed bash completion is current"
bash -n <<<"$bash_out" && ok "bash -n on the bash completion" || not_ok "bash -n on the bash completion"
# complete WORDS...: what the completion function offers for the last word.
complete_words() {
  bash -c 'source /dev/stdin; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
           _rtmp_urlparse; ((${#COMPREPLY[@]} == 0)) || printf "%s\n" "${COMPREPLY[@]}"' _ "$@" <<<"$bash_out" | sort | tr '\n' ' '
}
[ "$(complete_words rtmp-urlparse --form)" = "--format " ] && ok "bash completes option names" ||
  not_ok "bash completes option names: $(complete_words rtmp-urlparse --form)"
[ "$(complete_words rtmp-urlparse --format '')" = "json text " ] && ok "bash completes --format values" ||
  not_ok "bash completes --format values: $(complete_words rtmp-urlparse --format '')"
[ "$(complete_words rtmp-urlparse --format = t)" = "text " ] && ok "bash completes --format=VALUE" ||
  not_ok "bash completes --format=VALUE: $(complete_words rtmp-urlparse --format = t)"
[ "$(complete_words rtmp-urlparse --field stream)" = "stream stream_params " ] &&
  ok "bash completes --field names" || not_ok "bash completes --field names"
[ "$(complete_words rtmp-urlparse --tcurl '')" = "" ] && ok "bash offers nothing for a free value" ||
  not_ok "bash offers nothing for a free value"
[ "$(complete_words rtmp-urlparse --gen)" = "" ] && ok "hidden --generate-* options are not offered" ||
  not_ok "hidden --generate-* options are not offered"

zsh_out=$("$U" --generate-completion zsh)
[ "$zsh_out" = "$(cat "$ROOT/completions/_rtmp-urlparse")" ] && ok "committed zsh completion is current" ||
  not_ok "committed zsh completion is current"
head -n1 <<<"$zsh_out" | grep -qx '#compdef rtmp-urlparse' && ok "zsh completion starts with #compdef" ||
  not_ok "zsh #compdef line"
if command -v zsh >/dev/null; then
  zsh -n <<<"$zsh_out" && ok "zsh -n on the zsh completion" || not_ok "zsh -n on the zsh completion"
else
  ok "# SKIP zsh not installed"
fi
expect "--generate-completion fish: usage error 2" 2 "" "$U" --generate-completion fish
finish
