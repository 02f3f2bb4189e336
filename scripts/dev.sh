#!/usr/bin/env bash
# The newcomer's first command: install what is missing, build, run `ecsd dev`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
make -s -j"$(nproc)" build/ecsd
exec build/ecsd dev "$@"
