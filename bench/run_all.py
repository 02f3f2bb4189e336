#!/usr/bin/env python3
"""bench/run_all.py - issue 7: every measurement of issues 2-6 in one run,
ecsd beside moto_server and beside the physical floor, written to
docs/PERFORMANCE.md with PNG plots in docs/perf/.

Run it through `make bench` or `bench/run-all` (which install gnuplot and
build ecsd and bench/loadgen.c with -O2 first). Sections, in order:

  ceiling   the load generator's own ceiling (POST with an unknown target)
  api       ecsd and moto_server side by side: DescribeClusters, ListTasks
            (1,000 tasks), DescribeTasks (10), RunTask (count 10, 100
            instances), RegisterTaskDefinition; concurrency 1 and 16
  auth      DescribeClusters, server with --credentials vs --insecure-no-auth
  taskdef   today's task definitions (bench/taskdef_modern.json: three containers,
            task cpu/memory, health checks, dependsOn, logConfiguration, linuxParameters,
            Docker volumes, tags): RegisterTaskDefinition and DescribeTaskDefinition
            (include TAGS) on ecsd and moto_server; concurrency 1 and 16
  scale     placement at 1,000 and 10,000 instances, ListTasks/DescribeTasks
            cost vs tasks stored, server RSS at 100,000 tasks, the fsync floor
  profile   callgrind instruction counts per request by function (and strace
            counts of fsync and busy-wait sleeps per RunTask)
  services  CreateService of 1,000 tasks to steady state (bench/services_load.py)
  agent     run-task -> RUNNING beside `docker run`, agent RSS with 50 tasks
            (bench/agent_start.sh, needs root)
  logs      awslogs: lines/s from one container to the store, print-to-readable
            latency p50/p99, DescribeClusters req/s with and without ~1,000
            lines/s shipped (bench/logs_ship.sh, needs root)

Every figure is the median of BENCH_REPS runs (>= 3), run round robin so
that a burst of outside load touches every row alike; the spread (min-max)
is printed beside it. Raw results go to tmp/bench/results.json, and
`run_all.py --report-only` rewrites the report from them.

Knobs (environment): BENCH_QUICK=1 (a few minutes: short runs, fewer
instances and tasks), BENCH_DURATION (s per run, 3), BENCH_WARMUP (s, 0.5),
BENCH_REPS (3), BENCH_QUIET_LOAD (1.5) and BENCH_QUIET_WAIT (s, 600): wait,
bounded, for the 1-minute load average to fall below that before measuring;
BENCH_INSTANCES ("1000,10000"), BENCH_BIG_TASKS (100000), BENCH_SVC_COUNT
(1000), BENCH_SVC_RUNS (3), BENCH_AGENT_TASKS (50), BENCH_AGENT_RUNS (3),
BENCH_SECTIONS (comma list of the sections above; default all),
BENCH_OUT (docs/PERFORMANCE.md), BENCH_PLOTS (docs/perf).

All traffic goes to 127.0.0.1 (and, for the agent, to the loopback of a
network namespace bench/agent_start.sh creates); every loop is bounded in
time; every process started is stopped by its pid.
"""
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(REPO)
BUILD = os.environ.get("BENCH_BUILD", "tmp/bench-build")
ECSD = os.path.join(REPO, BUILD, "ecsd")
LOADGEN = os.path.join(REPO, BUILD, "loadgen")
SRC = os.environ.get("BENCH_SRC", ".")  # the tree measured (bench/run-all exports a commit there)
COMMIT = os.environ.get("BENCH_COMMIT", "")
WORK = os.path.join(REPO, "tmp", "bench")
RESULTS = os.path.join(WORK, "results.json")
KEY, SECRET, ACCOUNT = "AKIDBENCH", "bench-secret", "000000000000"
NCPU = os.cpu_count()
DIRS = []  # folders the run made (servers' data), removed at the end
SCALE_DATA = []  # the scale server's data folder, profiled afterwards
API_DATA = []  # the api section's ecsd data folder (cluster 'reads'), profiled too
TICK = os.sysconf("SC_CLK_TCK")


def env_num(name, default, quick=None, kind=float):
    if name in os.environ:
        return kind(os.environ[name])
    return kind(quick if QUICK and quick is not None else default)


QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
DUR = env_num("BENCH_DURATION", 3, 1)
WARM = env_num("BENCH_WARMUP", 0.5, 0.2)
REPS = max(3, env_num("BENCH_REPS", 3, kind=int))
QUIET_LOAD = env_num("BENCH_QUIET_LOAD", 1.5)
QUIET_WAIT = env_num("BENCH_QUIET_WAIT", 600, 0)
INSTANCES = [int(x) for x in os.environ.get("BENCH_INSTANCES", "200,2000" if QUICK else "1000,10000").split(",")]
BIG_TASKS = env_num("BENCH_BIG_TASKS", 100000, 20000, int)
SVC_COUNT = env_num("BENCH_SVC_COUNT", 1000, 300, int)
SVC_RUNS = env_num("BENCH_SVC_RUNS", 3, 3, int)
AGENT_TASKS = env_num("BENCH_AGENT_TASKS", 50, 10, int)
AGENT_RUNS = env_num("BENCH_AGENT_RUNS", 3, 1, int)
ALL_SECTIONS = ["ceiling", "api", "auth", "taskdef", "scale", "profile", "services", "agent", "logs"]
SECTIONS = [s for s in os.environ.get("BENCH_SECTIONS", ",".join(ALL_SECTIONS)).split(",") if s]
OUT = os.environ.get("BENCH_OUT", "docs/PERFORMANCE.md")
PLOTS = os.environ.get("BENCH_PLOTS", "docs/perf")


def log(*a):
    print("bench:", *a, flush=True)


