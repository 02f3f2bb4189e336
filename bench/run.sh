#!/usr/bin/env bash
# bench/run.sh - issue 2's benchmark: requests per second and p50/p99
# latency of DescribeClusters and DescribeTaskDefinition against ecsd and
# against moto_server, at concurrency 1 and 16, in the same run.
#
#   bench/run.sh            # about 4 minutes; writes bench/results/issue2-api.md
#
# Builds ecsd with -O2 (in tmp/bench-build, apart from the test builds),
# installs wrk from Debian when it is missing, starts ecsd and moto_server on
# free 127.0.0.1 ports with fresh data folders, creates cluster "bench" and
# task-definition family "bench" on each, then runs wrk (--latency, the
# request of bench/wrk/ecs.lua) for every (server, request, concurrency):
# a warm-up, then a fixed-length measurement, the whole set repeated and the
# median taken. Two rows give the load generator's own ceiling on this
# machine. Both servers are stopped by their pids at the end.
#
# Knobs (environment): BENCH_DURATION (s, default 5), BENCH_WARMUP (s, 1),
# BENCH_REPEATS (3), BENCH_QUIET_WAIT (s to wait for other load to settle
# before starting, 120), BENCH_OUT (the results file), BENCH_REV (measure
# this commit, exported with git archive, instead of the working tree).
# Every load loop is bounded in time; all traffic goes to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

export BENCH_DURATION=${BENCH_DURATION:-5}
export BENCH_WARMUP=${BENCH_WARMUP:-1}
export BENCH_REPEATS=${BENCH_REPEATS:-3}
export BENCH_QUIET_WAIT=${BENCH_QUIET_WAIT:-120}
export BENCH_OUT=${BENCH_OUT:-bench/results/issue2-api.md}
BUILD_DIR=tmp/bench-build

# --- tools -------------------------------------------------------------
if ! command -v wrk >/dev/null; then
    echo "bench: installing wrk (Debian package)"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends wrk ||
        { $sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends wrk; }
