#!/usr/bin/env bash
# Admission bounds of rtmp-serve, each against a real server while a healthy ffmpeg player plays:
# idle_timeout (a connected session that neither publishes nor plays is closed; a player waiting
# for its publisher is not idle), max_command_rate and max_control_rate (a seek or ping flood is
# closed), max_memory (partial input held by one peer: new connections are refused from three
# quarters of the budget, and above it the peer holding the most is closed), per-address limits
# (max_connections_per_ip, max_connection_rate_per_ip, from other loopback addresses; also with
# the defaults), and the open-file limit (raised at start; at EMFILE the listener pauses instead
# of spinning at 100 % CPU, and accepts again once descriptors are free).
source "$(dirname "$0")/lib.sh"

PEER=$TOOLS/rtmp_peer
[ -x "$PEER" ] || { not_ok "rtmp_peer is built ($PEER)"; finish; }
ulimit -n 4096 2>/dev/null

# peer NAME MODE [ARGS]: runs rtmp_peer MODE against $PORT, output in $WORK/NAME.out.
peer() { local name=$1; shift; "$PEER" 127.0.0.1 "$PORT" "$@" >"$WORK/$name.out" 2>&1; }
addr_of() { sed -n 's/^local //p' "$WORK/$1.out"; }
closed_ms() { sed -n 's/^closed by server after \([0-9]*\) ms.*/\1/p' "$WORK/$1.out"; }

# ---- one server with a healthy player: idle, rates, memory ----
start_serve --idle-timeout 1s --handshake-timeout 30s --max-memory 16777216 --max-command-rate 50 --max-control-rate 100 ||
  { not_ok "rtmp-serve starts"; finish; }
URL=rtmp://127.0.0.1:$PORT/live
FILE=$FIXTURES/h264_aac.flv
start_healthy_player "$URL" "$FILE"
start_packets=$(packets "$WORK/healthy.md5")

peer idle idle-connect --timeout 6; rc=$?
ms=$(closed_ms idle)
check "idle_timeout: a connected session that neither publishes nor plays is closed (after ${ms:-?} ms)" \
  test "$rc" = 0 -a "${ms:-0}" -ge 700 -a "${ms:-99999}" -le 4000
wait_for 3 log_has "peer=$(addr_of idle) .*reason=.*idle"
check "idle_timeout: logged with its peer and reason" log_has "peer=$(addr_of idle) .*reason=.*idle"

peer waiting play --name nobody-publishes --timeout 3; rc=$?
check "idle_timeout: a player waiting for its publisher (play_wait_timeout 0) is not idle" \
  test "$rc" = 0

peer cmdflood command-flood --count 3000 --timeout 6; rc=$?
check "max_command_rate: a seek flood is closed" test "$rc" = 0
wait_for 3 log_has "peer=$(addr_of cmdflood) .*reason=.*over max_command_rate"
check "max_command_rate: logged with its peer" \
  log_has "peer=$(addr_of cmdflood) .*reason=.*over max_command_rate"

peer pingflood ping-flood --count 3000 --timeout 6; rc=$?
check "max_control_rate: a ping flood is closed" test "$rc" = 0
wait_for 3 log_has "peer=$(addr_of pingflood) .*reason=.*over max_control_rate"
check "max_control_rate: logged with its peer" \
  log_has "peer=$(addr_of pingflood) .*reason=.*over max_control_rate"

# max_memory 16 MiB. A small peer holds 2 MB of partial input, then a big one 11 MB: together
# above three quarters (12 MiB) and under the budget.
"$PEER" 127.0.0.1 "$PORT" partial-message --bytes 2000000 --timeout 20 >"$WORK/small.out" 2>&1 &
small=$!; PIDS+=("$small")
wait_for 10 grep -q "^held" "$WORK/small.out"
"$PEER" 127.0.0.1 "$PORT" partial-message --bytes 11000000 --more 4000000 --more-after-ms 2500 \
  --timeout 20 >"$WORK/big.out" 2>&1 &
big=$!; PIDS+=("$big")
wait_for 10 grep -q "^held" "$WORK/big.out"
wait_for 5 log_has "max_memory: buffered bytes at three quarters"
check "max_memory: three quarters reached is logged" log_has "max_memory: buffered bytes at three quarters"
peer refused stall-handshake --timeout 2; rc=$?
ms=$(closed_ms refused)
check "max_memory: a new connection is closed at accept (after ${ms:-?} ms)" \
  test "$rc" = 0 -a "${ms:-99999}" -le 1000
check "max_memory: the refusal is logged with its peer" \
  log_has "connection refused .*peer=$(addr_of refused) .*reason=.*max_memory"
# 4 MB more from the big peer puts the total above the budget: it, the largest, is closed.
wait_for 10 log_has "peer=$(addr_of big) .*reason=.*max_memory"
check "max_memory: the session holding the most private bytes is closed" \
  log_has "peer=$(addr_of big) .*reason=.*max_memory"
check "max_memory: the smaller one is not" bash -c "! grep -q 'peer=$(addr_of small) ' '$SERVE_LOG'"
wait_for 5 log_has "max_memory: accepting new connections again"
peer after idle-connect --timeout 6; rc=$?
check "max_memory: below the budget again, new connections are served" \
  log_has "peer=$(addr_of after) .*reason=.*idle"
kill "$small" 2>/dev/null

wait_for 10 at_least $((start_packets + 60)) "$WORK/healthy.md5"
after=$(packets "$WORK/healthy.md5")
check "the healthy player kept receiving ($start_packets -> $after packets)" \
  test "$after" -ge $((start_packets + 60)) -a -n "$(kill -0 "$healthy" && echo y)"
