#!/usr/bin/env bash
# bench/logs_ship.sh - issue 14's benchmark (bench/logs_ship.py): awslogs
# lines/s from one container into the store, latency from a line printed to
# readable through GetLogEvents (p50/p99), and DescribeClusters req/s with
# and without that log load, in one run. Prints one JSON object.
#
# Needs root (a network namespace, its own dockerd: scripts/docker-netns.sh).
# Everything runs inside namespace ecsd-benchlogs-PID, torn down at the end.
# Knobs: BENCH_LOGS_LINES (100000), BENCH_LOGS_DUR (10 s), BENCH_LOGS_CONC (4),
# ECSD_BIN (build/ecsd), LOADGEN_BIN (build/loadgen).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (network namespace, dockerd)" >&2; exit 1; }
make -s -j2 build/ecsd build/loadgen
netns=ecsd-benchlogs-$$
trap 'scripts/docker-netns.sh down $netns >&2' EXIT
trap 'exit 130' INT TERM
DOCKER_HOST=$(scripts/docker-netns.sh up "$netns" 2>/dev/null)
export DOCKER_HOST
timeout 900 nsenter --net="/run/netns/$netns" python3 bench/logs_ship.py
