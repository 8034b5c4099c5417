#!/usr/bin/env bash
# RTMPS and HTTPS: ffmpeg publishes and plays over rtmps:// bit-exact, rtmp-probe plays it with
# certificate checks (a good chain, an expired certificate, the wrong name, no trust), curl reads
# the API over https://, a SIGHUP renews the certificate (and a bad one is refused), and hostile
# bytes on the TLS port (plain RTMP, garbage, a stalled handshake, renegotiation) are closed with
# a log line while a plain RTMP player goes on. Certificates are made here with openssl.
source "$(dirname "$0")/lib.sh"

REF=$FIXTURES/h264_aac.flv
C=$WORK/certs
mkdir -p "$C"
# ca NAME: a CA key and certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=rtmpkit test CA" \
  -keyout "$C/ca.key" -out "$C/ca.pem" 2>/dev/null
# leaf NAME CN SAN [START END]: a certificate for CN signed by the CA; START/END as YYYYMMDDHHMMSSZ.
leaf() {
  local name=$1 cn=$2 san=$3 start=${4:-} end=${5:-}
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$cn" \
    -keyout "$C/$name.key" -out "$C/$name.csr" 2>/dev/null
  mkdir -p "$C/db"; : >"$C/db/index.txt"; [ -f "$C/db/serial" ] || echo 1000 >"$C/db/serial"
  cat >"$C/ca.cnf" <<EOF
[ca]
default_ca = test
[test]
dir = $C/db
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
default_md = sha256
policy = any
copy_extensions = none
x509_extensions = ext
[any]
commonName = supplied
[ext]
subjectAltName = $san
basicConstraints = CA:false
EOF
  local dates=(-days 2)
  [ -n "$start" ] && dates=(-startdate "$start" -enddate "$end")
  openssl ca -batch -config "$C/ca.cnf" -cert "$C/ca.pem" -keyfile "$C/ca.key" "${dates[@]}" \
    -in "$C/$name.csr" -out "$C/$name.pem" >/dev/null 2>&1
  cat "$C/$name.pem" "$C/ca.pem" >"$C/$name.chain.pem"  # leaf first, then the CA: a chain file
}
leaf good localhost "DNS:localhost,IP:127.0.0.1"
leaf renewed localhost "DNS:localhost,IP:127.0.0.1"
leaf other other.example "DNS:other.example"
leaf expired localhost "DNS:localhost,IP:127.0.0.1" 20200101000000Z 20200102000000Z
check "test certificates were made" test -s "$C/good.pem" -a -s "$C/expired.pem" -a -s "$C/other.pem"

cp "$C/good.chain.pem" "$C/serve.pem"; cp "$C/good.key" "$C/serve.key"
TP=$(free_port); HPS=$(free_port)
echo "handshake_timeout: 3s" >"$WORK/serve.yaml"
start_serve --config "$WORK/serve.yaml" --rtmps-listen "127.0.0.1:$TP" --https-listen "127.0.0.1:$HPS" \
  --tls-cert "$C/serve.pem" --tls-key "$C/serve.key" || { not_ok "rtmp-serve starts with RTMPS"; finish; }
wait_port "$TP" 10 && wait_port "$HPS" 10
check "the log names the certificate" log_has "TLS certificate loaded .*CN ?= ?localhost"
S=rtmps://127.0.0.1:$TP/live
start_healthy_player "rtmp://127.0.0.1:$PORT/live" "$REF"

publish_loop "$REF" "$S/tls"
check "ffmpeg publishes over rtmps://" wait_for 20 log_has "publish .*stream=live/tls "
play_hashes "$S/tls" "$WORK/tls.md5"; TLSPLAYER=$PLAYER_PID
wait_for 30 at_least 420 "$WORK/tls.md5" || log "rtmps player slow"
stop "$TLSPLAYER"
BIT_EXACT_MIN_SECONDS=5 check "ffmpeg plays over rtmps://, bit-exact" bit_exact "$REF" "$WORK/tls.md5" cyclic

