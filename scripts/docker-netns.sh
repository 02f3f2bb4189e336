#!/usr/bin/env bash
# docker-netns.sh - a private Docker engine inside a network namespace, for
# tests that need real containers without touching the host's network.
#
#   scripts/docker-netns.sh up NAME
#       Creates network namespace NAME (loopback up), starts dockerd in it on
#       unix:///run/NAME.sock with all its state under /tmp/NAME, builds the
#       image "busybox:latest" from Debian's busybox-static (all applets
#       linked in /bin; CMD ["sh"]) unless present, runs Debian's
#       docker-registry inside the namespace on 127.0.0.1:5000 and pushes the
#       image there as 127.0.0.1:5000/busybox:latest (so a real pull by name
#       can be tested; 127.0.0.0/8 registries are plain HTTP).
#       Prints one line on stdout, the DOCKER_HOST value:
#           export DOCKER_HOST=$(scripts/docker-netns.sh up ecsd-t1)
#       Progress goes to stderr. Calling it again on a namespace that is up
#       only checks and repairs what is missing.
#   scripts/docker-netns.sh down NAME
#       Removes every container, stops the registry and dockerd by their pids
#       (SIGKILL after a bound), cleans leftovers (shims, mounts), deletes the
#       namespace, /tmp/NAME and /run/NAME.sock. Safe to call twice or on a
#       namespace that never came up.
#   scripts/docker-netns.sh exec NAME CMD [ARG...]
#       Runs CMD inside the namespace's network (nsenter --net), e.g. to reach
#       a container's published port: ... exec ecsd-t1 curl -s 127.0.0.1:8080
#   scripts/docker-netns.sh host NAME
#       Prints the DOCKER_HOST value (unix:///run/NAME.sock) only.
#
# Files: /tmp/NAME/{data,exec} (dockerd), dockerd.pid, dockerd.log,
# registry.yml, registry/ (its storage), registry.pid, registry.log.
# Needs root, iproute2, docker.io, busybox-static, docker-registry, curl.
# Every wait is bounded (dockerd 60 s, registry 20 s, stops 30 s).
set -euo pipefail

usage() { echo "usage: $0 up|down|host NAME | exec NAME CMD..." >&2; exit 2; }
log() { echo "docker-netns: $*" >&2; }
die() { log "$*"; exit 1; }

