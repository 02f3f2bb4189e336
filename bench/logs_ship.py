#!/usr/bin/env python3
"""bench/logs_ship.py - issue 14's benchmark, run by bench/logs_ship.sh inside
a network namespace with its own dockerd (DOCKER_HOST set): a real `ecsd
server` and `ecsd agent`, awslogs containers, in one run:

  flood     one container prints BENCH_LOGS_LINES (100,000) lines as fast as
            busybox awk can; lines/s from the first line printed (Docker's
            timestamp) to the last one stored (its ingestionTime);
  baseline  DescribeClusters req/s (loadgen, concurrency 4, BENCH_LOGS_DUR s)
            with no log load;
  paced     a container printing ~1,000 lines/s (bursts of 50) while the
            same DescribeClusters load runs: the API's req/s beside the
            baseline, and each line's latency from printed (Docker's
            timestamp) to stored and readable through GetLogEvents (its
            ingestionTime; the server stores an event when PutLogEvents
            answers), p50 / p99 / max; then the baseline again (the ratio
            is against the mean of the two baselines).

Prints one JSON object. All traffic stays on the namespace's loopback;
every wait is bounded; processes are stopped by their pid.
"""
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
import botocore.config

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ECSD = os.path.abspath(os.environ.get("ECSD_BIN", os.path.join(REPO, "build/ecsd")))
LOADGEN = os.path.abspath(os.environ.get("LOADGEN_BIN", os.path.join(REPO, "build/loadgen")))
DOCKER_HOST = os.environ["DOCKER_HOST"]
LINES = int(os.environ.get("BENCH_LOGS_LINES", "100000"))
DUR = float(os.environ.get("BENCH_LOGS_DUR", "10"))
CONC = int(os.environ.get("BENCH_LOGS_CONC", "4"))
KEY, SECRET, ACCOUNT, REGION = "AKIDBENCHLOGS", "bench-logs-secret", "000000000000", "us-east-1"
PROCS = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, fn, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            r = fn()
            if r:
                return r
        except Exception:  # noqa: BLE001 - retried until the deadline
            pass
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def client(svc, port):
    return boto3.client(svc, endpoint_url=f"http://127.0.0.1:{port}", region_name=REGION, aws_access_key_id=KEY,
                        aws_secret_access_key=SECRET, config=botocore.config.Config(retries={"max_attempts": 3}))


def all_events(c, group, stream):
    out, token = [], None
    for _ in range(10000):
        kw = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
        if token:
            kw["nextToken"] = token
        r = c.get_log_events(**kw)
        out += r["events"]
        if r["nextForwardToken"] == token:
            break
        token = r["nextForwardToken"]
    return out


def loadgen(port):
    p = subprocess.run([LOADGEN, "-p", str(port), "-t", "DescribeClusters", "-b", '{"clusters":["bench"]}', "-c",
                        str(CONC), "-d", str(DUR), "-k", KEY, "-s", SECRET, "--csv"],
                       capture_output=True, text=True, timeout=DUR + 120)
    f = p.stdout.strip().splitlines()[-1].split(",")
    return {"rps": float(f[3]), "p50_ms": float(f[4]), "p99_ms": float(f[6]), "non200": int(f[8])}


def cpu_s(pid):
    """utime + stime of the process, in seconds."""
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def measured(fn, pid):
    """fn()'s result with the server's CPU per second of wall time while it ran."""
    c0, t0 = cpu_s(pid), time.time()
    r = fn()
    r["srv_cpu_pct"] = 100 * (cpu_s(pid) - c0) / (time.time() - t0)
    return r


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