"$BIN/rtmp-probe" --format json --ca-file "$C/ca.pem" "rtmps://localhost:$TP/live/tls" >"$WORK/probe.json" 2>"$WORK/probe.err"
rc=$?
check "rtmp-probe plays rtmps:// with the CA (exit $rc)" test "$rc" = 0
check "rtmp-probe reports the TLS version and cipher" jq -e \
  '(.tls.version | test("^TLSv1\\.[23]$")) and (.tls.cipher | length) > 0 and .video.codec == "h264"' "$WORK/probe.json"
probe_fails() { # name url expect-in-message [probe args]
  local name=$1 url=$2 want=$3 rc; shift 3
  "$BIN/rtmp-probe" --format json --timeout 5 "$@" "$url" >"$WORK/fail.json" 2>"$WORK/fail.err"; rc=$?
  check "$name: exit 11, tls_failed (exit $rc)" test "$rc" = 11
  check "$name: the message says '$want'" bash -c "jq -r .error '$WORK/fail.json' | grep -qi -- '$want'"
}
probe_fails "no trust (system CAs only)" "rtmps://localhost:$TP/live/tls" "certificate verify failed: self-signed certificate in certificate chain"
check "--insecure plays without trusting the certificate" bash -c \
  "'$BIN/rtmp-probe' --format json --insecure 'rtmps://127.0.0.1:$TP/live/tls' >/dev/null"

# The API over HTTPS says which sessions use TLS.
A=https://localhost:$HPS
check "curl reads the API over https://" bash -c "curl -sf --cacert '$C/ca.pem' '$A/api/v1/server' | jq -e '.listeners.rtmps | length == 1' >/dev/null"
check "the API marks the rtmps publisher's session as TLS" bash -c \
  "curl -sf --cacert '$C/ca.pem' '$A/api/v1/sessions' | jq -e '[.items[] | select(.role == \"publisher\" and .tls.version != null)] | length == 1' >/dev/null"
check "plain sessions have tls null" bash -c \
  "curl -sf --cacert '$C/ca.pem' '$A/api/v1/sessions' | jq -e '[.items[] | select(.tls == null)] | length >= 2' >/dev/null"
check "a same-origin https:// Origin is served" bash -c \
  "[ \$(curl -s -o /dev/null -w '%{http_code}' --cacert '$C/ca.pem' -H 'Origin: https://localhost:$HPS' '$A/api/v1/streams') = 200 ]"

# A TLS player closed by the operator still gets its last bytes (StreamEOF, NetStream.Play.Stop)
# before the connection ends: the close waits for the records under the OpenSSL filter.
"$BIN/rtmp-probe" --format json --ca-file "$C/ca.pem" --duration 30 --flash-ver KICK-ME \
  "rtmps://localhost:$TP/live/tls" >"$WORK/kick.json" 2>/dev/null &
KICKED=$!
kid() { curl -sf --cacert "$C/ca.pem" "$A/api/v1/sessions" | jq -r '.items[] | select(.flash_ver == "KICK-ME") | .id'; }
wait_for 10 test -n "$(kid)"
check "DELETE over https:// closes the rtmps player" bash -c \
  "[ \$(curl -s -o /dev/null -w '%{http_code}' --cacert '$C/ca.pem' -X DELETE '$A/api/v1/sessions/$(kid)') = 204 ]"
wait_for 10 exited "$KICKED"
check "the kicked rtmps player got NetStream.Play.Stop before the close" \
  jq -e '[.statuses[] | select(.code == "NetStream.Play.Stop")] | length == 1' "$WORK/kick.json"

# Hostile input on the TLS port.
n_before=$(grep -c "TLS error" "$SERVE_LOG")
"$BIN/rtmp-probe" --timeout 3 "rtmp://127.0.0.1:$TP/live/tls" >/dev/null 2>&1
check "a plain RTMP handshake on the TLS port is closed with a TLS log line" \
  wait_for 5 bash -c "[ \$(grep -c 'TLS error' '$SERVE_LOG') -gt $n_before ]"
head -c 4096 /dev/urandom >"$WORK/junk"
(exec 3<>/dev/tcp/127.0.0.1/$TP; cat "$WORK/junk" >&3; sleep 1) 2>/dev/null
check "garbage instead of a ClientHello is closed with a TLS log line" \
  wait_for 5 bash -c "[ \$(grep -c 'TLS error' '$SERVE_LOG') -gt $((n_before + 1)) ]"
