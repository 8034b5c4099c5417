#!/usr/bin/env bash
# Runs every test rtmpkit has and prints one "N passed, N failed" line at the end.
# Unit suites (release and ASan/UBSan builds), fuzz smoke runs, integration scripts.
# Usage: tests/run.sh [unit|asan|fuzz|docs|integration|asan-integration ...]   (default: all)
# asan-integration runs every tests/integration/*hostile*_test.sh, the bounds, admission and storm
# scripts, the HTTP API, TLS and WebRTC tests and the recording test (its writer thread) again against
# the AddressSanitizer + UBSan rtmp-serve (build-asan/bin/rtmp-serve,
# from `make test`): lib.sh fails a script on any sanitizer report; memory figures are checked on
# the release build only (check_memory).
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-5}
passed=0 failed=0 failures=() timings=()
kinds=("$@")
((${#kinds[@]})) || kinds=(unit asan fuzz docs integration asan-integration)

record() { # name status
  if [ "$2" = 0 ]; then passed=$((passed + 1)); echo "PASS $1"
  else failed=$((failed + 1)); failures+=("$1"); echo "FAIL $1"; fi
}

run_units() { # dir label
  local b
  for b in "$1"/*_test; do
    [ -x "$b" ] || continue
    "$b" --log_level=test_suite --report_level=short >"$b.log" 2>&1
    local rc=$?
    ((rc)) && tail -n 40 "$b.log"
    record "$2/$(basename "$b")" $rc
  done
}

run_fuzz() {
  local b name corpus
  for b in build-fuzz/bin/*_fuzz; do
    [ -x "$b" ] || continue
    name=$(basename "$b" _fuzz)
    corpus=build-fuzz/corpus/$name
    mkdir -p "$corpus"
    [ -d "tests/fuzz/corpus/$name" ] && cp -n tests/fuzz/corpus/$name/* "$corpus"/ 2>/dev/null
    "$b" -max_total_time="$FUZZ_SECONDS" -max_len=65536 -rss_limit_mb=2048 "$corpus" \
      >"build-fuzz/$name.log" 2>&1
    local rc=$?
    ((rc)) && tail -n 40 "build-fuzz/$name.log"
    record "fuzz/$name(${FUZZ_SECONDS}s)" $rc
  done
}

run_integration() { # [label-prefix] [scripts...] (default: every script)
  local t line bad prefix=${1:-} scripts=("${@:2}")
  ((${#scripts[@]})) || scripts=(tests/integration/*_test.sh)
  for t in "${scripts[@]}"; do
    [ -f "$t" ] || continue
    bad=0 started=$SECONDS
    # Each script prints TAP lines ("ok - name" / "not ok - name"); each line is one test.
    # A script that dies without saying why still counts as one failure.
    while IFS= read -r line; do
      case "$line" in
        "ok "*) echo "  $line"; record "$prefix$(basename "$t" .sh): ${line#ok - }" 0 >/dev/null ;;
        "not ok "*) echo "  $line"; bad=1; record "$prefix$(basename "$t" .sh): ${line#not ok - }" 1 >/dev/null ;;
        "exit 0") ;;
        "exit "*) ((bad)) || record "$prefix$(basename "$t" .sh): script ${line}" 1 ;;
        *) echo "  $line" ;;
      esac
    done < <(timeout 900 bash "$t" 2>"build/${prefix//\//-}$(basename "$t" .sh).stderr"; echo "exit $?")
    timings+=("$(printf '%5ds  %s' $((SECONDS - started)) "$prefix$(basename "$t" .sh)")")
  done
}

mkdir -p build
for k in "${kinds[@]}"; do
  kind_started=$SECONDS
  case "$k" in
    unit) run_units build/tests unit ;;
    asan) run_units build-asan/tests asan ;;
    fuzz) run_fuzz ;;
    integration) run_integration ;;
    asan-integration) # the hostile scripts once more, against the sanitizer build of rtmp-serve
      if [ -x build-asan/bin/rtmp-serve ]; then
        SERVE_BIN=$PWD/build-asan/bin/rtmp-serve SERVE_SANITIZED=1 \
          run_integration asan/ tests/integration/*hostile*_test.sh \
            tests/integration/serve_{bounds,admission,storm}_test.sh \
            tests/integration/{http_api,tls,record,webrtc}_test.sh
      else
        record "asan/rtmp-serve is built (make BUILD=build-asan SAN=1 build-asan/bin/rtmp-serve)" 1
      fi ;;
    docs) # man pages, completions and the example config match the tools' own definitions
      scripts/gen-docs.sh build/bin --check >build/docs-check.log 2>&1
      rc=$?; ((rc)) && tail -n 40 build/docs-check.log
      record "docs: man pages, completions and examples are current" $rc ;;
    *) echo "tests/run.sh: unknown kind $k" >&2; exit 2 ;;
  esac
  timings+=("$(printf '%5ds  %s (all)' $((SECONDS - kind_started)) "$k")")
done

# Where the time went, so a slow suite is visible in the CI log.
echo "Time:"; printf '  %s\n' "${timings[@]}"

if ((failed)); then
  echo "Failed:"; printf '  %s\n' "${failures[@]}"
fi
echo "${passed} passed, ${failed} failed"
((failed == 0))
