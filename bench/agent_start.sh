#!/usr/bin/env bash
# bench/agent_start.sh - issue 4's benchmark: task start latency (run-task
# until describe-tasks says RUNNING) through a real `ecsd server` and
# `ecsd agent`, beside `docker run` of the same image on the same engine in
# the same run (the floor), p50 and p99 over BENCH_TASKS (50) each; then the
# agent's resident memory with those tasks running.
#
#   bench/agent_start.sh        # about a minute; writes bench/results/issue4-agent.md
#
# Needs root (a network namespace, its own dockerd: scripts/docker-netns.sh).
# Everything runs inside namespace ecsd-bench-PID, torn down at the end:
# server, agent, boto3 and the docker CLI traffic stay on its loopback.
# Knobs: BENCH_TASKS (50), BENCH_OUT (the results file), ECSD_BIN (build/ecsd).
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_TASKS=${BENCH_TASKS:-50}
export BENCH_OUT=${BENCH_OUT:-bench/results/issue4-agent.md}
export ECSD_BIN=${ECSD_BIN:-build/ecsd}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (network namespace, dockerd)" >&2; exit 1; }
make -s -j"$(nproc)" build/ecsd

netns=ecsd-bench-$$
trap 'scripts/docker-netns.sh down $netns' EXIT
trap 'exit 130' INT TERM
DOCKER_HOST=$(scripts/docker-netns.sh up "$netns")
export DOCKER_HOST
timeout 900 nsenter --net="/run/netns/$netns" python3 bench/agent_start.py