# A ClientHello one byte a second: the handshake deadline (3 s here) ends it.
python3 - "$TP" <<'EOF' &
import socket, ssl, sys, time
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
obj = ctx.wrap_bio(inc, out, server_hostname="localhost")
try: obj.do_handshake()
except ssl.SSLWantReadError: pass
hello = out.read()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for b in hello[:20]:
    try: s.send(bytes([b]))
    except OSError: break
    time.sleep(1)
EOF
SLOW=$!
check "a TLS handshake that stalls a byte at a time is closed by handshake_timeout" \
  wait_for 10 log_has "no handshake and connect within handshake_timeout"
kill "$SLOW" 2>/dev/null
# Renegotiation (TLS 1.2): refused, the connection ends.
(printf 'R\n'; sleep 2) | timeout 10 openssl s_client -tls1_2 -connect "127.0.0.1:$TP" -servername localhost \
  >"$WORK/reneg.out" 2>&1
check "a TLS 1.2 renegotiation attempt is refused" bash -c "grep -qiE 'renegotiat|alert|errno|error' '$WORK/reneg.out'"
n=$(packets "$WORK/healthy.md5"); sleep 2
check "the plain RTMP player did not notice ($n -> $(packets "$WORK/healthy.md5") packets)" at_least $((n + 60)) "$WORK/healthy.md5"

# SIGHUP: a renewed certificate for new sessions; a bad one keeps the running one.
serial() { echo | timeout 5 openssl s_client -connect "127.0.0.1:$TP" -servername localhost 2>/dev/null |
  openssl x509 -noout -serial 2>/dev/null; }
old=$(serial)
cp "$C/renewed.chain.pem" "$C/serve.pem"; cp "$C/renewed.key" "$C/serve.key"
kill -HUP "$SERVE_PID"
wait_for 5 log_has "configuration reloaded"
new=$(serial)
check "after SIGHUP new sessions get the renewed certificate ($old -> $new)" bash -c "[ -n '$new' ] && [ '$old' != '$new' ]"
echo "not a certificate" >"$C/serve.pem"
kill -HUP "$SERVE_PID"
check "a bad certificate at reload is refused with a log line" wait_for 5 log_has "TLS certificate not loaded, keeping the running one"
check "and the running certificate still serves" test "$(serial)" = "$new"
check "rtmp-probe still plays over rtmps:// after the bad reload" bash -c \
  "'$BIN/rtmp-probe' --format json --ca-file '$C/ca.pem' 'rtmps://localhost:$TP/live/tls' >/dev/null"

# An expired certificate: rtmp-probe says so.
stop "$SERVE_PID"
TP=$(free_port)
start_serve --rtmps-listen "127.0.0.1:$TP" --tls-cert "$C/expired.chain.pem" --tls-key "$C/expired.key" \
  --tls-min-version 1.3 || { not_ok "rtmp-serve starts with an expired certificate"; finish; }
wait_port "$TP" 10
probe_fails "expired certificate" "rtmps://localhost:$TP/live/x" "expired" --ca-file "$C/ca.pem"
check "tls_min_version 1.3 refuses a TLS 1.2 client" bash -c \
  "! echo | timeout 5 openssl s_client -tls1_2 -connect 127.0.0.1:$TP >/dev/null 2>&1"
stop "$SERVE_PID"
TP=$(free_port)
start_serve --rtmps-listen "127.0.0.1:$TP" --tls-cert "$C/other.chain.pem" --tls-key "$C/other.key" ||
  { not_ok "rtmp-serve starts with another host's certificate"; finish; }
wait_port "$TP" 10
probe_fails "a certificate for another host name" "rtmps://localhost:$TP/live/x" "hostname mismatch" --ca-file "$C/ca.pem"
check "rtmp-serve refuses to start with RTMPS but no certificate" bash -c \
  "'$SERVE_BIN' --listen 127.0.0.1:$(free_port) --http-listen '' --rtmps-listen 127.0.0.1:$(free_port) 2>&1 | grep -q 'need tls_cert and tls_key'"
finish
