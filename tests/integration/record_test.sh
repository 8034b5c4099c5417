#!/usr/bin/env bash
# FLV recording end to end: ffmpeg publishes, rtmp-serve records, ffmpeg/ffprobe read the files,
# hook-echo receives RecordingStatusEvent, curl drives the API. Seven servers run side by side so
# that the real-time publishes overlap:
#   A  record: all, hooks     — bit-exact file, metadata patch, "../" names, reconnect, SIGTERM
#   B  record_max_duration 2s — split files each play alone, from 0, with headers; bit-exact joined
#   C  record: param, API     — ?record=true or not; POST/DELETE .../record, GET /recordings,
#                               /metrics
#   D  record: none + a hook that answers record=true;  E  record: all + a hook answering false
#   F  record: all into a full tmpfs and below a regular file — the live player goes on
#   G  record: all onto a file system frozen mid-recording (fsfreeze): the writer thread blocks,
#      the event loop does not; the bounded queue fills and the recording stops, the player goes on
source "$(dirname "$0")/lib.sh"

REF=$FIXTURES/h264_aac.flv
REC=$WORK/rec
REF_SECONDS=$(duration_s "$REF")

# start_hooks [hook-echo args]: hook-echo on a free port; sets $HOOK_PORT and $HOOKS (its lines).
start_hooks() {
  HOOK_PORT=$(free_port)
  HOOKS=$WORK/hooks-$HOOK_PORT.jsonl
  "$BIN/hook-echo" --listen "127.0.0.1:$HOOK_PORT" "$@" >"$HOOKS" 2>"$WORK/hook-echo-$HOOK_PORT.log" &
  PIDS+=("$!")
  wait_port "$HOOK_PORT" 10
}
# events FILE APP [STATUS]: the RecordingStatusEvent lines of server APP (its hook URL's app).
events() { grep '"method":"RecordingStatusEvent"' "$1" | grep "\"app\":\"$2\"" | grep "${3:-.}"; }
# json_field LINE FIELD: a number or string field of the hook line's body (flat fields only).
json_field() { jq -r ".body.$2" <<<"$1"; }
# logged LOG REGEX: the server log has a line matching REGEX.
logged() { grep -Eq -- "$2" "$1"; }
# plays FILE: ffmpeg decodes all of it without an error or warning (a missing header, a frame
# that refers to what is not there). The frames keep the file's times and time base: at 1/30 s
# the null muxer would complain of its own rounding of guessed frame times.
plays() {
  local err
  err=$(ffmpeg -hide_banner -nostdin -v warning -xerror -i "$1" -fps_mode passthrough \
    -enc_time_base -1 -f null - 2>&1) ||
    { log "$1: $err"; return 1; }
  [ -z "$err" ] || { log "$1: $err"; return 1; }
}
# starts_at_zero FILE: the first packet is at 0, the first video packet a keyframe at 0 (decoding
# times: a keyframe's presentation time is later by its composition offset, as in the fixture).
starts_at_zero() {
  local first video
  first=$(ffprobe -v error -show_entries packet=dts_time -read_intervals '%+#1' -of csv=p=0 "$1" | head -n 1)
  video=$(ffprobe -v error -select_streams v -show_entries packet=dts_time,flags \
    -read_intervals '%+#1' -of csv=p=0 "$1" | head -n 1)
  log "$(basename "$1"): first packet at $first, first video packet $video"
  [ "$first" = 0.000000 ] && [ "${video%%,*}" = 0.000000 ] && [[ ${video#*,} == K* ]]
}
# meta_number FILE KEY: onMetaData's AMF0 number KEY (duration, filesize) as written in FILE.
meta_number() {
  python3 - "$1" "$2" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read(4096)
key = sys.argv[2].encode()
i = data.find(struct.pack(">H", len(key)) + key + b"\x00")
print(struct.unpack(">d", data[i + 3 + len(key):i + 11 + len(key)])[0] if i >= 0 else "none")
EOF
}
# finished_paths LOG: the files the server finished, in order.
finished_paths() { grep 'recording file finished' "$1" | sed -E 's/.* path=("[^"]*"|[^ ]*).*/\1/; s/^"//; s/"$//'; }
size_of() { stat -c %s "$1"; }
pub() { # BG_NAME URL [ffmpeg input args before -i]: publishes the fixture once, in the background
  local name=$1 url=$2; shift 2
  spawn "$WORK/pub-$name.log" ffmpeg -hide_banner -nostdin -loglevel warning -re "$@" -i "$REF" \
    -c copy -f flv "$url"
}

start_hooks; HOOKS_A=$HOOKS; HOOK_BASE=http://127.0.0.1:$HOOK_PORT/apps
start_hooks --set publishStream:record=true; HOOKS_D=$HOOKS; HOOK_D=http://127.0.0.1:$HOOK_PORT/apps/D
start_hooks --set publishStream:record=false; HOOKS_E=$HOOKS; HOOK_E=http://127.0.0.1:$HOOK_PORT/apps/E

start_serve --record all --record-path "$REC/a/{app}/{streamName}.flv" --rest-hook-url "$HOOK_BASE/A" ||
  { not_ok "rtmp-serve A starts"; finish; }
A=rtmp://127.0.0.1:$PORT; A_LOG=$SERVE_LOG; A_PID=$SERVE_PID
start_serve --record all --record-max-duration 2s --record-path "$REC/b/{streamName}-{startTime}.flv" ||
  { not_ok "rtmp-serve B starts"; finish; }
B=rtmp://127.0.0.1:$PORT; B_LOG=$SERVE_LOG
HP=$(free_port); API=http://127.0.0.1:$HP/api/v1
start_serve --record param --record-path "$REC/c/{app}/{streamName}.flv" --rest-hook-url "$HOOK_BASE/C" \
  --http-listen "127.0.0.1:$HP" || { not_ok "rtmp-serve C starts"; finish; }
C=rtmp://127.0.0.1:$PORT; C_LOG=$SERVE_LOG
start_serve --record none --rest-overwrite record --record-path "$REC/d/{streamName}.flv" \
  --rest-hook-url "$HOOK_D" || { not_ok "rtmp-serve D starts"; finish; }
D=rtmp://127.0.0.1:$PORT
start_serve --record all --rest-overwrite record --record-path "$REC/e/{streamName}.flv" \
  --rest-hook-url "$HOOK_E" || { not_ok "rtmp-serve E starts"; finish; }
E=rtmp://127.0.0.1:$PORT
# F: app "full" records into a 512 KiB tmpfs (a few seconds of the fixture), app "plain" below
# a regular file (ENOTDIR: permissions would not stop root).
mkdir -p "$WORK/target/full"; echo x >"$WORK/target/plain"
MOUNTS=()
if mount -t tmpfs -o size=512k tmpfs "$WORK/target/full" 2>"$WORK/mount.err"; then
  MOUNTED=$WORK/target/full; MOUNTS+=("$MOUNTED")
else
  log "cannot mount a tmpfs: $(cat "$WORK/mount.err")"
fi
# G: an ext4 image on a loop device, to freeze.
mkdir -p "$WORK/frozen"; truncate -s 32M "$WORK/frozen.img"
if mkfs.ext4 -q -F "$WORK/frozen.img" 2>"$WORK/mkfs.err" &&
   mount -o loop "$WORK/frozen.img" "$WORK/frozen" 2>>"$WORK/mkfs.err"; then
  FREEZABLE=$WORK/frozen; MOUNTS+=("$FREEZABLE")
else
  log "cannot mount an ext4 image: $(cat "$WORK/mkfs.err")"
fi
# A frozen file system goes first (its writers cannot even be killed), then the processes (a
# busy mount stays), then the mounts, then lib.sh's cleanup.
teardown() {
  [ -n "${FREEZABLE:-}" ] && fsfreeze -u "$FREEZABLE" 2>/dev/null
  local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; sleep 0.3
  for p in "${MOUNTS[@]}"; do umount "$p" 2>/dev/null || umount -l "$p"; done
  cleanup
}
trap teardown EXIT
start_serve --record all --record-path "$WORK/target/{app}/{streamName}.flv" --rest-hook-url "$HOOK_BASE/F" ||
  { not_ok "rtmp-serve F starts"; finish; }
F=rtmp://127.0.0.1:$PORT; F_LOG=$SERVE_LOG; F_PID=$SERVE_PID
if [ -n "${FREEZABLE:-}" ]; then
  start_serve --record all --record-queue-max-bytes 1048576 --record-path "$FREEZABLE/{streamName}.flv" ||
    { not_ok "rtmp-serve G starts"; finish; }
  G=rtmp://127.0.0.1:$PORT; G_LOG=$SERVE_LOG
fi

# --- every publisher at once
pub cam "$A/live/cam"; CAM_PUB=$LAST_PID
spawn "$WORK/pub-re.log" bash -c "for i in 1 2; do ffmpeg -hide_banner -nostdin -loglevel warning -re \
  -t 2 -i '$REF' -c copy -f flv '$A/live/re'; sleep 0.3; done"; RE_PUB=$LAST_PID
spawn "$WORK/pub-esc.log" ffmpeg -hide_banner -nostdin -loglevel warning -re -t 2 -i "$REF" -c copy \
  -rtmp_playpath '../../../escape' -f flv "$A/live"; ESC_PUB=$LAST_PID
pub term "$A/live/term" -stream_loop -1; TERM_PUB=$LAST_PID
pub split "$B/live/split"; SPLIT_PUB=$LAST_PID
pub yes "$C/live/yes?record=true" -t 3; YES_PUB=$LAST_PID
pub no "$C/live/no" -t 3; NO_PUB=$LAST_PID
pub api "$C/live/api" -stream_loop -1; API_PUB=$LAST_PID
pub on "$D/live/on" -t 2; ON_PUB=$LAST_PID
pub off "$E/live/off" -t 2; OFF_PUB=$LAST_PID
pub full "$F/full/s" -stream_loop -1; pub plain "$F/plain/s" -stream_loop -1
wait_for 20 logged "$F_LOG" "publish .*stream=plain/s " || log "F publishers slow to start"
play_hashes "$F/full/s" "$WORK/full.md5"; FULL_PLAYER=$PLAYER_PID
play_hashes "$F/plain/s" "$WORK/plain.md5"; PLAIN_PLAYER=$PLAYER_PID

# --- G: the disk stops taking bytes (frozen); the stream at 4x real time fills the 1 MiB queue
if [ -n "${FREEZABLE:-}" ]; then
  spawn "$WORK/pub-fast.log" ffmpeg -hide_banner -nostdin -loglevel warning -readrate 4 -stream_loop -1 \
    -i "$REF" -c copy -f flv "$G/live/fast"; FAST_PUB=$LAST_PID
  wait_for 20 logged "$G_LOG" "recording file opened .*fast\.flv" || log "G: no file opened"
  play_hashes "$G/live/fast" "$WORK/fast.md5"; FAST_PLAYER=$PLAYER_PID
  wait_for 20 at_least 50 "$WORK/fast.md5" || log "G: the player is slow to start"
  fsfreeze -f "$FREEZABLE"
  frozen_at=$(packets "$WORK/fast.md5")
  wait_for 20 logged "$G_LOG" "recording stopped .*stream=live/fast .*the disk does not keep up"
  sleep 1
  thawed_at=$(packets "$WORK/fast.md5")
  fsfreeze -u "$FREEZABLE"
  check "G: a frozen disk fills the write queue and stops the recording, with a log line" \
    logged "$G_LOG" "recording stopped .*stream=live/fast .*record_queue_max_bytes"
  check "G: the live player kept receiving while the disk was frozen ($frozen_at then $thawed_at packets)" \
    test "$thawed_at" -gt $((frozen_at + 100))
  wait_for 20 logged "$G_LOG" "recording file failed .*fast\.flv" || log "G: the file is not finished"
  check "G: once the disk is back the file is finished (what was queued), FAILED with the reason" \
    logged "$G_LOG" "recording file failed .*path=$FREEZABLE/fast\.flv .*the disk does not keep up"
  check "G: ... and it plays" bash -c "$(declare -f plays log); plays '$FREEZABLE/fast.flv'"
  stop "$FAST_PUB"; stop "$FAST_PLAYER"
else
  echo "ok - G: frozen disk # SKIP cannot mount an ext4 image here"
fi

# --- C: the API on a live stream (record: param, the stream has no ?record=true)
wait_for 20 logged "$C_LOG" "publish .*stream=live/api " || log "api publisher slow to start"
sleep 1.5  # a GOP in the cache: the recording starts from its keyframe
check "C: api is not recorded before the API asks" bash -c "! ls '$REC/c/live/api'* 2>/dev/null"
code=$(curl -s -o "$WORK/post.json" -w '%{http_code}' -X POST "$API/streams/live/api/record")
check "C: POST .../record answers 201 with the recording" \
  jq -e --arg c "$code" '$c == "201" and .app == "live" and .name == "api" and (.path | endswith("/live/api.flv"))' "$WORK/post.json"
check "C: a second POST is 409" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$API/streams/live/api/record")" = 409
check "C: POST for an unknown stream is 404" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$API/streams/live/nosuch/record")" = 404
sleep 2
check "C: the stream JSON shows the recording growing" \
  jq -e '.recording.path != null and .recording.bytes > 100000 and .recording.duration_ms > 1000' <(curl -sf "$API/streams/live/api")
check "C: GET /recordings lists it" jq -e '.count >= 1 and ([.recordings[].name] | index("api")) != null' <(curl -sf "$API/recordings")
check "C: DELETE .../record is 204" test "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$API/streams/live/api/record")" = 204
check "C: the stream JSON says recording null after it" jq -e '.recording == null' <(curl -sf "$API/streams/live/api")
check "C: a second DELETE is 404" test "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$API/streams/live/api/record")" = 404
wait_for 10 test -f "$REC/c/live/api.flv" || log "api.flv not there"
check "C: the API's file plays and starts with a keyframe at 0" bash -c "$(declare -f plays starts_at_zero log); plays '$REC/c/live/api.flv' && starts_at_zero '$REC/c/live/api.flv'"
spawn "$WORK/waiter.log" "${FF[@]}" -loglevel error -i "$C/live/waiting" -f null -
wait_for 10 logged "$C_LOG" "play .*stream=live/waiting .*waiting=yes"
check "C: POST for a stream without publisher is 409" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$API/streams/live/waiting/record")" = 409
stop "$API_PUB"

# --- F: a full disk and a directory that cannot be made; the players go on
if [ -n "${MOUNTED:-}" ]; then
  wait_for 30 logged "$F_LOG" "recording file failed .*No space left on device" ||
    log "F: no ENOSPC failure logged"
  check "F: the full disk is logged as a failed recording" logged "$F_LOG" "recording file failed .*stream=full/s .*No space left on device"
  check "F: ... and the recording stopped" logged "$F_LOG" "recording stopped .*stream=full/s .*write failed"
  check "F: the .part file is kept (it holds what was written)" test -s "$WORK/target/full/s.flv.part"
  before=$(packets "$WORK/full.md5"); sleep 2; after=$(packets "$WORK/full.md5")
  check "F: the full disk's live player keeps receiving ($before then $after packets)" test "$after" -gt $((before + 20))
  wait_for 10 events "$HOOKS_A" F FAILED >/dev/null
  check "F: RecordingStatusEvent FAILED with the reason" bash -c "grep -q 'No space left' <(grep '\"app\":\"F\"' '$HOOKS_A' | grep RecordingStatusEvent | grep '\"status\":\"FAILED\"')"
else
  echo "ok - F: full disk # SKIP cannot mount a tmpfs here"
fi
wait_for 20 logged "$F_LOG" "recording file failed .*stream=plain/s" || log "F: no ENOTDIR failure logged"
check "F: a path below a regular file is logged as failed (Not a directory)" \
  logged "$F_LOG" "recording file failed .*stream=plain/s .*Not a directory"
before=$(packets "$WORK/plain.md5"); sleep 1.5; after=$(packets "$WORK/plain.md5")
check "F: that stream's live player keeps receiving ($before then $after packets)" test "$after" -gt $((before + 10))
check "F: the server is still up" kill -0 "$F_PID"

# --- C: record=param; D/E: the hook decides
wait_for 20 exited "$YES_PUB"; wait_for 20 exited "$NO_PUB"; wait_for 20 exited "$ON_PUB"; wait_for 20 exited "$OFF_PUB"
wait_for 10 test -s "$REC/c/live/yes.flv"; wait_for 10 test -s "$REC/d/on.flv"
check "C: ?record=true is recorded" test -s "$REC/c/live/yes.flv"
check "C: without it nothing is recorded" bash -c "! ls '$REC/c/live/no'* 2>/dev/null"
curl -sf "http://127.0.0.1:$HP/metrics" >"$WORK/metrics.txt"
check "C: /metrics counts the two finished files, their bytes, no recording left" bash -c "
  grep -qx 'rtmpkit_recording_files_total{status=\"finished\"} 2' '$WORK/metrics.txt' &&
  grep -qx 'rtmpkit_recordings 0' '$WORK/metrics.txt' &&
  [ \$(awk '/^rtmpkit_recording_written_bytes_total / { print \$2 }' '$WORK/metrics.txt') = \
    \$((\$(stat -c %s '$REC/c/live/yes.flv') + \$(stat -c %s '$REC/c/live/api.flv'))) ]"
check "C: publishStream says record true for ?record=true" \
  bash -c "grep '\"app\":\"C\"' '$HOOKS_A' | grep '\"method\":\"publishStream\"' | grep '\"name\":\"yes\"' | grep -q '\"record\":true'"
check "C: publishStream says record false without it" \
  bash -c "grep '\"app\":\"C\"' '$HOOKS_A' | grep '\"method\":\"publishStream\"' | grep '\"name\":\"no\"' | grep -q '\"record\":false'"
check "D: a hook's record=true records (record: none)" test -s "$REC/d/on.flv"
check "D: publishStream was sent with record false" grep -q '"method":"publishStream".*"record":false' "$HOOKS_D"
check "E: a hook's record=false does not (record: all)" bash -c "! ls '$REC/e/'* 2>/dev/null"

# --- A: the whole fixture, bit-exact, with its metadata patched and its hook event
wait_for $((REF_SECONDS + 20)) exited "$CAM_PUB"
wait_for 10 logged "$A_LOG" "recording file finished .*/live/cam.flv" || log "cam.flv not finished"
CAM=$REC/a/live/cam.flv
check "A: cam.flv is finished (no .part left)" bash -c "[ -s '$CAM' ] && [ ! -e '$CAM.part' ]"
file_hashes "$CAM" "$WORK/cam.md5"
check "A: the recorded packets equal the published file's from the first keyframe" bit_exact "$REF" "$WORK/cam.md5" whole
check "A: cam.flv plays alone and starts at 0" bash -c "$(declare -f plays starts_at_zero log); plays '$CAM' && starts_at_zero '$CAM'"
check "A: the same streams as the fixture (headers are there)" same_streams "$REF" "$CAM"
size=$(size_of "$CAM"); msize=$(meta_number "$CAM" filesize); mdur=$(meta_number "$CAM" duration)
log "cam.flv: $size bytes, onMetaData filesize $msize, duration $mdur (fixture about $REF_SECONDS s)"
check "A: onMetaData filesize is the file's size" python3 -c "import sys; sys.exit(float('$msize') != $size)"
check "A: onMetaData duration is the recording's" python3 -c "import sys; sys.exit(not ($REF_SECONDS - 2 <= float('$mdur') <= $REF_SECONDS + 2))"
wait_for 10 events "$HOOKS_A" A FINISHED >/dev/null
line=$(events "$HOOKS_A" A '"name":"cam"' | grep '"status":"FINISHED"' | head -n 1)
log "cam's event: $line"
check "A: RecordingStatusEvent FINISHED names the file and its size" \
  bash -c "[ '$(json_field "$line" path)' = '$CAM' ] && [ '$(json_field "$line" size)' = '$size' ]"
check "A: ... with duration, timestamps and the publisher's mediaSessionId" \
  jq -e '.body.duration > 1000 and .body.lastTimestamp - .body.firstTimestamp == .body.duration and (.body.mediaSessionId | length) == 36 and .body.nodeId != null' <<<"$line"
check "A: publishStream says record true (record: all)" \
  bash -c "grep '\"app\":\"A\"' '$HOOKS_A' | grep '\"method\":\"publishStream\"' | grep '\"name\":\"cam\"' | grep -q '\"record\":true'"

# --- A: a stream name with ../ stays inside record_path
wait_for 20 exited "$ESC_PUB"
wait_for 10 logged "$A_LOG" "recording file finished .*escape\.flv"
escaped=$(find "$WORK" -name '*escape*' -not -path "$WORK/pub-*")
log "files named after '../../../escape': $escaped"
check "A: the '../../../escape' stream is recorded inside record_path's directory" \
  bash -c "[ -n '$escaped' ] && [ \"\$(dirname '$escaped')\" = '$REC/a/live' ]"

# --- A: a publisher that reconnects within unpublish_notify_delay gets a second, separate file:
# a file holds one publisher's headers and one mediaSessionId (Recordings::publication_ended).
wait_for 20 exited "$RE_PUB"
wait_for 10 logged "$A_LOG" "recording file finished .*/live/re-1\.flv"
check "A: a reconnecting publisher makes two files, the second numbered" \
  bash -c "[ -s '$REC/a/live/re.flv' ] && [ -s '$REC/a/live/re-1.flv' ]"
for f in re re-1; do
  check "A: $f.flv plays alone and starts at 0" bash -c "$(declare -f plays starts_at_zero log); plays '$REC/a/live/$f.flv' && starts_at_zero '$REC/a/live/$f.flv'"
done
ids=$(events "$HOOKS_A" A '"name":"re"' | jq -r .body.mediaSessionId | sort -u | wc -l)
check "A: ... reported by two events with two mediaSessionIds" test "$ids" = 2

# --- B: split every 2 s at a keyframe
wait_for $((REF_SECONDS + 20)) exited "$SPLIT_PUB"
wait_for 10 bash -c "[ \$(grep -c 'recording file finished' '$B_LOG') -ge 2 ] && ! ls '$REC'/b/*.part 2>/dev/null"
mapfile -t parts < <(finished_paths "$B_LOG")
log "split files: ${parts[*]}"
check "B: the recording is split into several files (${#parts[@]})" test "${#parts[@]}" -ge 2
: >"$WORK/split.md5"
for f in "${parts[@]}"; do
  check "B: $(basename "$f") plays alone, starts at 0 with a keyframe" bash -c "$(declare -f plays starts_at_zero log); plays '$f' && starts_at_zero '$f'"
  check "B: $(basename "$f") has both streams' headers" same_streams "$REF" "$f"
  rm -f "$WORK/part.md5"; file_hashes "$f" "$WORK/part.md5" && cat "$WORK/part.md5" >>"$WORK/split.md5"
done
check "B: the files one after the other are the published packets, none lost or repeated" \
  bit_exact "$REF" "$WORK/split.md5" whole

# --- A: SIGTERM finishes the open recording, renames it and reports it
check "A: term is being written as term.flv.part" test -s "$REC/a/live/term.flv.part"
kill -TERM "$A_PID"
wait_for 10 exited "$A_PID"
check "A: SIGTERM: the server exits" exited "$A_PID"
check "A: SIGTERM: term.flv is finished and plays" bash -c "$(declare -f plays log); [ ! -e '$REC/a/live/term.flv.part' ] && plays '$REC/a/live/term.flv'"
check "A: SIGTERM: its RecordingStatusEvent FINISHED was delivered before the exit" \
  bash -c "grep '\"app\":\"A\"' '$HOOKS_A' | grep RecordingStatusEvent | grep '\"name\":\"term\"' | grep -q FINISHED"
stop "$TERM_PUB"; stop "$FULL_PLAYER"; stop "$PLAIN_PLAYER"
finish
