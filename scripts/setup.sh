#!/usr/bin/env bash
# Installs what building and testing ecsd needs, from Debian's packages,
# when it is missing. Safe to run again: it installs nothing twice.
set -euo pipefail

packages=(gcc make pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libssl-dev
          libcurl4-openssl-dev curl
          libpq-dev postgresql-15                            # the PostgreSQL store (--store postgresql://) and its tests
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

# The JavaScript SDK test (tests/e2e/test_js_sdk.py) runs @aws-sdk/client-ecs
# under Node.js: nodejs and npm from Debian when missing (a machine may have
# another nodejs that brings its own npm), the SDK from the npm registry into
# tmp/js-sdk (ignored by git). Without the registry the test says it skipped.
js_missing=()
command -v node >/dev/null || js_missing+=(nodejs)
command -v npm >/dev/null || js_missing+=(npm)
if [ ${#js_missing[@]} -gt 0 ]; then
    echo "setup: installing ${js_missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${js_missing[@]}"
fi
js_sdk="$(cd "$(dirname "$0")/.." && pwd)/tmp/js-sdk"
if [ ! -f "$js_sdk/node_modules/@aws-sdk/client-ecs/package.json" ]; then
    mkdir -p "$js_sdk"
    [ -f "$js_sdk/package.json" ] || echo '{"name": "ecsd-js-sdk-test", "private": true}' >"$js_sdk/package.json"
    echo "setup: npm install @aws-sdk/client-ecs (into $js_sdk)"
    (cd "$js_sdk" && timeout 600 npm install --no-audit --no-fund @aws-sdk/client-ecs) ||
        echo "setup: npm could not install @aws-sdk/client-ecs; tests/e2e/test_js_sdk.py will say why" >&2
fi