fi
command -v moto_server >/dev/null || { echo "bench: moto_server is not installed (pip install 'moto[server]')" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench: curl is missing (scripts/setup.sh installs it)" >&2; exit 1; }

if [ -n "${BENCH_REV:-}" ]; then
    # A committed revision, exported apart from the working tree.
    src=tmp/bench-src
    rev=$(git rev-parse --verify "$BENCH_REV^{commit}")
    echo "bench: building ecsd $rev -O2 in $src"
    rm -rf "$src" && mkdir -p "$src"
    git archive "$rev" | tar -x -C "$src"
    make -s -C "$src" -j"$(nproc)" BUILD=build OPT=-O2 build/ecsd
    export ECSD_BENCH_BIN="$src/build/ecsd" ECSD_BENCH_REV="$rev"
else
    echo "bench: building ecsd (working tree) -O2 in $BUILD_DIR"
    make -s -j"$(nproc)" BUILD="$BUILD_DIR" OPT=-O2 "$BUILD_DIR/ecsd"
    export ECSD_BENCH_BIN="$BUILD_DIR/ecsd" ECSD_BENCH_REV=""
fi

# --- servers -----------------------------------------------------------
work=$(mktemp -d /tmp/ecsd-bench.XXXXXX)
ecsd_pid="" moto_pid=""

stop_pid() { # stop_pid PID: TERM, then KILL after 5 s
    local pid=$1
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    stop_pid "$ecsd_pid"
    stop_pid "$moto_pid"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
export ECSD_PORT MOTO_PORT
ECSD_PORT=$(free_port)
MOTO_PORT=$(free_port)
while [ "$MOTO_PORT" = "$ECSD_PORT" ]; do MOTO_PORT=$(free_port); done

mkdir -p "$work/moto"
# The benchmark's requests are not really signed (see bench/wrk/ecs.lua): a
# build that checks signatures is asked not to.
ecsd_args=(server --listen "127.0.0.1:$ECSD_PORT" --data-dir "$work/ecsd-data" --log-level warn)
if "$ECSD_BENCH_BIN" server --help 2>/dev/null | grep -q -- '--insecure-no-auth'; then
    ecsd_args+=(--insecure-no-auth)
fi
export ECSD_BENCH_ARGS="${ecsd_args[*]}"
"$ECSD_BENCH_BIN" "${ecsd_args[@]}" >"$work/ecsd.log" 2>&1 &
ecsd_pid=$!
(cd "$work/moto" && exec moto_server -H 127.0.0.1 -p "$MOTO_PORT") >"$work/moto.log" 2>&1 &
moto_pid=$!
export ECSD_PID=$ecsd_pid MOTO_PID=$moto_pid

wait_ready() { # wait_ready NAME URL PID: up to 30 s for any HTTP answer
    local name=$1 url=$2 pid=$3
    for _ in $(seq 300); do
        kill -0 "$pid" 2>/dev/null || { echo "bench: $name exited; its log:" >&2; cat "$work/$name.log" >&2; exit 1; }
        [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$url" || true)" != "000" ] && return 0
        sleep 0.1
    done
    echo "bench: $name did not answer within 30 s" >&2
    exit 1
}
wait_ready ecsd "http://127.0.0.1:$ECSD_PORT/healthz" "$ecsd_pid"
wait_ready moto "http://127.0.0.1:$MOTO_PORT/" "$moto_pid"
echo "bench: ecsd on 127.0.0.1:$ECSD_PORT (pid $ecsd_pid), moto_server on 127.0.0.1:$MOTO_PORT (pid $moto_pid)"

# --- measure, summarise, write ------------------------------------------
python3 - <<'PY'
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

DUR = int(os.environ["BENCH_DURATION"])
WARM = int(os.environ["BENCH_WARMUP"])
REPS = int(os.environ["BENCH_REPEATS"])
QUIET_WAIT = int(os.environ["BENCH_QUIET_WAIT"])
OUT = os.environ["BENCH_OUT"]
ECSD_PORT, MOTO_PORT = int(os.environ["ECSD_PORT"]), int(os.environ["MOTO_PORT"])
ECSD_PID, MOTO_PID = int(os.environ["ECSD_PID"]), int(os.environ["MOTO_PID"])
LUA = "bench/wrk/ecs.lua"
TICK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count()

# The same headers as bench/wrk/ecs.lua sends.
AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDBENCHEXAMPLE/20250101/us-east-1/ecs/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
        "Signature=0000000000000000000000000000000000000000000000000000000000000000")


def ecs(port, op, body):
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/x-amz-json-1.1",
                 "X-Amz-Target": "AmazonEC2ContainerServiceV20141113." + op,
                 "X-Amz-Date": "20250101T000000Z", "Authorization": AUTH})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def setup(name, port):
    st, out = ecs(port, "CreateCluster", {"clusterName": "bench"})
    assert st == 200, (name, st, out)
    st, out = ecs(port, "RegisterTaskDefinition", {
        "family": "bench",
        "containerDefinitions": [{"name": "a", "image": "busybox", "memory": 64, "essential": True}]})
    assert st == 200, (name, st, out)
    # The measured requests must succeed and find what they ask for.
    st, out = ecs(port, "DescribeClusters", {"clusters": ["bench"]})
    assert st == 200 and len(out["clusters"]) == 1 and not out["failures"], (name, st, out)
    st, out = ecs(port, "DescribeTaskDefinition", {"taskDefinition": "bench"})
    assert st == 200 and out["taskDefinition"]["family"] == "bench", (name, st, out)


def proc_cpu(pid):
    """CPU seconds (user + system) used so far by process pid, all threads."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def sys_busy():
    """CPU seconds the whole machine has spent busy so far (all CPUs)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return (sum(v[:8]) - idle) / TICK


def wait_quiet():
    """Waits (bounded) until other processes leave the CPUs mostly idle."""
    deadline = time.time() + QUIET_WAIT
    while True:
        b0 = sys_busy()
        time.sleep(2)
        busy = (sys_busy() - b0) / 2
        if busy < 0.25 * NCPU or time.time() > deadline:
            return busy
        print(f"bench: other processes keep {busy * 100:.0f}% CPU busy; waiting for quiet", flush=True)


def wrk_cmd(port, op, body, conc, dur):
    args = ["wrk", f"-t{min(conc, 2)}", f"-c{conc}", f"-d{dur}s", "--latency", "-s", LUA,
            f"http://127.0.0.1:{port}/", "--", op]
    if body is not None:
        args.append(body)
    return args


def shell_quote(a):
    return a if re.fullmatch(r"[\w@%+=:,./-]+", a) else "'" + a.replace("'", "'\\''") + "'"