def load1():
    return float(open("/proc/loadavg").read().split()[0])


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu(pid, part=None):
    """CPU seconds used so far by process pid, all threads: user + system, or
    part "user" or "sys" alone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        u, k = int(fields[11]), int(fields[12])
        return {"user": u, "sys": k}.get(part, u + k) / TICK
    except OSError:
        return 0.0


def proc_io(pid):
    """Bytes process pid has passed to write calls (wchar) and sent to the
    block layer (write_bytes), from /proc/PID/io."""
    out = {"wchar": 0, "write_bytes": 0, "rchar": 0, "syscr": 0}
    try:
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in out:
                    out[k] = int(v)
    except OSError:
        pass
    return out


def sys_busy():
    """CPU seconds the whole machine has spent busy so far (all CPUs)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / TICK


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def stop_proc(p, timeout=10):
    """TERM, then KILL after timeout seconds; p is a Popen (stopped by its pid)."""
    if p is None or p.poll() is not None:
        return
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(10)


# --- servers ---------------------------------------------------------------

class Ecsd:
    def __init__(self, name, auth=True, data_dir=None, wrap=(), ready_timeout=30):
        self.name, self.auth, self.wrap, self.ready_timeout = name, auth, list(wrap), ready_timeout
        self.dir = tempfile.mkdtemp(prefix=f"ecsd-bench-{name}-", dir=WORK)
        DIRS.append(self.dir)
        self.data = data_dir or os.path.join(self.dir, "data")
        self.creds = os.path.join(self.dir, "credentials")
        with open(self.creds, "w") as f:
            f.write(f"{KEY} {SECRET} {ACCOUNT}\n")
        self.port, self.proc = None, None

    def args(self):
        a = ["server", "--listen", f"127.0.0.1:{self.port}", "--data-dir", self.data, "--log-level", "warn",
             "--agent-timeout", "86400"]  # hosts played by the load tool do not poll
        a += ["--credentials", self.creds] if self.auth else ["--insecure-no-auth"]
        return a

    def start(self):
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen(self.wrap + [ECSD] + self.args(), stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + self.ready_timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ecsd {self.name} exited: " + open(self.log.name).read()[-2000:])
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"ecsd {self.name} not ready in {self.ready_timeout} s")

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        stop_proc(self.proc, 60 if self.wrap else 10)

    def client(self):
        return ecs_client(self.port)

    def cmdline(self):
        return "ecsd " + " ".join(self.args()).replace(self.dir, "$DIR").replace(str(self.port), "$PORT")


class Moto:
    def __init__(self, name):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix=f"moto-bench-{name}-", dir=WORK)
        DIRS.append(self.dir)
        self.port, self.proc = None, None

    def start(self):
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "moto.log"), "ab")
        self.proc = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(self.port)], cwd=self.dir,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("moto_server exited: " + open(self.log.name).read()[-2000:])
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("moto_server not ready in 60 s")

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        stop_proc(self.proc)

    def client(self):
        return ecs_client(self.port)


def ecs_client(port):
    import boto3
    import botocore.config
    return boto3.client("ecs", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                        config=botocore.config.Config(retries={"max_attempts": 1}, read_timeout=120))


# --- the load generator ----------------------------------------------------

def lg_cmd(port, target, body, conc, dur=None, n=None, unsigned=False):
    c = [LOADGEN, "-p", str(port), "-t", target, "-b", body, "-c", str(conc)]
    c += ["-n", str(n)] if n else ["-d", str(dur)]
    if unsigned:
        c.append("--unsigned")
    return c + ["--csv"]


def shq(a):
    return a if re.fullmatch(r"[\w@%+=:,./-]+", a) else "'" + a.replace("'", "'\\''") + "'"


def lg_show(target, body, conc, unsigned=False, dur=None, n=None):
    c = lg_cmd(0, target, body, conc, dur or DUR, n, unsigned)
    c[0], c[2] = "loadgen", "$PORT"
    return " ".join(shq(x) for x in c)


def loadgen(port, pid, target, body, conc, dur=None, n=None, unsigned=False):
    """One loadgen run; returns its figures, the CPU used by loadgen and by the
    server (per request) and by everything else, and the load average."""
    cmd = lg_cmd(port, target, body, conc, dur, n, unsigned)
    l1 = load1()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    s0, k0, b0, io0, t0 = proc_cpu(pid), proc_cpu(pid, "sys"), sys_busy(), proc_io(pid), time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=(dur or 0) + 600)
    wall = time.time() - t0
    s1, k1, b1, io1 = proc_cpu(pid), proc_cpu(pid, "sys"), sys_busy(), proc_io(pid)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        f = p.stdout.strip().splitlines()[-1].split(",")
        n_req, rps = int(f[2]), float(f[3])
    except (IndexError, ValueError):
        raise RuntimeError(f"loadgen failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout}\n{p.stderr}")
    lg_cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    srv_cpu = s1 - s0
    busy = b1 - b0
    per = max(n_req, 1)
    return {"rps": rps, "n": n_req, "p50": float(f[4]), "p90": float(f[5]), "p99": float(f[6]),
            "max": float(f[7]), "non200": int(f[8]), "errors": int(f[9]), "wall": wall,
            "lg_us": 1e6 * lg_cpu / per, "srv_us": 1e6 * srv_cpu / per,
            "srv_sys_us": 1e6 * (k1 - k0) / per,
            "wchar_kb": (io1["wchar"] - io0["wchar"]) / 1024 / per,
            "rchar_kb": (io1["rchar"] - io0["rchar"]) / 1024 / per,
            "reads_per_req": (io1["syscr"] - io0["syscr"]) / per,
            "disk_kb": (io1["write_bytes"] - io0["write_bytes"]) / 1024 / per,
            "lg_cores": lg_cpu / wall, "srv_cores": srv_cpu / wall,
            "other_cores": max(0.0, busy / wall - lg_cpu / wall - srv_cpu / wall), "load1": l1}


