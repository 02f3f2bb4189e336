#!/usr/bin/env bash
# Runs every test: unit tests in the normal build and under ASan+UBSan,
# then the end-to-end tests against the sanitizer build of the server,
# then (as root) the Docker client's tests against a real dockerd, both builds.
# Ends with one line "N passed, N failed" summing every stage.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

log=$(mktemp -d /tmp/ecsd-test.XXXXXX)
passed=0 failed=0 broken=0

# stage NAME COMMAND...: runs a stage, adds its "N passed, N failed" line.
stage() {
    local name=$1; shift
    echo "== $name"
    "$@" 2>&1 | tee "$log/$name.out"
    local rc=${PIPESTATUS[0]}
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log/$name.out" | tail -1)
    if [ -z "$line" ]; then
        echo "!! stage $name ended without a result line (exit $rc)"
        broken=$((broken + 1))
        return
    fi
    passed=$((passed + ${line%% passed*}))
    local f=${line#*passed, }
    failed=$((failed + ${f%% failed}))
    [ "$rc" -eq 0 ] || [ "${f%% failed}" -gt 0 ] || { echo "!! stage $name exited $rc"; broken=$((broken + 1)); }
}

make -s -j"$(nproc)" all || { echo "0 passed, 1 failed"; exit 1; }
make -s -j"$(nproc)" asan || { echo "0 passed, 1 failed"; exit 1; }
stage banned scripts/check-banned.sh
stage unit build/unit_tests
stage unit-asan build-asan/unit_tests
ECSD_BIN=build-asan/ecsd stage e2e python3 tests/e2e/run.py
# The PostgreSQL store (issue 15): a throw-away server as user postgres in
# a temporary folder on loopback (scripts/pg-test.sh); the store's unit tests
# on it, and end-to-end modules with every server on it (test_pg_servers:
# several servers on one database; test_pg_failover: a primary killed under
# load, its synchronous standby promoted), in a few minutes.
if pg_url=$(scripts/pg-test.sh up "test-$$"); then
    trap 'scripts/pg-test.sh down "test-$$"' EXIT
    ECSD_TEST_PG=$pg_url stage unit-pg build-asan/unit_tests store
    ECSD_STORE=$pg_url ECSD_BIN=build-asan/ecsd stage e2e-pg python3 tests/e2e/run.py test_pg_servers test_pg_failover \
        test_smoke test_tasks test_placement.py test_services test_concurrency test_durability \
        test_instances test_agent_protocol test_capacity_providers test_task_protection
    scripts/pg-test.sh down "test-$$"
    trap - EXIT
else
    echo "!! scripts/pg-test.sh up test-$$ failed"
    broken=$((broken + 1))
fi
# Each libFuzzer target for FUZZ_SECONDS (default 20) from its seed corpus.
stage fuzz scripts/fuzz.sh

# Container tests: a real dockerd in network namespace ecsd-test-PID (see
# scripts/docker-netns.sh; one per run, so runs side by side do not meet),
# torn down in all cases. Needs root and ip netns.
if [ "$(id -u)" -eq 0 ] && command -v dockerd >/dev/null && ip netns list >/dev/null 2>&1; then
    netns=ecsd-test-$$
    trap 'scripts/docker-netns.sh down $netns' EXIT
    trap 'exit 130' INT TERM
    if docker_host=$(scripts/docker-netns.sh up "$netns"); then
        DOCKER_HOST=$docker_host stage docker build/docker_tests
        DOCKER_HOST=$docker_host stage docker-asan build-asan/docker_tests
        # the agent's container tests run inside the namespace (tests/e2e/test_agent_docker.py, test_agent_modern.py)
        DOCKER_HOST=$docker_host ECSD_BIN=build-asan/ecsd ECSD_AGENT_DOCKER=1 \
            stage agent-docker nsenter --net="/run/netns/$netns" python3 tests/e2e/run.py test_agent_docker test_agent_modern test_tasks_overrides_docker
    else
        echo "!! scripts/docker-netns.sh up $netns failed"
        broken=$((broken + 1))
    fi
    scripts/docker-netns.sh down "$netns"
    trap - EXIT INT TERM
else
    echo "== docker: skipped (needs root, dockerd and ip netns)"
fi

failed=$((failed + broken))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