def run_wrk(port, pid, op, body, conc, dur):
    cmd = wrk_cmd(port, op, body, conc, dur)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    s0, b0, t0 = proc_cpu(pid), sys_busy(), time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=dur + 30)
    wall = time.time() - t0
    s1, b1 = proc_cpu(pid), sys_busy()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = [l for l in p.stdout.splitlines() if l.startswith("BENCH ")]
    if p.returncode != 0 or not line:
        raise SystemExit(f"bench: wrk failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    m = json.loads(line[-1][6:])
    wrk_cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    m["wrk_cpu"] = wrk_cpu / wall  # in cores
    m["srv_cpu"] = (s1 - s0) / wall
    m["other_cpu"] = max(0.0, (b1 - b0) / wall - m["wrk_cpu"] - m["srv_cpu"])
    m["non2xx"] = m["err_status"]
    m["errors"] = m["err_connect"] + m["err_read"] + m["err_write"] + m["err_timeout"]
    m["raw"] = p.stdout
    return m


DC = ("DescribeClusters", '{"clusters":["bench"]}')
DTD = ("DescribeTaskDefinition", '{"taskDefinition":"bench"}')
servers = {"ecsd": (ECSD_PORT, ECSD_PID), "moto": (MOTO_PORT, MOTO_PID)}
rows = []  # (server, label, op, body, conc, expect_status)
for op, body in (DC, DTD):
    for conc in (1, 16):
        for srv in ("ecsd", "moto"):
            rows.append((srv, op, op, body, conc, 200))
for conc in (1, 16):
    rows.append(("ecsd", "GET /healthz", "healthz", None, conc, 200))
    rows.append(("ecsd", "POST, unknown target (400)", "NoSuchOperation", "{}", conc, 400))

for name, (port, _) in servers.items():
    setup(name, port)
print("bench: cluster and task definition 'bench' created on both servers", flush=True)
quiet = wait_quiet()
load_before = open("/proc/loadavg").read().split()[:3]
started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
print(f"bench: {len(rows)} rows x {REPS} runs of {DUR} s (+{WARM} s warm-up) each, "
      f"about {len(rows) * REPS * (DUR + WARM) // 60 + 1} min", flush=True)

results = {i: [] for i in range(len(rows))}
for rep in range(REPS):
    # Round robin, so that a burst of outside load touches every row alike.
    for i, (srv, label, op, body, conc, _) in enumerate(rows):
        port, pid = servers[srv]
        run_wrk(port, pid, op, body, conc, WARM)
        m = run_wrk(port, pid, op, body, conc, DUR)
        results[i].append(m)
        print(f"  run {rep + 1}/{REPS} {srv:4} {label:28} c={conc:<2} {m['rps']:9.1f} req/s  "
              f"p50 {m['p50_us'] / 1000:7.3f} ms  p99 {m['p99_us'] / 1000:8.3f} ms  "
              f"non-2xx {m['non2xx']}  errors {m['errors']}  cpu wrk {m['wrk_cpu']:.2f} "
              f"server {m['srv_cpu']:.2f} other {m['other_cpu']:.2f}", flush=True)
load_after = open("/proc/loadavg").read().split()[:3]


def med(i, key):
    return statistics.median(m[key] for m in results[i])


summary = []
for i, (srv, label, op, body, conc, expect) in enumerate(rows):
    s = {k: med(i, k) for k in ("rps", "p50_us", "p99_us", "wrk_cpu", "srv_cpu", "other_cpu")}
    s["unexpected"] = sum(m["errors"] + (m["non2xx"] if expect == 200 else m["requests"] - m["non2xx"])
                          for m in results[i])
    s["runs"] = ", ".join(f"{m['rps']:.0f}" for m in results[i])
    summary.append(s)


def find(srv, label, conc):
    for i, r in enumerate(rows):
        if r[0] == srv and r[1] == label and r[4] == conc:
            return summary[i]


table = ["| server | request | conc. | req/s (median) | p50 ms | p99 ms | ecsd/moto | failed | "
         f"CPU wrk / server / other (cores) | req/s of the {REPS} runs |",
         "|---|---|---:|---:|---:|---:|---:|---:|---|---|"]
ratios = []
for i, (srv, label, op, body, conc, expect) in enumerate(rows):
    s = summary[i]
    ratio = ""
    if srv == "ecsd" and label in (DC[0], DTD[0]):
        moto = find("moto", label, conc)
        r = s["rps"] / moto["rps"] if moto["rps"] > 0 else float("inf")
        ratios.append((label, conc, r))
        ratio = f"{r:.0f}x"
    table.append(f"| {srv} | {label} | {conc} | {s['rps']:.0f} | {s['p50_us'] / 1000:.3f} | "
                 f"{s['p99_us'] / 1000:.3f} | {ratio} | {s['unexpected']} | "
                 f"{s['wrk_cpu']:.2f} / {s['srv_cpu']:.2f} / {s['other_cpu']:.2f} | {s['runs']} |")
print("\n" + "\n".join(table) + "\n")


def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()


mem_kb = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1))
cpu_model = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
if os.environ["ECSD_BENCH_REV"]:
    commit, dirty = os.environ["ECSD_BENCH_REV"][:12], ""
