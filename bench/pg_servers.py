"""bench/pg_servers.py - issue 15's measure, SQLite beside PostgreSQL in
one run:
  1. DescribeClusters and RunTask (count 10) req/s and p99 at concurrency
     16, on SQLite (one server) and on PostgreSQL with one, two and three
     servers on one database (the 16 connections split over the servers,
     one loadgen per server at once); one cluster of 10 instances, so every
     RunTask writes the same 10 instance rows;
  2. tasks placed per second at 10,000 instances (BENCH_PG_INSTANCES),
     RunTask count 10 at concurrency 1 and 16, one server on each store
     and two on PostgreSQL; tasks placed counted from DescribeClusters;
  3. the time from a primary's death (kill -9) to the first write
     acknowledged after the promotion of its synchronous standby, under
     RunTask load on two servers (tests/e2e/test_pg_failover.py's set-up:
     the standby is promoted 0.5 s after the kill).
With BENCH_PG_OPTIMISTIC=PATH (an ecsd built with make BUILD=build-opt
OPT='-O2 -g -DECSD_PG_OPTIMISTIC_WRITERS'), the PostgreSQL rows of 1 and 2
run again with that binary: writers without the ecsd_writer lock,
SERIALIZABLE and the retries alone.

    make build/ecsd build/loadgen
    python3 bench/pg_servers.py [SECONDS]     # prints markdown tables
                                              # and writes them to bench/results/issue15-pg.md

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
LOADGEN = os.path.join(REPO, os.path.dirname(os.environ["ECSD_BIN"]), "loadgen")
INSTANCES = int(os.environ.get("BENCH_PG_INSTANCES", "10000"))
OPTIMISTIC = os.environ.get("BENCH_PG_OPTIMISTIC")


def loadgen(servers, target, body, conns=CONNS, n_req=None):
    """One loadgen per server at once, conns connections in all, for SECONDS
    (or n_req requests in all); (req/s, worst p99 ms, non-200)."""
    per = [conns // len(servers) + (1 if i < conns % len(servers) else 0) for i in range(len(servers))]
    run = (lambda i: ["-n", str(n_req // len(servers))]) if n_req else (lambda i: ["-d", str(SECONDS)])
    procs = [subprocess.Popen([LOADGEN, "-p", str(s.port), "-t", target, "-b", body, "-c", str(n)] + run(i) +
                              ["-k", harness.KEY_ID, "-s", harness.SECRET, "--csv"],
                              stdout=subprocess.PIPE, text=True) for i, (s, n) in enumerate(zip(servers, per)) if n]
    rps, p99, bad = 0.0, 0.0, 0
    for p in procs:
        out = p.communicate(timeout=SECONDS + 600)[0].strip().splitlines()[-1].split(",")
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


RESOURCES = [{"name": "CPU", "type": "INTEGER", "integerValue": 65536},
             {"name": "MEMORY", "type": "INTEGER", "integerValue": 262144}]


def cluster_tasks(ecs, cluster):
    c = ecs.describe_clusters(clusters=[cluster])["clusters"][0]
    return c["pendingTasksCount"] + c["runningTasksCount"]


def placement(servers):
    """RunTask count 10 on INSTANCES instances: [(conc, tasks placed/s, RunTask/s, p99, non-200)], register/s."""
    import json
    ecs = servers[0].client()
    ecs.create_cluster(clusterName="big")
    ecs.register_task_definition(family="p", containerDefinitions=[{"name": "a", "image": "x", "memory": 16,
                                                                      "cpu": 4}])
    body = json.dumps({"cluster": "big", "totalResources": RESOURCES,
                       "instanceIdentityDocument": json.dumps({"instanceId": "i-b{i}"})})
    t0 = time.time()
    reg = loadgen(servers[:1], "RegisterContainerInstance", body, conns=8, n_req=INSTANCES)
    reg_rate = INSTANCES / (time.time() - t0)
    if reg[2] and not OPTIMISTIC:
        raise RuntimeError(f"registering instances: {reg}")
    out = []
    for conc in (1, 16):
        before, t0 = cluster_tasks(ecs, "big"), time.time()
        rps, p99, bad = loadgen(servers, "RunTask", '{"cluster":"big","taskDefinition":"p","count":10}', conns=conc)
        placed = cluster_tasks(ecs, "big") - before
        out.append((conc, placed / (time.time() - t0), rps, p99, bad))
    return out, f"{reg_rate:.0f}" + (f" ({reg[2]} non-200)" if reg[2] else "")


def on_pg(url, n, fn, binary=None, db_tag=""):
    """fn(servers) with n servers on a new database of the PostgreSQL at url."""
    db = f"bench{n}{db_tag}"
    subprocess.run(["psql", "-X", "-q", f"{url}/postgres", "-c", f"CREATE DATABASE {db}"], check=True)
    env = {}
    servers = []
    try:
        for _ in range(n):
            srv = harness.Server(extra_args=["--store", f"{url}/{db}", "--agent-timeout", "86400",
                                             "--log-level", "warn"], env=env)
            if binary:
                srv_bin, harness.BIN = harness.BIN, binary
                try:
                    srv.start()
                finally:
                    harness.BIN = srv_bin
            else:
                srv.start()
            servers.append(srv)
        return fn(servers)
    finally:
        for x in servers:
            x.stop()
            x.cleanup()


def failover_time():
    """Seconds from the primary's kill to the first acknowledged write sent after it (test_pg_failover)."""
    sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
    import test_pg_failover
    r = test_pg_failover.run_failover(synchronous=True)
    assert not r["lost"] and not r["over"], r
    return r["first_ack_s"], len(r["acked"]), len(r["unknown"])