def run_rows(rows, reps=None, dur=None, warm=None, label=""):
    """rows: dicts with key, srv (Ecsd/Moto), target, body, conc, unsigned; runs
    each a warm-up and then a measured run, the whole set `reps` times round
    robin; returns {key: [run, ...]}."""
    reps, dur, warm = reps or REPS, dur or DUR, WARM if warm is None else warm
    out = {r["key"]: [] for r in rows}
    for rep in range(reps):
        for r in rows:
            srv = r["srv"]
            if r.get("before"):
                r["before"]()
            wn = 0
            if warm > 0:
                wn = loadgen(srv.port, srv.pid, r["target"], r["body"], r["conc"], warm,
                             unsigned=r.get("unsigned"))["n"]
            m = loadgen(srv.port, srv.pid, r["target"], r["body"], r["conc"], dur, unsigned=r.get("unsigned"))
            m["warm_n"] = wn
            if r.get("after"):
                r["after"](m)
            out[r["key"]].append(m)
            log(f"{label} run {rep + 1}/{reps} {r['key']:40} {m['rps']:9.0f}/s p50 {m['p50']:8.3f} "
                f"p99 {m['p99']:9.3f} ms non-200 {m['non200']} err {m['errors']} load {m['load1']:.1f}")
    return out


def summary(runs, key="rps"):
    v = [m[key] for m in runs]
    return {"med": statistics.median(v), "min": min(v), "max": max(v), "all": v}


def med(runs, key):
    return statistics.median(m[key] for m in runs)


# --- sections --------------------------------------------------------------

BODY_TD = '{"family":"bench","containerDefinitions":[{"name":"a","image":"busybox","memory":16,"cpu":4}]}'
RESOURCES = [{"name": "CPU", "type": "INTEGER", "integerValue": 65536},
             {"name": "MEMORY", "type": "INTEGER", "integerValue": 262144},
             {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ["22", "2375", "2376", "51678", "51679"]},
             {"name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": []}]


def instance_body(cluster, tag):
    doc = json.dumps({"instanceId": f"i-{tag}{{i}}"})
    return json.dumps({"cluster": cluster, "totalResources": RESOURCES, "instanceIdentityDocument": doc})


def register_instances(srv, cluster, n, tag, conc=8):
    """n container instances registered over the API by the load generator."""
    if n <= 0:
        return {"n": 0, "rate": 0}
    m = loadgen(srv.port, srv.pid, "RegisterContainerInstance", instance_body(cluster, tag), conc, n=n)
    if m["non200"] or m["errors"]:
        raise RuntimeError(f"registering instances on {srv.name}: {m}")
    return {"n": n, "rate": m["rps"], "p50": m["p50"], "p99": m["p99"]}


def quiet_wait():
    t0 = time.time()
    start = loadavg()
    while load1() >= QUIET_LOAD and time.time() - t0 < QUIET_WAIT:
        log(f"load average {loadavg()}: waiting for < {QUIET_LOAD} "
            f"(at most {QUIET_WAIT - (time.time() - t0):.0f} s more)")
        time.sleep(min(15, max(1, QUIET_WAIT - (time.time() - t0))))
    return {"start": start, "end": loadavg(), "waited_s": time.time() - t0, "threshold": QUIET_LOAD,
            "max_wait_s": QUIET_WAIT, "reached": load1() < QUIET_LOAD}