stop "$healthy"
check "what the healthy player got is bit-exact from its first keyframe" \
  env BIT_EXACT_MIN_SECONDS=4 bash -c "source '$ROOT/tests/integration/lib.sh'; \
    bit_exact '$FILE' '$WORK/healthy.md5' cyclic"

# ---- per-address limits: other loopback addresses are other peers ----
start_serve --max-connections-per-ip 3 --max-connection-rate-per-ip 5 ||
  { not_ok "rtmp-serve starts (per-ip)"; finish; }
for i in 1 2 3; do
  "$PEER" 127.0.0.1 "$PORT" stall-handshake --bind 127.0.0.2 --timeout 4 >"$WORK/held$i.out" 2>&1 &
  PIDS+=($!)
done
wait_for 5 bash -c "grep -l '^local' '$WORK'/held*.out | wc -l | grep -qx 3"
sleep 0.5
peer fourth stall-handshake --bind 127.0.0.2 --timeout 3; rc=$?
ms=$(closed_ms fourth)
check "max_connections_per_ip: a 4th connection from 127.0.0.2 is closed at accept (${ms:-?} ms)" \
  test "$rc" = 0 -a "${ms:-99999}" -le 1000
check "max_connections_per_ip: logged with its peer" \
  log_has "connection refused .*peer=$(addr_of fourth) .*reason=.*max_connections_per_ip"
peer other stall-handshake --bind 127.0.0.3 --timeout 1; rc=$?
check "max_connections_per_ip: another address is still served" test "$rc" = 1
# Rate: 2 new connections a second, in bursts of 2. Twelve connections in a row from 127.0.0.4,
# each closed by the server at once (bad C0), so that only the rate can refuse them.
start_serve --max-connection-rate-per-ip 2 || { not_ok "rtmp-serve starts (rate)"; finish; }
t0=$(now_ms)
for i in $(seq 1 12); do peer "rate$i" bad-c0 --bind 127.0.0.4 --timeout 3; done
took=$(($(now_ms) - t0))
refused=$(grep -c "connection refused .*peer=127.0.0.4:.*reason=.*max_connection_rate_per_ip" "$SERVE_LOG")
# In $took ms at most 2 + 2 * took / 1000 are admitted; the burst of 2 always is.
check "max_connection_rate_per_ip: connections over the rate are refused ($refused of 12 in $took ms)" \
  test "$refused" -ge $((12 - 2 - 2 * took / 1000 - 1)) -a "$refused" -le 10

# The defaults bite too: 80 connections at once from one address.
start_serve || { not_ok "rtmp-serve starts (defaults)"; finish; }
burst=()
for i in $(seq 1 80); do
  "$PEER" 127.0.0.1 "$PORT" bad-c0 --bind 127.0.0.5 --timeout 3 >/dev/null 2>&1 &
  burst+=($!)
done
wait "${burst[@]}"
refused=$(grep -c "connection refused .*reason=.*max_connection_rate_per_ip" "$SERVE_LOG")
check "defaults: a burst of 80 connections from one address meets the rate limit ($refused refused)" \
  test "$refused" -ge 10

# ---- open files: the soft limit is raised at start; EMFILE does not spin ----
mkdir -p "$WORK/lim"
printf '#!/bin/bash\nulimit -Sn 256\nexec %q "$@"\n' "$SERVE_BIN" >"$WORK/lim/rtmp-serve"
chmod +x "$WORK/lim/rtmp-serve"
SERVE_BIN=$WORK/lim/rtmp-serve start_serve --max-connections 1000 || { not_ok "rtmp-serve starts (rlimit)"; finish; }
soft=$(awk '/Max open files/ { print $4 }' "/proc/$SERVE_PID/limits")
check "the soft open-file limit is raised to what max_connections needs (256 -> $soft)" \
  test "$soft" = 1064
check "the raise is logged" log_has "open file limit raised"

printf '#!/bin/bash\nulimit -n 40\nexec %q "$@"\n' "$SERVE_BIN" >"$WORK/lim/rtmp-serve"
SERVE_BIN=$WORK/lim/rtmp-serve start_serve --handshake-timeout 20s --idle-timeout 1s --max-connections-per-ip 0 \
  --max-connection-rate-per-ip 0 || { not_ok "rtmp-serve starts (ulimit -n 40)"; finish; }
check "a hard limit below max_connections is logged at start" \
  log_has "cannot raise the open file limit"
"$TOOLS/storm" 127.0.0.1 "$PORT" --idle 80 --slow 0 --hold 4 >"$WORK/emfile.out" 2>&1 &
storm=$!; PIDS+=("$storm")
wait_for 5 grep -q "^open" "$WORK/emfile.out"
sleep 0.5
cpu() { awk '{ print $14 + $15 }' "/proc/$SERVE_PID/stat"; }
c0=$(cpu); sleep 2; c1=$(cpu)
check "at EMFILE the server does not spin ($((c1 - c0)) CPU ticks in 2 s, < 40)" \
  test $((c1 - c0)) -lt 40
n=$(grep -c "accept failed" "$SERVE_LOG")
check "accept failures are logged at most about once a second ($n lines)" test "$n" -ge 1 -a "$n" -le 5
wait "$storm"
sleep 0.5
peer emfile_after idle-connect --timeout 6
wait_for 5 log_has "peer=$(addr_of emfile_after) .*reason=.*idle"
check "once descriptors are free again it accepts" log_has "peer=$(addr_of emfile_after) .*reason=.*idle"
check "the server is still running" kill -0 "$SERVE_PID"
finish
