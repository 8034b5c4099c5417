#!/usr/bin/env bash
# Installs the Debian packages rtmpkit builds, tests and benchmarks with; does nothing when all
# are present. Each command the Makefile, tests/ and scripts/ call comes from one package below
# (tests/fresh.sh proves the list on a bare Debian 12 root).
set -euo pipefail
packages=(
  # build: compilers, pkg-config, the libraries (CLI11, libevent, OpenSSL, yaml-cpp, libcurl,
  # Boost.Test, nlohmann-json); clang and its sanitizer runtime for the libFuzzer targets
  g++ make pkg-config clang libclang-rt-14-dev
  libcli11-dev libevent-dev libssl-dev libyaml-cpp-dev libcurl4-openssl-dev
  libboost-test-dev nlohmann-json3-dev
  # WebRTC (WHIP) ingest: SRTP, libnice's STUN library, FFmpeg's Opus decoder and AAC encoder
  libsrtp2-dev libnice-dev libavcodec-dev libswresample-dev libavutil-dev
  # real peers the integration tests drive: ffmpeg/ffprobe, cvlc, rtmpdump, nginx-rtmp, GStreamer
  ffmpeg vlc-bin vlc-plugin-base rtmpdump nginx-light libnginx-mod-rtmp
  gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  # a second WHIP publisher: GStreamer's webrtcbin from Python (tests/integration/tools/
  # gst_whip.py) with its ICE, H.264 and Opus elements. Not Debian 12's simple-whip-client: it
  # links libsoup2 while libnice pulls libsoup3 in, and aborts at start
  python3-gi python3-gst-1.0 gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
  gir1.2-gst-plugins-bad-1.0 gir1.2-nice-0.1 gstreamer1.0-nice gstreamer1.0-plugins-ugly gstreamer1.0-plugins-base
  # commands the test and bench scripts call: curl, openssl (HMAC checks), python3 and jq (JSON),
  # pgrep/ps (procps), ss (iproute2), runuser/taskset/setsid/fsfreeze (util-linux), zsh and groff
  # (completion and man page checks), git (bench snapshot, make format), mount/losetup (mount)
  # and mkfs.ext4 (e2fsprogs) for the recording test's full and frozen disks
  curl openssl python3 jq procps iproute2 util-linux zsh groff-base git mount e2fsprogs
  # the HTTP side's tests: promtool (metrics format; on a host booted with systemd the package
  # also starts a Prometheus server on :9090, `systemctl disable --now prometheus` if unwanted),
  # headless Chromium and a font (the status page and its screenshot)
  prometheus chromium fonts-dejavu-core
  # make format, make lint, tests/bench/profile.sh
  clang-format clang-tidy linux-perf
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