def fsync_floor(directory, n=200):
    """fdatasync latency of a 4 KiB append in directory: the physical floor
    of one durable commit (SQLite WAL with synchronous=FULL syncs per commit)."""
    path = os.path.join(directory, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    ts = []
    try:
        deadline = time.time() + 30
        for _ in range(n):
            os.write(fd, b"x" * 4096)
            t = time.perf_counter()
            os.fdatasync(fd)
            ts.append((time.perf_counter() - t) * 1e3)
            if time.time() > deadline:
                break
    finally:
        os.close(fd)
        os.unlink(path)
    ts.sort()
    return {"n": len(ts), "p50": ts[len(ts) // 2], "p99": ts[min(len(ts) - 1, int(len(ts) * 0.99))],
            "load1": load1()}


def section_ceiling(S, R):
    srv = S["noauth"]
    rows = [{"key": f"unknown c={c}{' signed' if s else ''}", "srv": srv, "target": "NoSuchOperation", "body": "{}",
             "conc": c, "unsigned": not s} for c, s in ((1, False), (16, False), (16, True))]
    R["ceiling"] = {"runs": run_rows(rows, label="ceiling"),
                    "cmds": {r["key"]: lg_show(r["target"], r["body"], r["conc"], r["unsigned"]) for r in rows}}


API_OPS = ["DescribeClusters", "DescribeTaskDefinition", "ListTasks", "DescribeTasks", "RunTask",
           "RegisterTaskDefinition"]


def instance_ids(srv, n, tag):
    """EC2 instance ids for n container instances: moto checks that the
    identity document names an instance of its EC2, so they are made there
    (RunInstances); ecsd keeps whatever id is sent."""
    if isinstance(srv, Ecsd):
        return [f"i-{tag}{k:015x}" for k in range(n)]
    import boto3
    ec2 = boto3.client("ec2", endpoint_url=f"http://127.0.0.1:{srv.port}", region_name="us-east-1",
                       aws_access_key_id=KEY, aws_secret_access_key=SECRET)
    ami = ec2.describe_images()["Images"][0]["ImageId"]
    r = ec2.run_instances(ImageId=ami, MinCount=n, MaxCount=n, InstanceType="t3.micro")
    return [i["InstanceId"] for i in r["Instances"]]


def setup_api(srv, place):
    """cluster 'reads': 10 instances, 1,000 tasks; cluster 'place' (on the
    second server of the same kind): 100 instances; task definition 'bench'."""
    e = srv.client()
    e.create_cluster(clusterName="reads")
    e.register_task_definition(**json.loads(BODY_TD))
    for iid in instance_ids(srv, 10, "r"):
        e.register_container_instance(cluster="reads", totalResources=RESOURCES,
                                      instanceIdentityDocument=json.dumps({"instanceId": iid}))
    placed = 0
    for _ in range(100):
        placed += len(e.run_task(cluster="reads", taskDefinition="bench", count=10)["tasks"])
    arns = e.list_tasks(cluster="reads")["taskArns"][:10]
    d = e.describe_tasks(cluster="reads", tasks=arns)
    assert placed == 1000 and len(d["tasks"]) == 10 and not d["failures"], (srv.name, placed, d["failures"])
    p = place.client()
    p.create_cluster(clusterName="place")
    p.register_task_definition(**json.loads(BODY_TD))
    for iid in instance_ids(place, 100, "p"):
        p.register_container_instance(cluster="place", totalResources=RESOURCES,
                                      instanceIdentityDocument=json.dumps({"instanceId": iid}))
    t = p.run_task(cluster="place", taskDefinition="bench", count=10)
    assert len(t["tasks"]) == 10, (place.name, t["failures"])
    return arns


def answer_bytes(port, target, body):
    """Size of the answer body to one signed request (for the report)."""
    import urllib.request
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    url = f"http://127.0.0.1:{port}/"
    req = AWSRequest("POST", url, data=body.encode(), headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AmazonEC2ContainerServiceV20141113." + target})
    SigV4Auth(Credentials(KEY, SECRET), "ecs", "us-east-1").add_auth(req)
    r = urllib.request.Request(url, data=body.encode(), headers=dict(req.headers.items()), method="POST")
    with urllib.request.urlopen(r, timeout=60) as a:
        return len(a.read())


def section_api(S, R):
    api = {}
    bodies = {}
    for kind in ("ecsd", "moto"):
        arns = setup_api(S[kind], S[kind + "-place"])
        bodies[kind] = {
            "DescribeClusters": '{"clusters":["reads"]}',
            "DescribeTaskDefinition": '{"taskDefinition":"bench"}',
            "ListTasks": '{"cluster":"reads"}',
            "DescribeTasks": json.dumps({"cluster": "reads", "tasks": arns}, separators=(",", ":")),
            "RunTask": '{"cluster":"place","taskDefinition":"bench","count":10}',
            "RegisterTaskDefinition": BODY_TD.replace('"bench"', '"reg"'),
        }
    log("api: 'reads' (10 instances, 1,000 tasks) and 'place' (100 instances) set up on ecsd and moto")
    sizes = {k: {op: answer_bytes(S[k if op != "RunTask" else k + "-place"].port, op, bodies[k][op])
                 for op in API_OPS} for k in ("ecsd", "moto")}
    rows = []
    for op in API_OPS:
        for c in (1, 16):
            for kind in ("ecsd", "moto"):
                srv = S[kind + "-place"] if op == "RunTask" else S[kind]
                rows.append({"key": f"{kind} {op} c={c}", "srv": srv, "target": op, "body": bodies[kind][op],
                             "conc": c})
    api["runs"] = run_rows(rows, label="api")
    api["bytes"] = sizes
    # every RunTask placed its 10 tasks? (ecsd counts them; moto lists them)
    e = S["ecsd-place"].client()
    c = e.describe_clusters(clusters=["place"])["clusters"][0]
    api["ecsd_place_tasks"] = c["pendingTasksCount"] + c["runningTasksCount"]
    api["ecsd_runtask_requests"] = 1 + sum(m["n"] + m["warm_n"] for k, v in api["runs"].items()
                                           if k.startswith("ecsd RunTask") for m in v)
    api["cmds"] = {f"{op} c={c}": lg_show(op, bodies["ecsd"][op], c) for op in API_OPS for c in (1, 16)}
    R["api"] = api


def section_auth(S, R):
    for k in ("ecsd", "noauth"):
        S[k].client().create_cluster(clusterName="auth")
    body = '{"clusters":["auth"]}'
    rows = []
    for c in (1, 16):
        rows += [{"key": f"auth+signed c={c}", "srv": S["ecsd"], "target": "DescribeClusters", "body": body,
                  "conc": c},
                 {"key": f"noauth+signed c={c}", "srv": S["noauth"], "target": "DescribeClusters", "body": body,
                  "conc": c},
                 {"key": f"noauth+unsigned c={c}", "srv": S["noauth"], "target": "DescribeClusters", "body": body,
                  "conc": c, "unsigned": True}]
    R["auth"] = {"runs": run_rows(rows, label="auth"),
                 "cmds": {r["key"]: lg_show(r["target"], r["body"], r["conc"], r.get("unsigned")) for r in rows}}


TD_MODERN = os.path.join(REPO, "bench", "taskdef_modern.json")
TD_MEMBERS = ("requiresCompatibilities", "networkMode", "cpu", "memory", "taskRoleArn", "executionRoleArn",
              "pidMode", "ipcMode", "runtimePlatform", "placementConstraints")
TD_CONTAINER_MEMBERS = ("healthCheck", "dependsOn", "logConfiguration", "linuxParameters", "ulimits",
                        "dockerLabels", "memoryReservation", "portMappings", "restartPolicy", "systemControls")


def td_echo_check(sent, got):
    """The members of the sent definition missing from (or changed in) the
    described one: a server that drops them answers less, faster."""
    missing = [m for m in TD_MEMBERS if got.get(m) != sent.get(m)]
    gc = {c.get("name"): c for c in got.get("containerDefinitions", [])}
    for c in sent["containerDefinitions"]:
        for m in TD_CONTAINER_MEMBERS:
            if m not in c:
                continue
            v = gc.get(c["name"], {}).get(m)
            if m == "portMappings":  # ECS adds defaults to each mapping
                ok = v is not None and all(all(pm.get(k) == w for k, w in want.items())
                                           for pm, want in zip(v, c[m])) and len(v) == len(c[m])
            else:
                ok = v == c[m]
            if not ok:
                missing.append(f"{c['name']}.{m}")
    return missing


def section_taskdef(S, R):
    """RegisterTaskDefinition of a full modern definition, and DescribeTaskDefinition
    of it with its tags, on ecsd and moto_server, concurrency 1 and 16."""
    sent = json.load(open(TD_MODERN))
    body_reg = json.dumps(dict(sent, family="modern-reg"), separators=(",", ":"))
    body_desc = '{"taskDefinition":"modern","include":["TAGS"]}'
    td = {"setup": {}, "bytes": {}, "request_bytes": len(body_reg)}
    rows = []
    for kind in ("ecsd", "moto"):
        e = S[kind].client()
        st = td["setup"][kind] = {}
        try:
            e.register_task_definition(**sent)
            got = e.describe_task_definition(taskDefinition="modern", include=["TAGS"])
            st["missing"] = td_echo_check(sent, got["taskDefinition"])
            st["tags"] = len(got.get("tags", []))
        except Exception as ex:  # noqa: BLE001 - a server that refuses it is reported, not measured
            st["refused"] = f"{type(ex).__name__}: {ex}"[:400]
            log(f"taskdef: {kind} refuses the modern task definition: {st['refused']}")
            continue
        td["bytes"][kind] = {"RegisterTaskDefinition": answer_bytes(S[kind].port, "RegisterTaskDefinition", body_reg),
                             "DescribeTaskDefinition": answer_bytes(S[kind].port, "DescribeTaskDefinition",
                                                                    body_desc)}
        for op, body in (("RegisterTaskDefinition", body_reg), ("DescribeTaskDefinition", body_desc)):
            for c in (1, 16):
                rows.append({"key": f"{kind} {op} c={c}", "srv": S[kind], "target": op, "body": body, "conc": c})
    for k, v in td["setup"].items():
        log(f"taskdef: {k}: " + (v.get("refused") or f"{len(v['missing'])} sent members not echoed "
                                  f"{v['missing']}, {v['tags']} tags"))
    # rows of one kind of request next to each other, ecsd then moto, as in the api section
    rows.sort(key=lambda r: (r["target"] != "RegisterTaskDefinition", r["conc"], r["key"].split()[0] != "ecsd"))
    td["runs"] = run_rows(rows, label="taskdef")
    td["cmds"] = {f"{op} c={c}": lg_show(op, body, c) for op, body in (("RegisterTaskDefinition", body_reg),
                                                                      ("DescribeTaskDefinition", body_desc))
                  for c in (1, 16)}
    R["taskdef"] = td


def cluster_tasks(e, cluster):
    c = e.describe_clusters(clusters=[cluster])["clusters"][0]
    return c["pendingTasksCount"] + c["runningTasksCount"]


def strace_counts(srv, target, body, conc, n):
    """fsync/fdatasync and busy-wait sleep syscalls per request, counted by
    strace -f -c attached to every thread of the server during n requests."""
    out = os.path.join(WORK, f"strace-{target}-{conc}.txt")
    st = subprocess.Popen(["strace", "-f", "-c", "-o", out, "-e",
                           "trace=fsync,fdatasync,nanosleep,clock_nanosleep,pwrite64,futex", "-p", str(srv.pid)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    m = loadgen(srv.port, srv.pid, target, body, conc, n=n)
    st.send_signal(signal.SIGINT)
    try:
        st.wait(20)
    except subprocess.TimeoutExpired:
        st.kill()
        st.wait(10)
    calls = {}
    try:
        for line in open(out):
            f = line.split()
            if len(f) >= 5 and f[-1] in ("fsync", "fdatasync", "nanosleep", "clock_nanosleep", "pwrite64", "futex"):
                calls[f[-1]] = {"calls": int(f[3]), "seconds": float(f[1])}
    except OSError:
        pass
    return {"requests": m["n"], "conc": conc, "calls": calls, "p50": m["p50"], "p99": m["p99"], "rps": m["rps"]}


def section_scale(S, R):
    sc = {"fsync": fsync_floor(WORK), "placement": {}, "register": {}, "reads": []}
    srv = Ecsd("scale").start()
    S["scale"] = srv
    e = srv.client()
    e.create_cluster(clusterName="big")
    e.register_task_definition(**json.loads(BODY_TD))
    run_body = '{"cluster":"big","taskDefinition":"bench","count":10}'
    # a second cluster of 1,000 tasks in the same store: ListTasks and
    # DescribeTasks on it and on 'big' (100,000) compare the tasks of a cluster
    # alone, the server, its caches and the store's size being the same
    e.create_cluster(clusterName="small")
    register_instances(srv, "small", 10, "small")
    loadgen(srv.port, srv.pid, "RunTask", '{"cluster":"small","taskDefinition":"bench","count":10}', 4, n=100)

    def reads_at(label):
        n = cluster_tasks(e, "big")
        arns = e.list_tasks(cluster="big", maxResults=10)["taskArns"]
        dbody = json.dumps({"cluster": "big", "tasks": arns}, separators=(",", ":"))
        rows = [{"key": "ListTasks", "srv": srv, "target": "ListTasks", "body": '{"cluster":"big"}', "conc": 1},
                {"key": "DescribeTasks", "srv": srv, "target": "DescribeTasks", "body": dbody, "conc": 1}]
        runs = run_rows(rows, dur=max(1.0, DUR * 2 / 3), warm=0.2, label=f"reads@{n}")
        sc["reads"].append({"tasks": n, "label": label, "runs": runs, "rss_kb": status_kb(srv.pid, "VmRSS")})

    def placement(n_inst, server, store, tag):
        state = {}

        def before():
            state["t"] = cluster_tasks(server.client(), "big")

        def after(m):
            m["placed"] = cluster_tasks(server.client(), "big") - state["t"]
            m["placed_per_s"] = m["placed"] / (m["n"] / m["rps"]) if m["rps"] else 0

        rows = [{"key": f"{store} {n_inst} c={c}", "srv": server, "target": "RunTask", "body": run_body, "conc": c,
                 "before": before, "after": after} for c in (1, 16)]
        return run_rows(rows, label=f"placement {store} {n_inst}")

    have = 0
    for n in INSTANCES:
        sc["register"][n] = register_instances(srv, "big", n - have, f"s{n}x")
        have = n
        sc["placement"].update(placement(n, srv, "disk", "d"))
        reads_at(f"after placement at {n} instances")
    # fill to BIG_TASKS (RunTask count 10, 8 connections), then reads and RSS again
    have_tasks = cluster_tasks(e, "big")
    t0 = time.time()
    if have_tasks < BIG_TASKS:
        m = loadgen(srv.port, srv.pid, "RunTask", run_body, 8, n=(BIG_TASKS - have_tasks + 9) // 10)
        sc["fill"] = {"requests": m["n"], "seconds": time.time() - t0, "rps": m["rps"], "p50": m["p50"],
                      "p99": m["p99"], "non200": m["non200"]}
    reads_at(f"{BIG_TASKS} tasks")
    flat = []
    for cl in ("small", "big"):
        arns = e.list_tasks(cluster=cl, maxResults=10)["taskArns"]
        dbody = json.dumps({"cluster": cl, "tasks": arns}, separators=(",", ":"))
        flat += [{"key": f"ListTasks {cl}", "srv": srv, "target": "ListTasks", "body": json.dumps({"cluster": cl}),
                  "conc": 1},
                 {"key": f"DescribeTasks {cl}", "srv": srv, "target": "DescribeTasks", "body": dbody, "conc": 1}]
    sc["flat"] = {"tasks": {cl: cluster_tasks(e, cl) for cl in ("small", "big")},
                  "runs": run_rows(flat, label="flat")}
    sc["rss_kb"] = status_kb(srv.pid, "VmRSS")
    sc["hwm_kb"] = status_kb(srv.pid, "VmHWM")
    sc["tasks"] = cluster_tasks(e, "big")
    sc["instances"] = INSTANCES[-1]
    sc["db_mb"] = sum(os.path.getsize(os.path.join(srv.data, f)) for f in os.listdir(srv.data)) / 1e6
    # syscalls per RunTask at the largest size: fsyncs (the durable-commit
    # floor) and nanosleeps (SQLite's busy handler, writers waiting for the lock)
    sc["strace"] = [strace_counts(srv, "RunTask", run_body, 1, 100), strace_counts(srv, "RunTask", run_body, 16, 160)]
    srv.stop()
    S.pop("scale")
    SCALE_DATA.append(srv.data)
    # the same placement with the store in memory-backed files (/dev/shm):
    # what the CPU alone allows when no commit waits for the disk
    if os.path.isdir("/dev/shm"):
        shm = tempfile.mkdtemp(prefix="ecsd-bench-shm-", dir="/dev/shm")
        try:
            t = Ecsd("tmpfs", data_dir=os.path.join(shm, "data")).start()
            S["tmpfs"] = t
            t.client().create_cluster(clusterName="big")
            t.client().register_task_definition(**json.loads(BODY_TD))
            sc["register_tmpfs"] = register_instances(t, "big", INSTANCES[-1], "t")
            sc["placement"].update(placement(INSTANCES[-1], t, "tmpfs", "t"))
            t.stop()
            S.pop("tmpfs")
        finally:
            shutil.rmtree(shm, ignore_errors=True)
    sc["cmds"] = {
        "register": lg_show("RegisterContainerInstance", instance_body("big", "X"), 8, n=1000),
        "runtask": [lg_show("RunTask", run_body, c) for c in (1, 16)],
        "fill": lg_show("RunTask", run_body, 8, n=1000),
        "reads": [lg_show("ListTasks", '{"cluster":"big"}', 1),
                  lg_show("DescribeTasks", '{"cluster":"big","tasks":[...10 ARNs...]}', 1)],
        "strace": "strace -f -c -e trace=fsync,fdatasync,nanosleep,clock_nanosleep,pwrite64,futex -p $SERVER_PID",
    }
    R["scale"] = sc


def parse_annotate(text, requests):
    total = 0
    m = re.search(r"([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", text)
    if m:
        total = int(m.group(1).replace(",", ""))
    fns = []
    for line in text.splitlines():
        mm = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S.*)$", line)
        if not mm or "PROGRAM TOTALS" in line:
            continue
        ir = int(mm.group(1).replace(",", ""))
        rest = mm.group(2)
        obj = ""
        om = re.search(r"\[([^\]]+)\]\s*$", rest)
        if om:
            obj = os.path.basename(om.group(1))
            rest = rest[:om.start()].strip()
        fn = rest.split(":", 1)[1] if ":" in rest else rest
        if not obj:
            obj = "ecsd" if not rest.startswith("./") and "???" not in rest.split(":")[0] else "libc.so.6"
        fns.append({"ir": ir, "fn": fn, "obj": obj})
    return {"total": total, "per_req": total / max(requests, 1), "fns": fns}


def objname(o):
    o = re.sub(r"\.so[.\d]*$", "", o)
    return {"ecsd": "ecsd"}.get(o, o)


PROFILE_DUR = env_num("BENCH_PROFILE_DURATION", 5, 2)


def annotate(f, n):
    """callgrind_annotate of dump f (n requests): instructions per request,
    the heaviest functions by self cost, ecsd's functions by inclusive cost,
    self cost by library. Every function is listed (--threshold=100)."""
    self_txt = subprocess.run(["callgrind_annotate", "--threshold=100", f], capture_output=True,
                              text=True, timeout=300).stdout
    incl_txt = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", f],
                              capture_output=True, text=True, timeout=300).stdout
    sf = parse_annotate(self_txt, n)
    inc = parse_annotate(incl_txt, n)
    by_obj = {}
    for x in sf["fns"]:
        by_obj[objname(x["obj"])] = by_obj.get(objname(x["obj"]), 0) + x["ir"]
    return {"requests": n, "per_req": sf["per_req"], "self": sf["fns"][:15],
            "incl": [x for x in inc["fns"] if x["obj"] == "ecsd"][:400], "by_obj": by_obj,
            "file": os.path.relpath(f, REPO)}


def reannotate():
    """Re-reads the callgrind dumps of the last run (tmp/bench/callgrind-*)
    into results.json, e.g. after a change to what the report keeps."""
    R = json.load(open(RESULTS))
    for st in R.get("profile", {}).get("states", {}).values():
        for op, x in st["ops"].items():
            f = os.path.join(REPO, x["file"])
            if os.path.exists(f):
                x.update(annotate(f, x["requests"]))
    json.dump(R, open(RESULTS, "w"), indent=1)


def profile_state(label, data, cluster, run_cluster, extra_ops):
    """Reopens a server's store under callgrind and counts the instructions
    of each request kind over PROFILE_DUR seconds of requests from one
    connection (instrumentation on only around them)."""
    cg = Ecsd(f"callgrind-{label}", data_dir=data, ready_timeout=180,
              wrap=["valgrind", "--tool=callgrind", "--instr-atstart=no",
                    f"--callgrind-out-file={WORK}/callgrind-{label}.out"])
    for f in os.listdir(WORK):
        if f.startswith(f"callgrind-{label}.out"):
            os.unlink(os.path.join(WORK, f))
    cg.start()
    try:
        e = cg.client()
        arns = e.list_tasks(cluster=cluster, maxResults=10)["taskArns"]
        tasks = cluster_tasks(e, cluster)
        ops = [("DescribeClusters", json.dumps({"clusters": [cluster]}), False)] + extra_ops + [
            ("ListTasks", json.dumps({"cluster": cluster}), False),
            ("DescribeTasks", json.dumps({"cluster": cluster, "tasks": arns}, separators=(",", ":")), False),
            ("RunTask", json.dumps({"cluster": run_cluster, "taskDefinition": "bench", "count": 10}), False)]
        res = {}

        def ctl(*a):
            subprocess.run(["callgrind_control", *a, str(cg.pid)], capture_output=True, timeout=120)

        part = 0
        for op, body, unsigned in ops:
            ctl("-i", "on")
            loadgen(cg.port, cg.pid, op, body, 1, n=3, unsigned=unsigned)  # warm
            ctl("-z")
            m = loadgen(cg.port, cg.pid, op, body, 1, dur=PROFILE_DUR, unsigned=unsigned)
            ctl("-d", op)
            ctl("-i", "off")
            part += 1
            f = f"{WORK}/callgrind-{label}.out.{part}"
            deadline = time.time() + 60
            while not os.path.exists(f) and time.time() < deadline:
                time.sleep(0.2)
            res[op] = annotate(f, m["n"])
            res[op].update({"non200": m["non200"], "unsigned": unsigned})
            sf = res[op]
            log(f"profile {label} {op}: {sf['per_req']:,.0f} instructions per request over {m['n']}")
    finally:
        cg.stop()
    return {"tasks": tasks, "cluster": cluster, "ops": res}


def section_profile(S, R):
    """callgrind over the stores the api and scale sections left: 1,000 tasks
    (cluster 'reads') and 10,000 instances with 100,000 tasks ('big')."""
    if not shutil.which("valgrind"):
        R["profile"] = {"skipped": "valgrind not installed"}
        return
    prof = {"states": {}}
    if API_DATA:
        prof["states"]["1,000 tasks"] = profile_state(
            "api", API_DATA[-1], "reads", "reads",
            [("DescribeTaskDefinition", '{"taskDefinition":"bench"}', False),
             ("RegisterTaskDefinition", BODY_TD.replace('"bench"', '"prof"'), False),
             ("NoSuchOperation", "{}", True)])
    if SCALE_DATA:
        prof["states"]["100,000 tasks"] = profile_state("scale", SCALE_DATA[-1], "big", "big", [])
    prof["cmd"] = ("valgrind --tool=callgrind --instr-atstart=no ecsd server ... (the store the section left); "
                   f"per request kind: callgrind_control -i on; loadgen -n 3; callgrind_control -z; "
                   f"loadgen -c 1 -d {PROFILE_DUR}; callgrind_control -d; callgrind_control -i off; "
                   "callgrind_annotate [--inclusive=yes]")
    R["profile"] = prof


def section_services(S, R):
    runs = []
    for k in range(SVC_RUNS):
        srv = Ecsd(f"svc{k}").start()
        S["svc"] = srv
        l1 = load1()
        cmd = [sys.executable, os.path.join(SRC, "bench/services_load.py"), "steady", "--port", str(srv.port), "--hosts", "50",
               "--count", str(SVC_COUNT)]
        t0 = time.time()
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        srv_cpu = proc_cpu(srv.pid)
        line = [x for x in p.stdout.splitlines() if x.startswith("{")]
        if p.returncode != 0 or not line:
            raise RuntimeError(f"services_load.py failed: {p.stdout}\n{p.stderr}")
        r = json.loads(line[-1])
        r.update({"load1": l1, "wall": time.time() - t0, "srv_cpu_s": srv_cpu,
                  "rss_kb": status_kb(srv.pid, "VmRSS")})
        runs.append(r)
        log(f"services run {k + 1}/{SVC_RUNS}: steady in {r['steady_s']:.2f} s (all placed {r['all_placed_s']:.2f} s,"
            f" all running {r['all_running_s']:.2f} s) load {l1:.1f}")
        srv.stop()
        S.pop("svc")
    R["services"] = {"runs": runs, "count": SVC_COUNT,
                     "cmd": f"bench/services_load.py steady --port $PORT --hosts 50 --count {SVC_COUNT}"}


def parse_agent_md(text):
    def row(label):
        m = re.search(r"\|\s*" + label + r"[^|]*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|"
                      r"\s*([\d.]+)\s*\|", text)
        return dict(zip(("p50", "p99", "mean", "min", "max"), map(float, m.groups()))) if m else None

    def mib(label):
        m = re.search(r"\|\s*" + label + r"[^|]*\|\s*\**([\d.]+)\**\s*\|", text)
        return float(m.group(1)) if m else None

    return {"ecsd": row(r"ecsd: run-task -> RUNNING"), "docker": row(r"`docker run -d` \(floor\)"),
            "rss": mib("VmRSS \\(resident"), "pss": mib("Pss"), "private": mib("Private"),
            "floor": mib("VmRSS of a program"), "idle": mib("VmRSS before")}


def section_agent(S, R):
    if os.geteuid() != 0:
        R["agent"] = {"skipped": "needs root (a network namespace and its own dockerd)"}
        return
    runs = []
    for k in range(AGENT_RUNS):
        out = os.path.join(WORK, f"agent-{k}.md")
        l1 = load1()
        env = dict(os.environ, BENCH_TASKS=str(AGENT_TASKS), BENCH_OUT=out)
        env.pop("ECSD_BIN", None)  # the script builds and uses its own tree's build/ecsd
        t0 = time.time()
        p = subprocess.run([os.path.join(SRC, "bench/agent_start.sh")], env=env, capture_output=True, text=True, timeout=1200)
        if p.returncode != 0 or not os.path.exists(out):
            log(f"agent_start.sh failed ({p.returncode}): {p.stderr[-2000:]}")
            runs.append({"failed": p.returncode, "stderr": p.stderr[-2000:], "load1": l1})
            continue
        r = parse_agent_md(open(out).read())
        r.update({"load1": l1, "wall": time.time() - t0})
        runs.append(r)
        log(f"agent run {k + 1}/{AGENT_RUNS}: p50 {r['ecsd']['p50']:.0f} ms vs docker run {r['docker']['p50']:.0f} ms,"
            f" RSS {r['rss']} MiB, load {l1:.1f}")
    R["agent"] = {"runs": runs, "tasks": AGENT_TASKS, "cmd": f"BENCH_TASKS={AGENT_TASKS} bench/agent_start.sh"}


def section_logs(S, R):
    if os.geteuid() != 0:
        R["logs"] = {"skipped": "needs root (a network namespace and its own dockerd)"}
        return
    runs = []
    for k in range(REPS):
        env = dict(os.environ)
        env.pop("ECSD_BIN", None)  # the script builds and uses its own tree's build/ecsd
        p = subprocess.run([os.path.join(SRC, "bench/logs_ship.sh")], env=env, capture_output=True, text=True,
                           timeout=1200)
        try:
            r = json.loads(p.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            log(f"logs_ship.sh failed ({p.returncode}): {p.stderr[-2000:]}")
            continue
        runs.append(r)
        log(f"logs run {k + 1}/{REPS}: {r['flood']['lines_per_s']:.0f} lines/s, latency p50 "
            f"{r['paced']['p50_ms']:.0f} ms, API {r['api_ratio']:.2f}x of its baseline")
    R["logs"] = {"runs": runs, "cmd": "bench/logs_ship.sh"} if runs else {"skipped": "bench/logs_ship.sh failed"}


# --- machine ----------------------------------------------------------------

def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()


def schema_indexes():
    """How many indexes the measured tree's schema puts on the resources table."""
    try:
        text = open(os.path.join(SRC, "src/store/sqlite_schema.c")).read()
    except OSError:
        return "?"
    return len(re.findall(r"CREATE (?:UNIQUE )?INDEX \w+ ON resources", text))


def machine():
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1))
    model = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read())
    return {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "ncpu": NCPU, "cpu": model.group(1) if model else "?",
            "mem_gib": mem_kb / 1048576, "kernel": platform.release(), "commit": COMMIT[:12] or sh("git rev-parse --short=12 HEAD"),
            "dirty": not COMMIT and bool(sh("git status --porcelain -- src Makefile")),
            "exported": bool(COMMIT),
            "moto": sh("python3 -c 'import moto; print(moto.__version__)'"), "python": platform.python_version(),
            "sqlite": sh("pkg-config --modversion sqlite3"), "mhd": sh("pkg-config --modversion libmicrohttpd"),
            "docker": sh("dockerd --version"), "valgrind": sh("valgrind --version"),
            "fs": sh(f"df -T {WORK} | awk 'NR==2 {{print $2}}'"),
            "indexes": schema_indexes(), "src": SRC,
            "quick": QUICK, "dur": DUR, "warm": WARM, "reps": REPS}


def main():
    sys.path.insert(0, os.path.join(REPO, "bench"))
    if "--reannotate" in sys.argv:
        reannotate()
    if "--report-only" in sys.argv or "--reannotate" in sys.argv:
        import bench_report
        bench_report.write(json.load(open(RESULTS)), OUT, PLOTS)
        return
    os.makedirs(WORK, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops the servers
    R = json.load(open(RESULTS)) if os.environ.get("BENCH_KEEP") and os.path.exists(RESULTS) else {}
    R["machine"] = machine()
    R["sections"] = SECTIONS
    S = {}
    t_start = time.time()
    try:
        R["quiet"] = quiet_wait()
        log(f"load average {R['quiet']['end']} after {R['quiet']['waited_s']:.0f} s; measuring")
        need_api = any(s in SECTIONS for s in ("ceiling", "api", "auth", "taskdef"))
        if need_api:
            S["ecsd"] = Ecsd("ecsd").start()
            S["noauth"] = Ecsd("noauth", auth=False).start()
            if "api" in SECTIONS:
                S["ecsd-place"] = Ecsd("ecsd-place").start()
                S["moto-place"] = Moto("moto-place").start()
            if "api" in SECTIONS or "taskdef" in SECTIONS:
                S["moto"] = Moto("moto").start()
            R["servers"] = {k: v.cmdline() for k, v in S.items() if isinstance(v, Ecsd)}
        for name, fn in (("ceiling", section_ceiling), ("api", section_api), ("auth", section_auth),
                         ("taskdef", section_taskdef)):
            if name in SECTIONS:
                t0 = time.time()
                fn(S, R)
                R[name]["seconds"] = time.time() - t0
                json.dump(R, open(RESULTS, "w"), indent=1)
        if "ecsd" in S:
            API_DATA.append(S["ecsd"].data)
        for k in list(S):
            S.pop(k).stop()
        for name, fn in (("scale", section_scale), ("profile", section_profile), ("services", section_services),
                         ("agent", section_agent), ("logs", section_logs)):
            if name in SECTIONS:
                t0 = time.time()
                log(f"section {name}")
                fn(S, R)
                R[name]["seconds"] = time.time() - t0
                json.dump(R, open(RESULTS, "w"), indent=1)
    finally:
        for k in list(S):
            try:
                S.pop(k).stop()
            except Exception as ex:  # noqa: BLE001 - keep stopping the others
                log(f"stopping {k}: {ex}")
        for d in DIRS:
            shutil.rmtree(d, ignore_errors=True)
    R["total_s"] = time.time() - t_start
    R["load_end"] = loadavg()
    json.dump(R, open(RESULTS, "w"), indent=1)
    import bench_report
    bench_report.write(R, OUT, PLOTS)
    log(f"wrote {OUT} and {PLOTS}/*.png in {R['total_s'] / 60:.1f} min")


if __name__ == "__main__":
    main()