[ $# -ge 2 ] || usage
cmd=$1 name=$2
shift 2
[[ $name =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$ ]] || die "bad namespace name '$name'"

dir=/tmp/$name
sock=/run/$name.sock
host=unix://$sock
netns=/run/netns/$name
REGISTRY=127.0.0.1:5000

in_ns() { nsenter --net="$netns" "$@"; }
dk() { timeout "${DK_TIMEOUT:-60}" docker -H "$host" "$@"; }
engine_ok() { curl -sf --max-time 3 --unix-socket "$sock" http://docker/_ping >/dev/null 2>&1; }
registry_ok() { in_ns curl -sf --max-time 3 "http://$REGISTRY/v2/" >/dev/null 2>&1; }

# pid_of FILE PROGRAM: the pid in FILE if that process is alive and runs PROGRAM.
pid_of() {
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [ "$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null)")" = "$2" ] || return 1
    echo "$pid"
}

# stop_pid PID SECONDS: SIGTERM, wait up to SECONDS, then SIGKILL.
stop_pid() {
    local pid=$1 deadline=$((SECONDS + $2))
    kill "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid still alive after $2 s: SIGKILL"
        kill -9 "$pid" 2>/dev/null || true
        sleep 0.5
    fi
}

# wait_for SECONDS CMD...: retries CMD until it succeeds or time is up.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.2
    done
}

up_netns() {
    if [ ! -e "$netns" ]; then
        ip netns add "$name"
    fi
    in_ns ip link set lo up
}

up_dockerd() {
    if pid_of "$dir/dockerd.pid" dockerd >/dev/null && engine_ok; then
        return 0
    fi
    mkdir -p "$dir/data" "$dir/exec"
    log "starting dockerd in namespace $name on $host"
    # setsid: a Ctrl-C in the caller's terminal does not kill the engine;
    # dockerd writes its own pid file.
    setsid nsenter --net="$netns" dockerd --host "$host" --data-root "$dir/data" \
        --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
        </dev/null >>"$dir/dockerd.log" 2>&1 &
    if ! wait_for 60 engine_ok; then
        tail -20 "$dir/dockerd.log" >&2 || true
        die "dockerd did not answer on $sock within 60 s (log: $dir/dockerd.log)"
    fi
}

build_image() {
    if dk image inspect busybox:latest >/dev/null 2>&1; then
        return 0
    fi
    log "building busybox:latest from /bin/busybox"
    local root=$dir/rootfs
    rm -rf "$root"
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,proc,sys,dev,var/www}
    chmod 1777 "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
    local applet
    for applet in $(/bin/busybox --list); do
        [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
        >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    tar -C "$root" -c . | dk import --change 'CMD ["sh"]' \
        --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' - busybox:latest >/dev/null
    rm -rf "$root"
}

up_registry() {
    if ! pid_of "$dir/registry.pid" docker-registry >/dev/null || ! registry_ok; then
        mkdir -p "$dir/registry"
        cat >"$dir/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY
EOF
        log "starting docker-registry in namespace $name on $REGISTRY"
        setsid nsenter --net="$netns" docker-registry serve "$dir/registry.yml" \
            </dev/null >>"$dir/registry.log" 2>&1 &
        echo $! >"$dir/registry.pid"
        if ! wait_for 20 registry_ok; then
            tail -20 "$dir/registry.log" >&2 || true
            die "docker-registry did not answer on $REGISTRY within 20 s"
        fi
        pid_of "$dir/registry.pid" docker-registry >/dev/null || die "registry pid file is wrong"
    fi
    dk tag busybox:latest "$REGISTRY/busybox:latest"
    dk push "$REGISTRY/busybox:latest" >/dev/null || die "push to $REGISTRY failed"
}

# Processes left by an engine that did not shut down cleanly (shims,
# containerd) name our exec root on their command line.
leftover_pids() {
    local p args
    for p in /proc/[0-9]*; do
        [ "${p#/proc/}" = $$ ] && continue
        args=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
        [[ $args == *"$dir/exec/"* ]] && echo "${p#/proc/}"
    done
    return 0
}

down() {
    local pid
    if engine_ok; then
        local ids
        ids=$(dk ps -aq 2>/dev/null || true)
        if [ -n "$ids" ]; then
            log "removing $(wc -w <<<"$ids") container(s)"
            # shellcheck disable=SC2086
            dk rm -f -v $ids >/dev/null 2>&1 || log "docker rm failed"
        fi
    fi
    local registry=""
    if registry=$(pid_of "$dir/registry.pid" docker-registry); then
        log "stopping docker-registry (pid $registry)"
        kill "$registry" 2>/dev/null || true # waited for below, beside dockerd
    fi
    if pid=$(pid_of "$dir/dockerd.pid" dockerd); then
        log "stopping dockerd (pid $pid)"
        stop_pid "$pid" 30
    fi
    [ -z "$registry" ] || stop_pid "$registry" 10
    # Containers of an engine that died: runc state under the exec root.
    local root
    for root in "$dir"/exec/runtime-runc/*/ "$dir"/exec/containerd/daemon/*/runc/*/; do
        [ -d "$root" ] || continue
        for id in $(runc --root "$root" list -q 2>/dev/null); do
            timeout 10 runc --root "$root" delete --force "$id" >/dev/null 2>&1 || true
        done
    done
    for pid in $(leftover_pids); do
        log "killing leftover pid $pid: $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | cut -c1-80)"
        kill -9 "$pid" 2>/dev/null || true
    done
    # Mounts under our folder (overlays, container netns files), deepest first.
    local m
    awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null || true; done
    if [ -e "$netns" ]; then
        ip netns del "$name" || log "could not delete namespace $name"
    fi
    rm -rf "$dir"
    rm -f "$sock"
}

case $cmd in
up)
    [ "$(id -u)" -eq 0 ] || die "needs root"
    for prog in ip nsenter dockerd docker docker-registry curl; do
        command -v "$prog" >/dev/null || die "$prog is missing (scripts/setup.sh installs it)"
    done
    [ -x /bin/busybox ] || die "/bin/busybox is missing (apt-get install busybox-static)"
    mkdir -p "$dir"
    up_netns
    up_dockerd
    build_image
    up_registry
    log "up: namespace $name, DOCKER_HOST=$host, image busybox:latest and $REGISTRY/busybox:latest"
    echo "$host"
    ;;
down) down ;;
host) echo "$host" ;;
exec)
    [ $# -ge 1 ] || usage
    [ -e "$netns" ] || die "no namespace $name"
    exec nsenter --net="$netns" "$@"
    ;;
*) usage ;;
esac
