#!/usr/bin/env bash
# Installs the Debian packages rtmpkit builds and tests with; does nothing when all are present.
set -euo pipefail
packages=(
  g++ make pkg-config clang libclang-rt-14-dev
  libcli11-dev libevent-dev libssl-dev libyaml-cpp-dev libcurl4-openssl-dev
  libboost-test-dev nlohmann-json3-dev
  ffmpeg vlc-bin vlc-plugin-base rtmpdump nginx-light libnginx-mod-rtmp curl procps zsh groff-base
  gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
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