else:
    commit = sh("git rev-parse --short=12 HEAD")
    dirty = sh("git status --porcelain -- src Makefile")
ceil1 = find("ecsd", "POST, unknown target (400)", 1)
ceil16 = find("ecsd", "POST, unknown target (400)", 16)
dc16 = find("ecsd", DC[0], 16)
dtd16 = find("ecsd", DTD[0], 16)
worst = min(r for _, _, r in ratios)

lines = []
w = lines.append
w("# Issue 2 benchmark: ecsd vs moto_server, DescribeClusters and DescribeTaskDefinition")
w("")
w(f"Generated by `bench/run.sh` on {started}. Target (issue 2): ecsd serves at least 100 times "
  f"what moto_server serves for the same requests. **Lowest ecsd/moto ratio in this run: "
  f"{worst:.0f}x** ({'met' if worst >= 100 else 'NOT met'}).")
w("")
w("## Machine and software")
w("")
w(f"- CPUs (nproc): {NCPU}, {cpu_model.group(1) if cpu_model else 'unknown model'}; memory {mem_kb // 1024} MiB; "
  f"kernel {os.uname().release}")
w(f"- ecsd {commit}{' plus uncommitted changes under src/' if dirty else ''}, built with `OPT=-O2`{' from `git archive` of that commit (BENCH_REV)' if os.environ['ECSD_BENCH_REV'] else ' from the working tree'}, "
  f"run as `ecsd {os.environ['ECSD_BENCH_ARGS']}` (default --threads 8, "
  f"SQLite WAL, synchronous=FULL)")
moto_version = sh("python3 -c 'import moto; print(moto.__version__)'")
py_version = sh("python3 -c 'import platform; print(platform.python_version())'")
w(f"- moto_server {moto_version} (`moto_server -H 127.0.0.1 -p PORT`, Python {py_version})")
w(f"- {sh('wrk -v 2>&1 | head -1')}; SQLite {sh('pkg-config --modversion sqlite3')}, "
  f"libmicrohttpd {sh('pkg-config --modversion libmicrohttpd')}, jansson {sh('pkg-config --modversion jansson')}")
w(f"- load average before / after: {' '.join(load_before)} / {' '.join(load_after)}; "
  f"CPU busy just before the first run: {quiet:.2f} cores")
w("")
w("## Method")
w("")
w(f"Both servers run at once on free loopback ports, each with fresh state: cluster `bench` and task "
  f"definition family `bench` (one container) are created first, and the measured requests are checked "
  f"to succeed. Each row is a wrk run of {DUR} s after a {WARM} s warm-up run, with connections = "
  f"concurrency and threads = min(concurrency, 2); the set of rows is run {REPS} times round robin and "
  f"each figure is the median of the {REPS} runs. Every request carries the same headers on both servers "
  f"(Content-Type application/x-amz-json-1.1, X-Amz-Target, X-Amz-Date and an Authorization header of "
  f"SigV4 shape that neither server checks today).")
w("")
w("Exact commands (PORT is the server's port):")
w("")
w("```")
w(f"{'BENCH_REV=' + commit + ' ' if os.environ['ECSD_BENCH_REV'] else ''}bench/run.sh")
for op, body in (DC, DTD):
    for conc in (1, 16):
        w(" ".join(shell_quote(a) for a in wrk_cmd("PORT", op, body, conc, DUR)).replace(
            "127.0.0.1:PORT", "127.0.0.1:$PORT"))
for conc in (1, 16):
    w(" ".join(shell_quote(a) for a in wrk_cmd("PORT", "healthz", None, conc, DUR)).replace(
        "127.0.0.1:PORT", "127.0.0.1:$PORT"))
    w(" ".join(shell_quote(a) for a in wrk_cmd("PORT", "NoSuchOperation", "{}", conc, DUR)).replace(
        "127.0.0.1:PORT", "127.0.0.1:$PORT"))
w("```")
w("")
w("## Results")
w("")
w("\n".join(table))
w("")
w("Columns: *failed* counts socket errors, timeouts and unexpected statuses over all runs of the row "
  "(the unknown-target row expects its 400s). *CPU* is the cores used during the measured run by wrk, "
  "by the server process, and by everything else on the machine (from /proc).")
