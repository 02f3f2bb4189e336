"""bench/pg_servers.py - issue 15's measure: DescribeClusters and RunTask
(count 10) req/s and p99 at concurrency 16, on SQLite (one server) and on
PostgreSQL with one, two and three servers on one database (the 16
connections split over the servers, one loadgen per server at once).

    make build/ecsd build/loadgen
    python3 bench/pg_servers.py [SECONDS]     # prints a markdown table

Needs root or the postgres user (scripts/pg-test.sh starts a throw-away
PostgreSQL on loopback). The machine is shared: compare rows of one run.
"""
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
os.environ.setdefault("ECSD_BIN", "build/ecsd")
import harness  # noqa: E402
from fake_agent import FakeAgent  # noqa: E402

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 5
CONNS = 16
LOADGEN = os.path.join(REPO, "build", "loadgen")


def loadgen(servers, target, body):
    """One loadgen per server at once, CONNS connections in all; (req/s, worst p99 ms, non-200)."""
    per = [CONNS // len(servers) + (1 if i < CONNS % len(servers) else 0) for i in range(len(servers))]
    procs = [subprocess.Popen([LOADGEN, "-p", str(s.port), "-t", target, "-b", body, "-c", str(n), "-d",
                               str(SECONDS), "-k", harness.KEY_ID, "-s", harness.SECRET, "--csv"],
                              stdout=subprocess.PIPE, text=True) for s, n in zip(servers, per)]
    rps, p99, bad = 0.0, 0.0, 0
    for p in procs:
        out = p.communicate(timeout=SECONDS + 60)[0].strip().split(",")
        rps += float(out[3])
        p99 = max(p99, float(out[6]))
        bad += int(out[8]) + int(out[9])
    return rps, p99, bad


def measure(servers):
    ecs = servers[0].client()
    cluster = "bench"
    ecs.create_cluster(clusterName=cluster)
    for i in range(10):
        FakeAgent(servers[i % len(servers)], cluster, cpu=10_000_000, memory=10_000_000).register().poll(wait=1)
    ecs.register_task_definition(family="b", containerDefinitions=[{"name": "a", "image": "x", "memory": 4}])
    d = loadgen(servers, "DescribeClusters", '{"clusters":["bench"]}')
    r = loadgen(servers, "RunTask", '{"cluster":"bench","taskDefinition":"b","count":10}')
    return d, r


def main():
    rows = []
    s = harness.Server(extra_args=["--agent-timeout", "600"]).start()
    try:
        rows.append(("SQLite, 1 server",) + measure([s]))
    finally:
        s.stop()
        s.cleanup()
    name = f"bench{os.getpid()}"
    url = subprocess.run([os.path.join(REPO, "scripts", "pg-test.sh"), "up", name], capture_output=True, text=True,
                         check=True).stdout.strip()
    try:
        for n in (1, 2, 3):
            db = f"bench{n}"
            subprocess.run(["psql", "-X", "-q", f"{url}/postgres", "-c", f"CREATE DATABASE {db}"], check=True)
            servers = [harness.Server(extra_args=["--store", f"{url}/{db}", "--agent-timeout", "600"]).start()
                       for _ in range(n)]
            try:
                rows.append((f"PostgreSQL, {n} server{'s' if n > 1 else ''}",) + measure(servers))
            finally:
                for x in servers:
                    x.stop()
                    x.cleanup()
    finally:
        subprocess.run([os.path.join(REPO, "scripts", "pg-test.sh"), "down", name])
    print(f"concurrency {CONNS}, {SECONDS:g} s each, {time.strftime('%Y-%m-%d')}\n")
    print("| store | DescribeClusters req/s | p99 ms | RunTask (count 10) req/s | p99 ms | non-200 |")
    print("|---|---|---|---|---|---|")
    for label, (drps, dp99, dbad), (rrps, rp99, rbad) in rows:
        print(f"| {label} | {drps:.0f} | {dp99:.1f} | {rrps:.0f} | {rp99:.1f} | {dbad + rbad} |")


if __name__ == "__main__":
    main()
