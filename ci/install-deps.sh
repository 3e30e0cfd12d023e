#!/usr/bin/env bash
# Installs every Debian 12 package prunecheck needs to build, test, fuzz and
# benchmark. Idempotent: packages already present are skipped by apt-get, and
# the package index is only refreshed when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev
  libboost1.81-dev
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  libarchive-dev libssl-dev libseccomp-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libfmt-dev
  afl++
  python3 python3-yaml zip
  ccache
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${missing[@]}"
echo "install-deps: done"
