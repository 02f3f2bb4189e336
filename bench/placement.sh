#!/usr/bin/env bash
# bench/placement.sh - issue 3's benchmark: placement throughput and RunTask
# latency with 1,000 and 10,000 registered instances, ListTasks/DescribeTasks
# cost at 1,000 and 100,000 tasks, and the server's resident memory with
# 100,000 tasks stored.
#
#   bench/placement.sh        # a few minutes; writes bench/results/issue3-placement.md
#
# Hosts are played by the load generator (bench/loadgen.c): it registers
# container instances over the real API and never polls, so the server runs
# with a long --agent-timeout (otherwise they would read disconnected after
# 60 s). The store is on disk, as in production (synchronous=FULL).
# Knobs: BENCH_DURATION (s per measurement, default 8), BENCH_OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${BENCH_DURATION:-8}
OUT=${BENCH_OUT:-bench/results/issue3-placement.md}
BUILD=tmp/bench-build
make -s -j"$(nproc)" BUILD=$BUILD OPT=-O2 $BUILD/ecsd $BUILD/loadgen

DATA=$(mktemp -d /tmp/ecsd-bench-place.XXXXXX)
echo "AKIDBENCH bench-secret 000000000000" > "$DATA/credentials"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$BUILD/ecsd server --listen 127.0.0.1:$PORT --data-dir "$DATA" --credentials "$DATA/credentials" \
    --agent-timeout 86400 --log-level warn > "$DATA/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.1; done

lg() { $BUILD/loadgen -p "$PORT" "$@"; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' /proc/$PID/status; }
INSTANCE='{"cluster":"big","totalResources":[{"name":"CPU","type":"INTEGER","integerValue":4096},{"name":"MEMORY","type":"INTEGER","integerValue":16384},{"name":"PORTS","type":"STRINGSET","stringSetValue":["22","2375","2376","51678","51679"]}]}'
RUN='{"cluster":"big","taskDefinition":"small","count":10}'

lg -t CreateCluster -b '{"clusterName":"big"}' -n 1 >/dev/null
lg -t RegisterTaskDefinition -b '{"family":"small","containerDefinitions":[{"name":"a","image":"busybox","memory":16,"cpu":4}]}' -n 1 >/dev/null

rows=()
registered=0
for n in 1000 10000; do
    t0=$(date +%s.%N)
    lg -t RegisterContainerInstance -b "$INSTANCE" -c 8 -n $((n - registered)) >/dev/null
    reg_rate=$(python3 -c "print(round(($n - $registered) / ($(date +%s.%N) - $t0)))")
    registered=$n
    for c in 1 16; do
        line=$(lg -t RunTask -b "$RUN" -c $c -d "$DURATION" --csv)
        IFS=, read -r _ conns reqs rps p50 p90 p99 max non200 errs <<<"$line"
        rows+=("| $n | $c | $((rps * 10)) | $rps | $p50 | $p99 | $max | $non200 |")
        echo "instances $n c=$c: $line (registration $reg_rate/s)"
    done
done

# ListTasks / DescribeTasks cost with few and with many tasks in the cluster.
cost_rows=()
measure_reads() {
    local label=$1
    local arns
    arns=$(python3 - "$PORT" <<'EOF'
import sys, boto3, json
e = boto3.client("ecs", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                 aws_access_key_id="AKIDBENCH", aws_secret_access_key="bench-secret")
print(json.dumps(e.list_tasks(cluster="big", maxResults=10)["taskArns"]))
EOF
)
    local l d
    l=$(lg -t ListTasks -b '{"cluster":"big","maxResults":100}' -c 4 -d "$DURATION" --csv)
    d=$(lg -t DescribeTasks -b "{\"cluster\":\"big\",\"tasks\":$arns}" -c 4 -d "$DURATION" --csv)
    IFS=, read -r _ _ _ lrps lp50 _ lp99 _ _ _ <<<"$l"
    IFS=, read -r _ _ _ drps dp50 _ dp99 _ _ _ <<<"$d"
    cost_rows+=("| $label | $lrps | $lp50 | $lp99 | $drps | $dp50 | $dp99 |")
    echo "reads at $label: ListTasks $l / DescribeTasks $d"
}
# the placement runs above left some tasks; count them through the API
count=$(python3 - "$PORT" <<'EOF'
import sys, boto3
e = boto3.client("ecs", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                 aws_access_key_id="AKIDBENCH", aws_secret_access_key="bench-secret")
print(e.describe_clusters(clusters=["big"])["clusters"][0]["pendingTasksCount"])
EOF
)
measure_reads "$count tasks"
if [ "$count" -lt 100000 ]; then
    lg -t RunTask -b "$RUN" -c 8 -n $(((100000 - count + 9) / 10)) >/dev/null
fi
count=$(python3 - "$PORT" <<'EOF'
import sys, boto3
e = boto3.client("ecs", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                 aws_access_key_id="AKIDBENCH", aws_secret_access_key="bench-secret")
print(e.describe_clusters(clusters=["big"])["clusters"][0]["pendingTasksCount"])
EOF
)
rss=$(rss_mb)
measure_reads "$count tasks"
db_mb=$(du -sm "$DATA" | cut -f1)

{
    echo "# Issue 3: placement and task reads"
    echo
    echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM"
    echo "(a shared, noisy machine: compare figures of one run), ecsd $(git rev-parse --short HEAD)."
    echo "Command: \`bench/placement.sh\` (BENCH_DURATION=$DURATION s per measurement). The load generator"
    echo "(bench/loadgen.c) signs every request with SigV4 and runs on the same 2 cores as the server."
    echo "Store on disk, SQLite WAL with synchronous=FULL: every RunTask is one fsync'd commit."
    echo
    echo "## RunTask (count 10) placement"
    echo
    echo "| instances | concurrency | tasks placed/s | RunTask/s | p50 ms | p99 ms | max ms | non-200 |"
    echo "|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    echo
    echo "Targets (issue 3): ≥ 10,000 tasks placed/s at 10,000 instances, p99 < 5 ms at concurrency 16."
    echo
    echo "## ListTasks (maxResults 100) and DescribeTasks (10 tasks), concurrency 4"
    echo
    echo "| tasks in the cluster | ListTasks req/s | p50 ms | p99 ms | DescribeTasks req/s | p50 ms | p99 ms |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${cost_rows[@]}"
    echo
    echo "Target: cost independent of the number of tasks (indexes, not scans)."
    echo
    echo "## Memory"
    echo
    echo "Server resident memory with $count tasks stored (10,000 instances): **$rss MB** (VmRSS);"
    echo "database folder $db_mb MB on disk. Target: ≤ 100 MB at 100,000 tasks."
} > "$OUT"
echo "wrote $OUT"