w("")
w("## Reading it")
w("")
w(f"- **ecsd/moto**: {', '.join(f'{l} c={c}: {r:.0f}x' for l, c, r in ratios)}.")
def limits(s):
    """CPU microseconds per request of wrk and of the server, and the rate
    the machine's CPUs would allow the two with nothing else running."""
    wrk_us = 1e6 * s["wrk_cpu"] / s["rps"]
    srv_us = 1e6 * s["srv_cpu"] / s["rps"]
    return wrk_us, srv_us, NCPU * 1e6 / wrk_us, NCPU * 1e6 / (wrk_us + srv_us)


busy16 = dc16["wrk_cpu"] + dc16["srv_cpu"] + dc16["other_cpu"]
dc_w, dc_s, dc_wmax, dc_max = limits(dc16)
dtd_w, dtd_s, dtd_wmax, dtd_max = limits(dtd16)
w(f"- **Where the limit is.** wrk and the servers share the machine's {NCPU} CPUs. During DescribeClusters "
  f"at concurrency 16 they were {busy16:.2f} of {NCPU} cores busy: wrk {dc16['wrk_cpu']:.2f}, ecsd "
  f"{dc16['srv_cpu']:.2f}, other processes {dc16['other_cpu']:.2f}"
  f"{' (saturated: the CPUs, not ecsd alone, set the rate)' if busy16 >= 0.85 * NCPU else ''}. "
  f"Per request wrk spent {dc_w:.0f} us of CPU and ecsd {dc_s:.0f} us ({dtd_w:.0f} / {dtd_s:.0f} us for "
  f"DescribeTaskDefinition), so on {NCPU} otherwise idle cores wrk alone could generate about "
  f"{dc_wmax:.0f} req/s and wrk plus ecsd would meet at about {dc_max:.0f} req/s for DescribeClusters "
  f"({dtd_max:.0f} for DescribeTaskDefinition). wrk takes about {100 * dc_w / (dc_w + dc_s):.0f}% of the "
  f"CPU spent per ecsd request: at these rates the generator is part of the bottleneck on {NCPU} CPUs, "
  f"though not the larger part. The cheapest keep-alive request ecsd answers (POST with an unknown "
  f"target: HTTP parsing and a 400, no JSON, no store) reached {ceil1['rps']:.0f} req/s at concurrency 1 "
  f"and {ceil16['rps']:.0f} at 16: the ceiling of wrk plus ecsd's HTTP layer here"
  + (f"; DescribeClusters and DescribeTaskDefinition reached {100 * dc16['rps'] / ceil16['rps']:.0f}% and "
     f"{100 * dtd16['rps'] / ceil16['rps']:.0f}% of it at concurrency 16. "
     if max(dc16['rps'], dtd16['rps']) <= ceil16['rps'] else
     " (in this run outside load hit that row harder than the operations it should bound). ")
  + f"moto's rates are far below any generator limit (wrk used "
  f"{find('moto', DC[0], 16)['wrk_cpu']:.2f} cores against it).")
other_mean = statistics.mean(s["other_cpu"] for s in summary)
if other_mean > 0.25:
    w(f"- **Caution: this machine was not idle.** Other processes used {other_mean:.2f} cores on average "
      f"during the measured runs (the *other* column; load average before / after "
      f"{load_before[0]} / {load_after[0]}). Every figure is lower and noisier than on an idle machine, "
      f"for moto as for ecsd; the round-robin order spreads the outside load over all rows alike.")
w("- **GET /healthz is not a ceiling here**: ecsd answers it with `Connection: close` (it queues the "
  "answer in libmicrohttpd's first callback), so wrk opens a new TCP connection per request; its row "
  "measures connection setup, and is slower than real operations on kept-alive connections.")
w("- **Latency figures are wrk's**, which corrects its histogram for coordinated omission: a stall longer "
  "than twice the mean interval adds synthetic samples, which raises p99 (and the mean) above the plain "
  "per-request times whenever there are stalls (for instance other processes on these 2 CPUs). p50 is "
  "barely affected.")
w("")
w("## wrk's output, last run of each row")
w("")
for i, (srv, label, op, body, conc, _) in enumerate(rows):
    w(f"<details><summary>{srv} {label} c={conc}</summary>")
    w("")
    w("```")
    w("\n".join(l for l in results[i][-1]["raw"].splitlines() if not l.startswith("BENCH ")))
    w("```")
    w("</details>")
    w("")

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    f.write("\n".join(lines).rstrip() + "\n")
print(f"bench: results written to {OUT}")
PY