def run_task(ecs, cluster, family, script, group):
    ecs.register_task_definition(family=family, containerDefinitions=[{
        "name": "app", "image": "busybox:latest", "memory": 64, "command": ["sh", "-c", script],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": group, "awslogs-region": REGION, "awslogs-stream-prefix": "bench"}}}])
    arn = ecs.run_task(cluster=cluster, taskDefinition=family)["tasks"][0]["taskArn"]
    return arn, f"bench/app/{arn.rsplit('/', 1)[1]}"


def main():
    tmp = tempfile.mkdtemp(prefix="ecsd-bench-logs-")
    creds = os.path.join(tmp, "credentials")
    with open(creds, "w") as f:
        f.write(f"{KEY} {SECRET} {ACCOUNT}\n")
    port, iport = free_port(), free_port()
    log = open(os.path.join(tmp, "ecsd.log"), "ab")
    try:
        PROCS.append(subprocess.Popen([ECSD, "server", "--listen", f"127.0.0.1:{port}", "--data-dir",
                                       os.path.join(tmp, "server"), "--credentials", creds, "--log-level", "warn",
                                       "--region", REGION, "--account-id", ACCOUNT], stdout=log, stderr=log))
        wait_for("the server", lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1), 20)
        ecs, lc = client("ecs", port), client("logs", port)
        ecs.create_cluster(clusterName="bench")
        PROCS.append(subprocess.Popen([ECSD, "agent", "--cluster", "bench", "--endpoint", f"http://127.0.0.1:{port}",
                                       "--data-dir", os.path.join(tmp, "agent"), "--docker-host", DOCKER_HOST,
                                       "--region", REGION, "--access-key", KEY, "--secret-key", SECRET,
                                       "--introspection", f"127.0.0.1:{iport}", "--log-level", "warn"],
                                      stdout=log, stderr=log))
        wait_for("the agent", lambda: ecs.list_container_instances(cluster="bench")["containerInstanceArns"], 30)
        group = "/bench/logs"
        lc.create_log_group(logGroupName=group)
        # flood
        arn, stream = run_task(ecs, "bench", "flood",
                               f"awk 'BEGIN{{for(i=1;i<={LINES};i++) print \"flood line \" i}}'", group)
        ev = wait_for("the flood's lines", lambda: (lambda e: e if len(e) >= LINES else None)(
            all_events(lc, group, stream)), 300)
        first, last = min(e["timestamp"] for e in ev), max(e["ingestionTime"] for e in ev)
        flood = {"lines": len(ev), "seconds": (last - first) / 1000, "lines_per_s": len(ev) / max((last - first) / 1000, 0.001),
                 "ordered": [e["message"] for e in ev] == [f"flood line {i}" for i in range(1, LINES + 1)]}
        # baseline API throughput, then the same with ~1,000 lines/s shipped meanwhile
        srv = PROCS[0].pid
        base = measured(lambda: loadgen(port), srv)
        base["srv_us_per_req"] = base["srv_cpu_pct"] * 1e4 / base["rps"]
        n_paced = int(1000 * (DUR + 10))
        arn, stream = run_task(ecs, "bench", "paced",
                               f"awk 'BEGIN{{for(i=1;i<={n_paced};i++){{print \"paced line \" i; "
                               f"if(i%50==0){{fflush(); system(\"usleep 35000\")}}}}}}'", group)
        wait_for("the paced lines to start", lambda: all_events(lc, group, stream), 60)
        t0 = time.time()
        # the server's CPU for the log load alone (the reads of this bench are not in the window)
        idle = measured(lambda: (time.sleep(4), {})[1], srv)
        loaded = measured(lambda: loadgen(port), srv)
        ev = wait_for("the paced lines", lambda: (lambda e: e if len(e) >= n_paced else None)(
            all_events(lc, group, stream)), 120)
        lat = [e["ingestionTime"] - e["timestamp"] for e in ev]
        span = (max(e["timestamp"] for e in ev) - min(e["timestamp"] for e in ev)) / 1000
        paced = {"lines": len(ev), "lines_per_s": len(ev) / max(span, 0.001), "p50_ms": statistics.median(lat),
                 "p99_ms": pct(lat, 0.99), "max_ms": max(lat), "load_started_s_after": time.time() - t0}
        after = measured(lambda: loadgen(port), srv)  # the baseline again, the log load over
        agent_cpu = cpu_s(PROCS[1].pid)
        print(json.dumps({"flood": flood, "baseline": base, "baseline_after": after, "with_logs": loaded,
                          "paced": paced, "api_ratio": loaded["rps"] / ((base["rps"] + after["rps"]) / 2),
                          "conc": CONC, "dur": DUR, "lines": LINES, "load1": os.getloadavg()[0],
                          "srv_cpu_pct_logs_only": idle["srv_cpu_pct"], "agent_cpu_s_total": agent_cpu}))
    finally:
        for p in reversed(PROCS):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    p.kill()
        log.close()
        ids = subprocess.run(["docker", "-H", DOCKER_HOST, "ps", "-aq", "--filter",
                              "label=com.amazonaws.ecs.cluster=bench"], capture_output=True, text=True).stdout.split()
        if ids:
            subprocess.run(["docker", "-H", DOCKER_HOST, "rm", "-f"] + ids, capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