def main():
    t_start = time.time()
    rows, place = [], []
    s = harness.Server(extra_args=["--agent-timeout", "86400", "--log-level", "warn"]).start()
    try:
        rows.append(("SQLite, 1 server",) + measure([s]))
    finally:
        s.stop()
        s.cleanup()
    s = harness.Server(extra_args=["--agent-timeout", "86400", "--log-level", "warn"]).start()
    try:
        place.append(("SQLite, 1 server",) + placement([s]))
    finally:
        s.stop()
        s.cleanup()
    name = f"bench{os.getpid()}"
    url = subprocess.run([os.path.join(REPO, "scripts", "pg-test.sh"), "up", name], capture_output=True, text=True,
                         check=True).stdout.strip()
    try:
        for n in (1, 2, 3):
            label = f"PostgreSQL, {n} server{'s' if n > 1 else ''}"
            rows.append((label,) + on_pg(url, n, measure))
        if OPTIMISTIC:
            for n in (1, 2):
                label = f"PostgreSQL, {n} server{'s' if n > 1 else ''}, no writer lock"
                rows.append((label,) + on_pg(url, n, measure, OPTIMISTIC, "o"))
        for n in (1, 2):
            label = f"PostgreSQL, {n} server{'s' if n > 1 else ''}"
            place.append((label,) + on_pg(url, n, placement, None, "p"))
        if OPTIMISTIC:
            place.append(("PostgreSQL, 2 servers, no writer lock",) + on_pg(url, 2, placement, OPTIMISTIC, "po"))
    finally:
        subprocess.run([os.path.join(REPO, "scripts", "pg-test.sh"), "down", name])
    fo = failover_time()
    out = []
    say = out.append  # the report's lines, printed and kept below
    say(f"concurrency {CONNS}, {SECONDS:g} s each, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"whole run {time.time() - t_start:.0f} s\n")
    say("PostgreSQL 15 is scripts/pg-test.sh's throw-away server on the same 2 cores (fsync off: its commits "
        "never wait for the disk, SQLite's do, synchronous=FULL); the servers, the database and the load "
        f"generators share the machine with other work (load average {os.getloadavg()[0]:.1f} at the end). "
        "RunTask on one cluster of 10 instances: every call writes all 10 instance rows.\n")
    say("| store | DescribeClusters req/s | p99 ms | RunTask (count 10) req/s | p99 ms | non-200 |")
    say("|---|---|---|---|---|---|")
    for label, (drps, dp99, dbad), (rrps, rp99, rbad) in rows:
        say(f"| {label} | {drps:.0f} | {dp99:.1f} | {rrps:.0f} | {rp99:.1f} | {dbad + rbad} |")
    say(f"\nPlacement at {INSTANCES:,} instances (RunTask count 10, {SECONDS:g} s each):\n")
    say("| store | registered/s | conc. | tasks placed/s | RunTask/s | p99 ms | non-200 |")
    say("|---|---|---|---|---|---|---|")
    for label, runs, reg in place:
        for conc, placed, rps, p99, bad in runs:
            say(f"| {label} | {reg} | {conc} | {placed:.0f} | {rps:.0f} | {p99:.1f} | {bad} |")
    first, acked, unknown = fo
    say(f"\nFailover (primary killed -9, synchronous standby promoted 0.5 s later, RunTask load on two "
          f"servers): first write acknowledged {first:.2f} s after the kill ({acked} acknowledged, "
          f"{unknown} unknown outcomes retried: none lost)")
    say(f"\nCommand: `ECSD_BIN={os.environ['ECSD_BIN']} " +
          (f"BENCH_PG_OPTIMISTIC={OPTIMISTIC} " if OPTIMISTIC else "") +
          f"BENCH_PG_INSTANCES={INSTANCES} python3 bench/pg_servers.py {SECONDS:g}`")
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    with open(os.environ.get("BENCH_PG_OUT", os.path.join(REPO, "bench", "results", "issue15-pg.md")), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
