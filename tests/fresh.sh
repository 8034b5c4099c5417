#!/usr/bin/env bash
# Proves the README's set-up on a bare machine: makes a minimal Debian 12 root with debootstrap
# (minbase plus build-essential, git, ca-certificates: what a new user starts from), clones this
# checkout's HEAD into it and runs the README's two commands there: `make test`, then `make run`
# until rtmp-serve listens on 1935. Prints each step's time; exits with `make test`'s status, or 1
# when `make run` does not serve.
# Usage (root): tests/fresh.sh [--keep]    --keep leaves the root in $FRESH_DIR for a look.
# Environment: FRESH_DIR (default /var/tmp/rtmpkit-fresh), FRESH_MIRROR (Debian mirror),
# FRESH_RUN_SECONDS (how long `make run` may take to listen, default 900).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
keep=0
[ "${1:-}" = --keep ] && keep=1
fresh_dir=${FRESH_DIR:-/var/tmp/rtmpkit-fresh}
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
run_seconds=${FRESH_RUN_SECONDS:-900}
root=$fresh_dir/root

say() { echo "fresh: $*"; }
die() { echo "fresh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"
command -v unshare >/dev/null || die "unshare (util-linux) is missing"
if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap on the host"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap \
    >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends debootstrap; }
fi

# The processes still running inside the root (a server `make run` left, a stuck test).
kill_inside() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  return 0
}
cleanup() {
  kill_inside
  if ((keep)); then say "kept $root"; else rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT

elapsed() { local s=$(($(date +%s) - $1)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

rm -rf --one-file-system "$root"
mkdir -p "$fresh_dir"
t=$(date +%s)
say "debootstrap bookworm minbase into $root"
debootstrap --variant=minbase --include=build-essential,git,ca-certificates bookworm "$root" \
  "$mirror" >"$fresh_dir/debootstrap.log" 2>&1 ||
  { tail -n 20 "$fresh_dir/debootstrap.log" >&2; die "debootstrap failed"; }
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# debootstrap writes no /etc/hosts; Debian's installer writes this one (localhost is ::1 as well
# as 127.0.0.1, so clients meet a name whose first address may refuse).
[ -f "$root/etc/hosts" ] || printf '%s\n' '127.0.0.1 localhost' \
  '::1 localhost ip6-localhost ip6-loopback' 'ff02::1 ip6-allnodes' 'ff02::2 ip6-allrouters' \
  >"$root/etc/hosts"
# The host's Debian sources (a snapshot or a local mirror CI may use); debootstrap's otherwise.
[ -f /etc/apt/sources.list.d/debian.sources ] &&
  cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/" &&
  rm -f "$root/etc/apt/sources.list"
say "bare root ready in $(elapsed "$t")"

git clone -q "$repo" "$root/src/rtmpkit"
say "cloned $(git -C "$repo" rev-parse --short HEAD) into /src/rtmpkit"

# in_root COMMAND: runs COMMAND (bash) inside the root with its own /proc, /dev and /tmp, in
# private mount and PID namespaces, so that nothing is left mounted or running afterwards.
in_root() {
  unshare --mount --pid --fork --propagation private bash -c '
    root=$1; shift
    mount -t proc proc "$root/proc"
    mount -t sysfs sys "$root/sys"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs -o size=8g,mode=1777 tmp "$root/tmp"
    mount -t tmpfs -o mode=1777 shm "$root/dev/shm"
    exec chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb CI=true \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      bash -c "cd /src/rtmpkit && $1"' in_root "$root" "$1"
}

t=$(date +%s)
say "make test (the README's test command) in the bare root"
set +e
in_root "make test"
test_rc=$?
set -e
say "make test exited $test_rc after $(elapsed "$t")"

# `make run` again from a clean clone, so that it does its own set-up and build.
rm -rf "$root/src/rtmpkit"
git clone -q "$repo" "$root/src/rtmpkit"
t=$(date +%s)
say "make run (a new clone; deps are there now) until it listens on 1935"
in_root "make run" >"$fresh_dir/make-run.log" 2>&1 &
run_pid=$!
served=0
for ((i = 0; i < run_seconds * 2; i++)); do
  if (exec 3<>/dev/tcp/127.0.0.1/1935) 2>/dev/null && grep -q "listening" "$fresh_dir/make-run.log"
  then served=1; break; fi
  kill -0 "$run_pid" 2>/dev/null || break
  sleep 0.5
done
if ((served)); then
  say "make run serves rtmp://0.0.0.0:1935 after $(elapsed "$t")"
else
  tail -n 30 "$fresh_dir/make-run.log" >&2
  say "make run did not serve within ${run_seconds}s"
fi
kill_inside
wait "$run_pid" 2>/dev/null || true
((test_rc == 0)) || exit "$test_rc"
((served)) || exit 1
exit 0
