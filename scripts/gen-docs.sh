#!/usr/bin/env bash
# Writes each tool's man page and bash/zsh completions from the tool itself (its hidden
# --generate-man and --generate-completion options, lib/cli/docgen), or checks they are current.
# Usage: scripts/gen-docs.sh BINDIR [--check]
#   writes man/<tool>.1, completions/<tool>.bash, completions/_<tool> for every tool in BINDIR;
#   --check writes nothing, shows a diff and exits 1 when a committed file is stale or missing.
# A tool that does not answer --generate-man yet is skipped with a note, unless its man page is
# already committed (then it is an error: the docs could no longer be regenerated).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

usage() { echo "usage: scripts/gen-docs.sh BINDIR [--check]" >&2; exit 2; }
(($# >= 1 && $# <= 2)) || usage
bindir=$1
check=0
if (($# == 2)); then [ "$2" = --check ] && check=1 || usage; fi
[ -d "$bindir" ] || { echo "gen-docs: no directory $bindir" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stale=0 failed=0 done_any=0

# emit TOOL KIND ARGS...: the tool's output for KIND into $tmp/KIND, false when it fails.
emit() {
  local bin=$1 out=$2; shift 2
  timeout 10 "$bin" "$@" >"$out" 2>"$tmp/stderr" && [ -s "$out" ]
}

# put GENERATED TARGET: write TARGET, or in --check mode compare it.
put() {
  local generated=$1 target=$2
  if ((check)); then
    if ! diff -u --label "$target (committed)" --label "$target (generated)" \
         "$target" "$generated" 2>/dev/null; then
      [ -f "$target" ] || echo "gen-docs: $target is missing" >&2
      stale=1
    fi
  elif ! cmp -s "$generated" "$target"; then
    mkdir -p "$(dirname "$target")"
    cp "$generated" "$target"
    echo "gen-docs: wrote $target"
  fi
}

for bin in "$bindir"/*; do
  [ -f "$bin" ] && [ -x "$bin" ] || continue
  tool=$(basename "$bin")
  if ! emit "$bin" "$tmp/$tool.1" --generate-man; then
    if [ -f "man/$tool.1" ]; then
      echo "gen-docs: $tool --generate-man failed: $(head -c 300 "$tmp/stderr")" >&2
      failed=1
    else
      echo "gen-docs: $tool has no --generate-man yet (lib/cli/docgen.h); skipped" >&2
    fi
    continue
  fi
  if ! emit "$bin" "$tmp/$tool.bash" --generate-completion bash ||
     ! emit "$bin" "$tmp/_$tool" --generate-completion zsh; then
    echo "gen-docs: $tool --generate-completion failed: $(head -c 300 "$tmp/stderr")" >&2
    failed=1
    continue
  fi
  done_any=1
  put "$tmp/$tool.1" "man/$tool.1"
  put "$tmp/$tool.bash" "completions/$tool.bash"
  put "$tmp/_$tool" "completions/_$tool"
  # rtmp-serve's example config is generated from the same settings table as its flags.
  if [ "$tool" = rtmp-serve ]; then
    if emit "$bin" "$tmp/rtmp-serve.yaml" --print-config; then
      put "$tmp/rtmp-serve.yaml" "examples/rtmp-serve.yaml"
    else
      echo "gen-docs: rtmp-serve --print-config failed" >&2
      failed=1
    fi
  fi
done

((done_any)) || echo "gen-docs: no tool in $bindir generates docs" >&2
if ((failed)); then exit 1; fi
if ((check && stale)); then
  echo "gen-docs: stale docs; run 'make docs' and commit man/ and completions/" >&2
  exit 1
fi
((check)) && echo "gen-docs: docs are up to date"
exit 0
