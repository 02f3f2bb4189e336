#!/usr/bin/env bash
# The newcomer's first command: install what is missing (docker.io among
# it), build, start a Docker engine when none answers, run `ecsd dev`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
make -s -j"$(nproc)" build/ecsd

# The agent half of `ecsd dev` runs tasks on the local engine. When no other
# engine is named (--docker-host, ECSD_DOCKER_HOST, DOCKER_HOST) and none
# answers on /var/run/docker.sock, start the system's (its log:
# /tmp/ecsd-dockerd.log). Waits at most 30 s; without an engine the API still
# works and the agent waits for one.
engine_ok() { curl -sf --max-time 3 --unix-socket /var/run/docker.sock http://docker/_ping >/dev/null 2>&1; }
if [[ " $* " != *" --docker-host"* && -z "${ECSD_DOCKER_HOST:-}${DOCKER_HOST:-}" ]] && ! engine_ok; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if [ -d /run/systemd/system ]; then
        echo "dev: starting the docker service"
        $sudo systemctl start docker || true
    fi
    if ! engine_ok && command -v dockerd >/dev/null; then
        echo "dev: starting dockerd (log: /tmp/ecsd-dockerd.log)"
        $sudo sh -c 'setsid dockerd </dev/null >>/tmp/ecsd-dockerd.log 2>&1 &'
    fi
    for _ in $(seq 60); do
        engine_ok && break
        sleep 0.5
    done
    engine_ok || echo "dev: no Docker engine answers on /var/run/docker.sock; the agent will wait for one" >&2
fi
exec build/ecsd dev "$@"
