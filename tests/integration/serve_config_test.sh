#!/usr/bin/env bash
# rtmp-serve configuration and addresses: --print-config output loads back with --config and
# prints the same (defaults and changed values, flat and nested keys); a bad key or value exits 2
# naming it; a server started from a printed config serves; --listen [::1]:PORT serves publish
# and play over IPv6.
source "$(dirname "$0")/lib.sh"

SERVE=$BIN/rtmp-serve
[ -x "$SERVE" ] || { not_ok "rtmp-serve is built ($SERVE)"; finish; }

# --- Round trip of the defaults.
"$SERVE" --print-config >"$WORK/a.yaml" 2>"$WORK/a.err"
check "--print-config exits 0 and prints keys" grep -q '^chunk_size: ' "$WORK/a.yaml"
"$SERVE" --config "$WORK/a.yaml" --print-config >"$WORK/b.yaml" 2>"$WORK/b.err"
check "the printed defaults load back with --config and print the same" \
  diff "$WORK/a.yaml" "$WORK/b.yaml"

# --- Round trip of changed values (every type: list, int, bool, string, duration, nested key).
port=$(free_port)
"$SERVE" --print-config --listen "127.0.0.1:$port" --chunk-size 8192 --gop-cache false \
  --publish-conflict replace --write-timeout 7s --rtmp.server-buffer-enabled false \
  >"$WORK/c.yaml" 2>"$WORK/c.err"
check "changed values show in --print-config" bash -c "grep -q '^chunk_size: 8192' '$WORK/c.yaml' &&
  grep -q '^gop_cache: false' '$WORK/c.yaml' && grep -q 'publish_conflict: \"replace\"' '$WORK/c.yaml'"
"$SERVE" --config "$WORK/c.yaml" --print-config >"$WORK/d.yaml" 2>"$WORK/d.err"
check "changed values load back with --config and print the same" diff "$WORK/c.yaml" "$WORK/d.yaml"
printf 'rtmp:\n  server_buffer_enabled: false\nchunk_size: 8192\n' >"$WORK/nested.yaml"
"$SERVE" --config "$WORK/nested.yaml" --print-config >"$WORK/nested.out" 2>&1
check "a nested key (rtmp: {server_buffer_enabled: false}) loads" \
  grep -q '^rtmp.server_buffer_enabled: false' "$WORK/nested.out"
check "flags override the file (--chunk-size 4096 over 8192)" bash -c \
  "'$SERVE' --config '$WORK/c.yaml' --chunk-size 4096 --print-config | grep -q '^chunk_size: 4096'"

# --- Bad configurations exit 2 and name what is wrong.
bad() { # NAME WANT_IN_STDERR YAML
  printf '%s\n' "$3" >"$WORK/bad.yaml"
  "$SERVE" --config "$WORK/bad.yaml" --print-config >/dev/null 2>"$WORK/bad.err"
  local rc=$?
  log "$1: exit $rc: $(cat "$WORK/bad.err")"
  check "$1: exit 2 (got $rc)" test "$rc" = 2
  check "$1: the message names '$2'" grep -q -- "$2" "$WORK/bad.err"
}
bad "unknown key" no_such_key "no_such_key: 1"
bad "unknown nested key" rtmp.no_such_key $'rtmp:\n  no_such_key: 1'
bad "value out of range" chunk_size "chunk_size: 10"
bad "not a duration" write_timeout "write_timeout: soon"
bad "not a boolean" gop_cache "gop_cache: maybe"
"$SERVE" --no-such-flag >/dev/null 2>"$WORK/flag.err"; rc=$?
check "an unknown flag exits 2 (got $rc)" test "$rc" = 2
"$SERVE" --config "$WORK/does-not-exist.yaml" >/dev/null 2>"$WORK/nofile.err"; rc=$?
check "a missing config file exits 2 (got $rc) naming it" \
  bash -c "[ $rc = 2 ] && grep -q does-not-exist '$WORK/nofile.err'"

# --- A server started from the printed config serves on the address it holds.
spawn "$WORK/serve-config.log" "$SERVE" --config "$WORK/c.yaml"
serve_pid=$LAST_PID
if wait_port "$port" 10; then
  publish_loop "$FIXTURES/h264_aac.flv" "rtmp://127.0.0.1:$port/live/c"
  wait_for 20 grep -q "publish .*stream=live/c" "$WORK/serve-config.log"
  check "a server from --config serves publish and play" \
    same_streams "$FIXTURES/h264_aac.flv" "rtmp://127.0.0.1:$port/live/c"
  stop "$PUBLISH_PID"
else
  not_ok "a server from --config listens on 127.0.0.1:$port"
fi
stop "$serve_pid"

# --- Without an HTTP or HTTPS listener no offer can arrive: the WebRTC UDP port stays unbound.
port=$(free_port) udp=$(free_port)
spawn "$WORK/serve-nohttp.log" "$SERVE" --listen "127.0.0.1:$port" --http-listen "" \
  --webrtc-udp-listen "127.0.0.1:$udp"
serve_pid=$LAST_PID
if wait_port "$port" 10; then
  check "no HTTP listener: WebRTC is not served, and the log says why" \
    grep -q 'WebRTC (WHIP) not served: no HTTP or HTTPS listener' "$WORK/serve-nohttp.log"
  check "... its UDP port $udp is not bound" bash -c "! ss -Huln 'sport = :$udp' | grep -q ."
else
  not_ok "rtmp-serve without HTTP listens on 127.0.0.1:$port"
fi
stop "$serve_pid"

# --- IPv6 loopback.
v6_port() { (exec 3<>"/dev/tcp/::1/$1") 2>/dev/null; }
if ! ip -6 addr show lo 2>/dev/null | grep -q '::1'; then
  ok "# SKIP IPv6: no ::1 on this machine"
else
  port=$(free_port)
  spawn "$WORK/serve-v6.log" "$SERVE" --listen "[::1]:$port"
  SERVE_LOG=$WORK/serve-v6.log
  if wait_for 10 v6_port "$port"; then
    publish_loop "$FIXTURES/h264_aac.flv" "rtmp://[::1]:$port/live/v6"
    wait_for 20 log_has "publish .*stream=live/v6"
    check "IPv6: publish over [::1] is accepted" log_has "publish .*peer=\[::1\]:[0-9]+ .*stream=live/v6"
    check "IPv6: play over [::1] gets the file's streams" \
      same_streams "$FIXTURES/h264_aac.flv" "rtmp://[::1]:$port/live/v6"
    timeout 60 "${FF[@]}" -v error -xerror -i "rtmp://[::1]:$port/live/v6" -t 2 \
      -enc_time_base:v 1:1000 -f null - \
      2>"$WORK/v6-decode.err"
    rc=$?
    check "IPv6: ffmpeg decodes 2 s played over [::1] without error (exit $rc)" \
      bash -c "[ $rc = 0 ] && [ ! -s '$WORK/v6-decode.err' ]"
  else
    not_ok "IPv6: rtmp-serve listens on [::1]:$port"
  fi
fi
finish
