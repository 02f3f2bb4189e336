"""Measures what bench/agent_start.sh describes; run inside the namespace
of the engine named by DOCKER_HOST (the shell script does that)."""
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import agent_harness as ah  # noqa: E402
import harness  # noqa: E402

N = int(os.environ.get("BENCH_TASKS", "50"))
OUT = os.environ.get("BENCH_OUT", "bench/results/issue4-agent.md")
IMAGE = ah.LOCAL_IMAGE
CMD = ["sleep", "3600"]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs) + 0.5) - 1))]


def docker_run(i):
    t0 = time.perf_counter()
    subprocess.run(["docker", "-H", ah.DOCKER_HOST, "run", "-d", "--name", f"bench-floor-{i}", "--memory", "16m",
                    IMAGE] + CMD, check=True, capture_output=True, timeout=60)
    return time.perf_counter() - t0


def ecsd_task(ecs, cluster, family):
    t0 = time.perf_counter()
    arn = ecs.run_task(cluster=cluster, taskDefinition=family)["tasks"][0]["taskArn"]
    deadline = t0 + 60
    while time.perf_counter() < deadline:
        if ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]["lastStatus"] == "RUNNING":
            return time.perf_counter() - t0
        time.sleep(0.005)
    raise RuntimeError(f"task {arn} not RUNNING after 60 s")


def rss_kb(pid):
    """VmRSS, VmHWM, Threads (status) and Pss, Private_Clean, Private_Dirty (smaps_rollup), in kB."""
    out = {}
    for name, keys in (("status", ("VmRSS", "VmHWM", "Threads")),
                       ("smaps_rollup", ("Pss", "Private_Clean", "Private_Dirty"))):
        with open(f"/proc/{pid}/{name}") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in keys:
                    out[k] = int(v.split()[0])
    out["Private"] = out["Private_Clean"] + out["Private_Dirty"]
    return out


def floor_rss_kb():
    """VmRSS of bench/rss_floor.c: linking libcurl and calling curl_global_init, nothing else."""
    exe = "/tmp/ecsd-rss-floor"
    libs = subprocess.run(["pkg-config", "--libs", "libmicrohttpd", "jansson", "sqlite3", "libcrypto", "libcurl"],
                          capture_output=True, text=True, check=True).stdout.split()
    subprocess.run(["gcc", "-O2", os.path.join(HERE, "rss_floor.c"), "-o", exe] + libs, check=True)
    out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    os.unlink(exe)
    return int(out.split()[1])


def main():
    server = harness.Server().start()
    agent = None
    try:
        ecs = server.client()
        cluster = "bench"
        ecs.create_cluster(clusterName=cluster)
        agent = ah.Agent(server, cluster, ["--stop-timeout", "1", "--log-level", "warn"]).start()
        family = "bench"
        ecs.register_task_definition(family=family, containerDefinitions=[
            {"name": "sleeper", "image": IMAGE, "memory": 16, "command": CMD}])
        rss_idle = rss_kb(agent.proc.pid)
        # warm-up: one of each (first create on a fresh engine is slower)
        docker_run("warm")
        ecsd_task(ecs, cluster, family)
        ours, floor = [], []
        for i in range(N):  # interleaved, so drift hits both alike
            ours.append(ecsd_task(ecs, cluster, family))
            floor.append(docker_run(i))
        time.sleep(1)
        rss = rss_kb(agent.proc.pid)
        running = len(ah.containers(f"com.amazonaws.ecs.cluster={cluster}", all_=False))
        dv = ah.docker("version", "--format", "{{.Server.Version}}").strip()
        floor_kb = floor_rss_kb()
    finally:
        rc = agent.stop() if agent else None
        ah.remove_cluster_containers("bench")
        ids = ah.docker("ps", "-aq", "--filter", "name=bench-floor-").split()
        if ids:
            ah.docker("rm", "-f", *ids, check=False)
        server.stop()
        if agent:
            agent.cleanup()
        server.cleanup()
    ms = lambda x: f"{x * 1000:.0f}"  # noqa: E731
    p50, p99, f50, f99 = pct(ours, 50), pct(ours, 99), pct(floor, 50), pct(floor, 99)
    text = f"""# Issue 4: agent task start latency and memory

Measured by `bench/agent_start.sh` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit
{subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}),
on {os.cpu_count()} CPUs, {platform.platform()}, Docker {dv} in a network namespace of its own
(scripts/docker-netns.sh), `{os.path.basename(os.environ.get('ECSD_BIN', 'build/ecsd'))}` built with -O2.

**Start latency**: `run-task` until `describe-tasks` (polled every 5 ms) says RUNNING, one task at
a time, {N} tasks of one container (`{IMAGE}`, `{' '.join(CMD)}`, 16 MiB), through the real
server and agent; beside it, in the same run and interleaved task by task, `docker run -d` of the
same image and command on the same engine (the floor: the CLI's own start included).

| | p50 (ms) | p99 (ms) | mean (ms) | min (ms) | max (ms) |
|---|---:|---:|---:|---:|---:|
| ecsd: run-task -> RUNNING | {ms(p50)} | {ms(p99)} | {ms(statistics.mean(ours))} | {ms(min(ours))} | {ms(max(ours))} |
| `docker run -d` (floor) | {ms(f50)} | {ms(f99)} | {ms(statistics.mean(floor))} | {ms(min(floor))} | {ms(max(floor))} |

p50 ratio ecsd / docker run: **{p50 / f50:.2f}** (target: at most 1.1).

**Agent memory** with {running} of its task containers running (plus {N + 1} `docker run` ones on
the engine), from /proc/PID/status and smaps_rollup:

| | MiB |
|---|---:|
| VmRSS (resident, shared library pages included) | **{rss['VmRSS'] / 1024:.1f}** |
| VmHWM (peak resident) | {rss['VmHWM'] / 1024:.1f} |
| Pss (shared pages divided among their users) | {rss['Pss'] / 1024:.1f} |
| Private (clean + dirty: the agent's own) | {rss['Private'] / 1024:.1f} |
| VmRSS before the first task | {rss_idle['VmRSS'] / 1024:.1f} |
| VmRSS of a program that only links the same libraries and calls curl_global_init (bench/rss_floor.c) | {floor_kb / 1024:.1f} |

{rss['Threads']} threads with the tasks running. Target: resident memory at most 10 MB. VmRSS
{"meets" if rss['VmRSS'] * 1024 <= 10_000_000 else "misses"} it; most of it is the pages of Debian's shared libraries
(libcurl's tree, libcrypto, libc, gnutls via libmicrohttpd) that any process linking libcurl maps: the floor above.
The agent's own memory is the Private row.
The agent stopped with exit code {rc}.
"""
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
