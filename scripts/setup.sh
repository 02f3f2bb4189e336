#!/usr/bin/env bash
# Installs what building and testing ecsd needs, from Debian's packages,
# when it is missing. Safe to run again: it installs nothing twice.
set -euo pipefail

packages=(gcc make pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libssl-dev
          libcurl4-openssl-dev curl
          docker.io busybox-static docker-registry iproute2  # the container tests
          clang libclang-rt-14-dev)                          # libFuzzer, sanitizers (scripts/fuzz.sh)
[ "${ECSD_SETUP_EXTRA:-}" ] && read -r -a extra <<<"$ECSD_SETUP_EXTRA" && packages+=("${extra[@]}")

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The end-to-end tests drive ecsd with boto3 and the aws CLI.
if ! python3 -c 'import boto3' 2>/dev/null || ! command -v aws >/dev/null; then
    echo "setup: python3 with boto3 and the aws CLI are needed for the end-to-end tests" >&2
    exit 1
fi
