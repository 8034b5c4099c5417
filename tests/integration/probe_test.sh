#!/usr/bin/env bash
# rtmp-probe against real servers: rtmp-serve and nginx with libnginx-mod-rtmp. Streams are
# published by `rtmp-probe --publish` and by ffmpeg; the report must agree with ffprobe (of the
# same live URL, or of the fixture). Also: exit codes for refused, stream not found, timed out
# and connect rejected; --output readable by ffprobe; --show-messages; text format;
# video-first order; --clients summary.
source "$(dirname "$0")/lib.sh"

PROBE=$BIN/rtmp-probe
[ -x "$PROBE" ] || { not_ok "rtmp-probe is built ($PROBE)"; finish; }

# agree REPORT.json FFPROBE.json [RATE.json]: video and audio fields of the report match
# ffprobe's streams; the frame rate those of RATE.json when given (ffprobe of the published file:
# on a live URL ffprobe guesses r_frame_rate from the first timestamps, at millisecond
# resolution, and now and then says 60000/1001 for a 30 fps stream, through nginx-rtmp as well).
agree() {
  python3 - "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
f = json.load(open(sys.argv[2]))
rate = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else f
bad = []
def by_type(t):
    return next((s for s in f.get("streams", []) if s.get("codec_type") == t), None)
fv, fa = by_type("video"), by_type("audio")
rv = next((s for s in rate.get("streams", []) if s.get("codec_type") == "video"), None) or {}
v, a = r.get("video"), r.get("audio")
if bool(v) != bool(fv): bad.append(f"video presence: probe {v} ffprobe {fv is not None}")
if v and fv:
    for k in ("codec_name:codec", "profile:profile", "level:level", "width:width", "height:height"):
        fk, rk = k.split(":")
        if fk in fv and str(fv[fk]) != str(v.get(rk)): bad.append(f"video {fk}: {v.get(rk)} vs {fv[fk]}")
    num, den = map(int, rv.get("r_frame_rate", fv["r_frame_rate"]).split("/"))
    if den and abs(num / den - v.get("frame_rate", 0)) > 0.01:
        bad.append(f"frame rate {v.get('frame_rate')} vs {num}/{den}")
if bool(a) != bool(fa): bad.append(f"audio presence: probe {a} ffprobe {fa is not None}")
if a and fa:
    if a["codec"] != fa["codec_name"]: bad.append(f"audio codec {a['codec']} vs {fa['codec_name']}")
    if str(a.get("sample_rate")) != str(fa.get("sample_rate")): bad.append("sample rate")
    if a.get("channels") != fa.get("channels"): bad.append("channels")
    if fa.get("profile") and a.get("profile") != fa["profile"]: bad.append("aac profile")
if r.get("result") != "ok": bad.append("result " + str(r.get("result")))
for b in bad: print("mismatch:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

ffprobe_json() { ffprobe -v error -show_streams -of json "$@"; }

# probe_vs_ffprobe LABEL URL FIXTURE: probe the live URL and ffprobe it, then compare (the frame
# rate with ffprobe of FIXTURE, the file published there).
probe_vs_ffprobe() {
  local label=$1 url=$2 fixture=$3 out=$WORK/$1
  "$PROBE" --format json --timeout 10 "$url" >"$out.probe.json" 2>"$out.probe.err"
  local rc=$?
  timeout 20 ffprobe -v error -rw_timeout 10000000 -show_streams -of json "$url" \
    >"$out.ffprobe.json" 2>"$out.ffprobe.err"
  ffprobe_json "$fixture" >"$out.rate.json"
  if ((rc == 0)) && agree "$out.probe.json" "$out.ffprobe.json" "$out.rate.json" 2>"$out.agree.err"; then
    ok "$label: report agrees with ffprobe"
  else
    log "rc=$rc $(cat "$out.probe.err" "$out.agree.err" 2>/dev/null)"; not_ok "$label: report agrees with ffprobe"
  fi
}

# probe_vs_fixture LABEL URL FIXTURE: as above, against ffprobe of the published file.
probe_vs_fixture() {
  local label=$1 url=$2 fixture=$3 out=$WORK/$1
  "$PROBE" --format json --timeout 10 "$url" >"$out.probe.json" 2>"$out.probe.err"
  local rc=$?
  ffprobe_json "$fixture" >"$out.ffprobe.json"
  if ((rc == 0)) && agree "$out.probe.json" "$out.ffprobe.json" 2>"$out.agree.err"; then
    ok "$label: report agrees with ffprobe of $(basename "$fixture")"
  else
    log "rc=$rc $(cat "$out.probe.err" "$out.agree.err" 2>/dev/null)"; not_ok "$label: report agrees with ffprobe of $(basename "$fixture")"
  fi
}

# expect_exit NAME CODE CMD...
expect_exit() {
  local name=$1 want=$2; shift 2
  "$@" >"$WORK/exit.out" 2>"$WORK/exit.err"
  local rc=$?
  if ((rc == want)); then ok "$name (exit $want)"
  else log "got exit $rc: $(cat "$WORK/exit.err")"; not_ok "$name (exit $want, got $rc)"; fi
}

json_field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d"+sys.argv[2]))' "$@"; }

# ---------------------------------------------------------------- rtmp-serve
# --clients opens many connections from 127.0.0.1 at once: lift the per-address limits.
start_serve --play-wait-timeout 1s --max-connections-per-ip 0 --max-connection-rate-per-ip 0 ||
  { not_ok "rtmp-serve starts"; finish; }
URL=rtmp://127.0.0.1:$PORT/live
spawn "$WORK/pub-probe.log" "$PROBE" --publish "$FIXTURES/h264_aac.flv" --loop --duration 120 "$URL/probed"
publish_loop "$FIXTURES/h264_aac.flv" "$URL/ffmpeg"
sleep 1.5
probe_vs_ffprobe serve-probe-publish "$URL/probed" "$FIXTURES/h264_aac.flv"
probe_vs_ffprobe serve-ffmpeg-publish "$URL/ffmpeg" "$FIXTURES/h264_aac.flv"
for f in h264_only aac_only h264_pcma h264_speex; do
  spawn "$WORK/pub-$f.log" "$PROBE" --publish "$FIXTURES/$f.flv" --loop --duration 60 "$URL/$f"
done
sleep 1
for f in h264_only aac_only h264_pcma h264_speex; do
  probe_vs_fixture "serve-$f" "$URL/$f" "$FIXTURES/$f.flv"
done

# --duration measurement on a 30 fps, ~1 s GOP stream.
"$PROBE" --format json --duration 3 "$URL/probed" >"$WORK/measure.json" 2>"$WORK/measure.err"
check "--duration measures frame rate, bitrate, keyframe interval" python3 - "$WORK/measure.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["measurement"]
v, a = m["video"], m["audio"]
assert 27 <= v["frame_rate"] <= 31, v
assert 400000 < v["bitrate"] < 1500000, v
assert 800 <= v["keyframe_interval_ms"]["avg"] <= 2200, v
assert 40000 < a["bitrate"] < 100000, a
assert abs(m["av_drift_ms"]) < 200, m
assert v["reorderings"] == 0 and a["reorderings"] == 0
PY

# --output: what arrives, saved as FLV, readable by ffprobe.
"$PROBE" --format json --duration 2 --output "$WORK/out.flv" "$URL/probed" >/dev/null 2>&1
ffprobe_json "$WORK/out.flv" >"$WORK/out.ffprobe.json" 2>/dev/null
check "--output FLV is readable by ffprobe with h264 and aac" python3 -c '
import json,sys; s=json.load(open(sys.argv[1]))["streams"]
assert sorted(x["codec_name"] for x in s)==["aac","h264"], s' "$WORK/out.ffprobe.json"

# --show-messages: JSON lines, then the report.
"$PROBE" --show-messages --format json "$URL/probed" >"$WORK/messages.jsonl" 2>/dev/null
check "--show-messages prints a JSON line per message (commands decoded, keyframe flagged)" \
  python3 -c '
import json,sys; lines=[json.loads(l) for l in open(sys.argv[1])]
msgs, report = lines[:-1], lines[-1]
assert report["result"]=="ok"
assert any(m["type_id"]==20 and m.get("name")=="_result" for m in msgs)
assert any(m["type_id"]==9 and m.get("keyframe") and m.get("codec")=="h264" and m["packet_type"]=="frame" for m in msgs)
assert any(m["type_id"]==18 and m["values"][0]=="onMetaData" for m in msgs)
assert all({"chunk_stream","message_stream","timestamp","size"} <= m.keys() for m in msgs)' \
  "$WORK/messages.jsonl"

"$PROBE" --format text "$URL/probed" >"$WORK/report.txt" 2>&1
check "--format text is aligned key: value lines" grep -Eq '^  codec: +h264$' "$WORK/report.txt"
"$PROBE" --trace --format json "$URL/probed" >/dev/null 2>"$WORK/trace.txt"
check "--trace shows the handshake and chunk headers" \
  bash -c "grep -q 'S0S1S2 received' '$WORK/trace.txt' && grep -q 'chunk fmt=0 csid=' '$WORK/trace.txt'"

# Connection parameters pass through: the app query in connect, the stream query in play.
"$PROBE" --show-messages --connect-param tok=abc --format json "$URL/probed?sk=1" \
  >"$WORK/params.jsonl" 2>&1
check "--connect-param reaches connect (tcUrl), the stream query reaches play" bash -c "
  grep -q 'tcUrl=\"rtmp://127.0.0.1:$PORT/live?tok=abc\" params=\"tok=abc\"' '$SERVE_LOG' &&
  grep -q 'stream=live/probed params=\"sk=1\"' '$SERVE_LOG' && grep -q '\"result\":\"ok\"' '$WORK/params.jsonl'"

# --clients: N players on one loop.
"$PROBE" --clients 20 --duration 3 --format json "$URL/probed" >"$WORK/load.json" 2>"$WORK/load.err"
rc=$?
check "--clients 20: all connected, frames received, exit 0" python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
assert sys.argv[2]=="0", sys.argv[2]
assert d["connected"]==20 and d["failed"]==0 and d["receiving"]==20, d
assert d["video_frames"]>20*30 and d["socket_bytes"]>0 and d["first_frame_ms"]["p99"]>=0, d' \
  "$WORK/load.json" "$rc"

expect_exit "stream not found (rtmp-serve --play-wait-timeout 1s)" 6 \
  "$PROBE" --timeout 5 "$URL/nobody"
kill "$SERVE_PID" 2>/dev/null

# Video first: with rtmp_send_video_first the first media message is the video header.
start_serve --rtmp-send-video-first 1 --max-connections-per-ip 0 --max-connection-rate-per-ip 0 ||
  not_ok "rtmp-serve starts (video first)"
spawn "$WORK/pub-vf.log" "$PROBE" --publish "$FIXTURES/h264_aac.flv" --loop --duration 60 \
  "rtmp://127.0.0.1:$PORT/live/vf"
sleep 2
"$PROBE" --format json "rtmp://127.0.0.1:$PORT/live/vf" >"$WORK/vf.json" 2>&1
check "first_media shows the video-first order" python3 -c '
import json,sys; f=json.load(open(sys.argv[1]))["first_media"]
assert f[0]=="video-header" and f.index("video-key") < f.index("audio"), f' "$WORK/vf.json"

# ---------------------------------------------------------------- exit codes without a server
expect_exit "refused port" 3 "$PROBE" --timeout 3 "rtmp://127.0.0.1:$(free_port)/live/x"
expect_exit "usage error" 2 "$PROBE" --no-such-option rtmp://h/a/s
expect_exit "publish of a missing file is a usage error" 2 "$PROBE" --publish /nonexistent.flv rtmp://h/a/s

# ---------------------------------------------------------------- nginx-rtmp
NGINX_MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
if ! command -v nginx >/dev/null || [ ! -f "$NGINX_MODULE" ]; then
  not_ok "nginx with ngx_rtmp_module is installed (make deps)"
  finish
fi
NPORT=$(free_port)
NPREFIX=$WORK/nginx
mkdir -p "$NPREFIX/logs"
cat >"$NPREFIX/nginx.conf" <<CONF
load_module $NGINX_MODULE;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
worker_processes 1;
error_log $NPREFIX/logs/error.log info;
events { worker_connections 1024; }
rtmp { server { listen 127.0.0.1:$NPORT; application live { live on; } } }
CONF
spawn "$WORK/nginx.log" nginx -c "$NPREFIX/nginx.conf" -p "$NPREFIX" -g "daemon off; pid $NPREFIX/nginx.pid;"
wait_port "$NPORT" 10 || { not_ok "nginx-rtmp starts"; cat "$NPREFIX/logs/error.log" >&2; finish; }
NURL=rtmp://127.0.0.1:$NPORT/live
spawn "$WORK/npub-probe.log" "$PROBE" --publish "$FIXTURES/h264_aac.flv" --loop --duration 120 "$NURL/probed"
publish_loop "$FIXTURES/h264_aac.flv" "$NURL/ffmpeg"
sleep 1.5
probe_vs_ffprobe nginx-probe-publish "$NURL/probed" "$FIXTURES/h264_aac.flv"
probe_vs_ffprobe nginx-ffmpeg-publish "$NURL/ffmpeg" "$FIXTURES/h264_aac.flv"
spawn "$WORK/npub-pcma.log" "$PROBE" --publish "$FIXTURES/h264_pcma.flv" --loop --duration 60 "$NURL/pcma"
sleep 1
probe_vs_fixture nginx-h264_pcma "$NURL/pcma" "$FIXTURES/h264_pcma.flv"
expect_exit "nginx: connect to an unknown app is rejected" 5 "$PROBE" --timeout 5 "rtmp://127.0.0.1:$NPORT/nosuchapp/x"
expect_exit "nginx: a stream nobody publishes times out" 8 "$PROBE" --timeout 2 "$NURL/nobody"
"$PROBE" --clients 20 --duration 3 --format json "$NURL/probed" >"$WORK/nload.json" 2>&1
check "nginx: --clients 20 all connected" python3 -c '
import json,sys; d=json.load(open(sys.argv[1])); assert d["connected"]==20 and d["failed"]==0, d' "$WORK/nload.json"
kill "$(cat "$NPREFIX/nginx.pid" 2>/dev/null)" 2>/dev/null
finish
