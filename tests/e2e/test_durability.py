"""Durability (issue 2 "Store" and "Tests"): `kill -9` the server right after a
burst of acknowledged writes (or in the middle of one), restart it on the same
data folder, and every acknowledged write is there; revisions continue after
the highest one. Each test gets a fresh server; it is killed and restarted in
place (harness.Server.start() again on the same data_dir), so the runner
still stops it cleanly at the end.
"""
import threading

from harness import ACCOUNT, REGION

FRESH_SERVER = True
TD_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/"
CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/"


def containers(tag):
    return [{"name": "a", "image": "busybox", "memory": 64, "command": ["echo", tag],
             "portMappings": [{"containerPort": 80, "hostPort": 0}]}]


def list_all(ecs, method, key, **kw):
    out, token = [], None
    while True:
        r = getattr(ecs, method)(**kw, **({"nextToken": token} if token else {}))
        out += r[key]
        token = r.get("nextToken")
        if not token:
            return out


class Burst:
    """Writers in threads; every acknowledged write is recorded, and the
    first failure of each thread ends that thread."""

    def __init__(self, server, stop_after=None):
        self.lock = threading.Lock()
        self.acked = []          # ("td", family, rev, tag, status) / ("cluster", name, status)
        self.failures = []
        self.pending = {}        # thread id -> key of the write it is waiting for
        self.maybe = set()       # keys whose last write was sent but never acknowledged
        self.stop_after = stop_after  # kill once this many acks are in (None: after all)
        self.enough = threading.Event()
        self.server = server

    def ack(self, rec):
        with self.lock:
            self.acked.append(rec)
            if self.stop_after and len(self.acked) >= self.stop_after:
                self.enough.set()

    def sending(self, key):
        self.pending[threading.get_ident()] = key

    def td_writer(self, ecs, family, count):
        for k in range(count):
            tag = f"{family}-{k}"
            td = ecs.register_task_definition(family=family, containerDefinitions=containers(tag))["taskDefinition"]
            self.ack(("td", family, td["revision"], tag, "ACTIVE"))
            self.pending.pop(threading.get_ident(), None)
            if k % 10 == 9:
                self.sending(("td", family, td["revision"]))
                gone = ecs.deregister_task_definition(taskDefinition=f"{family}:{td['revision']}")["taskDefinition"]
                assert gone["status"] == "INACTIVE"
                self.ack(("td", family, td["revision"], tag, "INACTIVE"))
                self.pending.pop(threading.get_ident(), None)

    def cluster_writer(self, ecs, prefix, count):
        for k in range(count):
            name = f"{prefix}-{k}"
            assert ecs.create_cluster(clusterName=name)["cluster"]["status"] == "ACTIVE"
            self.ack(("cluster", name, "ACTIVE"))
            self.pending.pop(threading.get_ident(), None)
            if k % 5 == 4:
                self.sending(("cluster", name))
                assert ecs.delete_cluster(cluster=name)["cluster"]["status"] == "INACTIVE"
                self.ack(("cluster", name, "INACTIVE"))
                self.pending.pop(threading.get_ident(), None)

    def run(self, jobs):
        clients = [self.server.client() for _ in jobs]

        def body(fn, ecs, args):
            try:
                fn(ecs, *args)
            except Exception as e:  # noqa: BLE001 - recorded, judged by the test
                with self.lock:
                    self.failures.append(f"{fn.__name__}{args}: {type(e).__name__}: {e}")
                    if threading.get_ident() in self.pending:
                        self.maybe.add(self.pending[threading.get_ident()])

        threads = [threading.Thread(target=body, args=(fn, ecs, args)) for (fn, args), ecs in zip(jobs, clients)]
        for t in threads:
            t.start()
        if self.stop_after:
            assert self.enough.wait(timeout=120), f"only {len(self.acked)} writes in 120 s: {self.failures[:3]}"
            self.server.kill9()  # in the middle of the burst
        for t in threads:
            t.join(timeout=120)
        if not self.stop_after:
            self.server.kill9()  # right after the last acknowledgement
        assert not any(t.is_alive() for t in threads), "a writer hung"

    def expected(self):
        """Final state implied by the acknowledged writes (last one wins)."""
        tds, clusters = {}, {}
        for rec in self.acked:
            if rec[0] == "td":
                _, family, rev, tag, status = rec
                tds[(family, rev)] = (tag, status)
            else:
                clusters[rec[1]] = rec[2]
        return tds, clusters


def check_acked(server, burst, families):
    ecs = server.client()
    tds, clusters = burst.expected()
    for (family, rev), (tag, status) in sorted(tds.items()):
        td = ecs.describe_task_definition(taskDefinition=f"{family}:{rev}")["taskDefinition"]
        ok = {status, "INACTIVE"} if ("td", family, rev) in burst.maybe else {status}
        assert td["status"] in ok, f"{family}:{rev} is {td['status']}, acknowledged {status}"
        assert td["containerDefinitions"][0]["command"] == ["echo", tag], f"{family}:{rev} lost its content"
    names = sorted(clusters)
    for i in range(0, len(names), 100):
        got = ecs.describe_clusters(clusters=names[i:i + 100])
        assert got["failures"] == [], f"acknowledged clusters lost: {got['failures'][:5]}"
        for c in got["clusters"]:
            maybe = ("cluster", c["clusterName"]) in burst.maybe
            assert c["status"] == clusters[c["clusterName"]] or maybe, c
    listed = set(list_all(ecs, "list_clusters", "clusterArns"))
    for name, status in clusters.items():
        if ("cluster", name) not in burst.maybe:
            assert (CLUSTER_ARN + name in listed) == (status == "ACTIVE"), name
    for family in families:
        active = list_all(ecs, "list_task_definitions", "taskDefinitionArns", familyPrefix=family)
        inactive = list_all(ecs, "list_task_definitions", "taskDefinitionArns", familyPrefix=family,
                            status="INACTIVE")
        stored = sorted(int(a.rsplit(":", 1)[1]) for a in active + inactive)
        assert stored == list(range(1, len(stored) + 1)), f"{family}: revisions are not 1..N: {stored}"
        high = stored[-1] if stored else 0
        assert high >= max((r for (f, r) in tds if f == family), default=0)
        nxt = ecs.register_task_definition(family=family, containerDefinitions=containers("after"))
        assert nxt["taskDefinition"]["revision"] == high + 1, f"{family}: revision after restart"


def test_kill9_right_after_acknowledged_burst(server):
    families = [f"dur-{i}" for i in range(4)]
    burst = Burst(server)
    jobs = [(burst.td_writer, (f, 50)) for f in families] + \
           [(burst.td_writer, ("dur-shared", 25)) for _ in range(2)] + \
           [(burst.cluster_writer, (f"dc{i}", 25)) for i in range(4)]
    burst.run(jobs)
    registrations = sum(1 for r in burst.acked if r[0] == "td" and r[4] == "ACTIVE")
    server.start()  # same data folder, after kill -9
    check_acked(server, burst, families + ["dur-shared"])
    assert not burst.failures, f"{len(burst.failures)} writes failed (none should): {burst.failures[:3]}"
    assert registrations == 250 and len(burst.expected()[1]) == 100
    # And once more after a clean stop: nothing is lost either way.
    assert server.stop() == 0, server.read_log()[-3000:]
    server.start()
    ecs = server.client()
    for f in families:
        td = ecs.describe_task_definition(taskDefinition=f)["taskDefinition"]
        assert td["revision"] == 51 and td["containerDefinitions"][0]["command"] == ["echo", "after"]
    assert ecs.describe_task_definition(taskDefinition="dur-0:10")["taskDefinition"]["status"] == "INACTIVE"
    assert ecs.describe_clusters(clusters=["dc0-4", "dc3-24"])["clusters"][0]["status"] == "INACTIVE"


def test_kill9_in_the_middle_of_a_burst(server):
    families = [f"mid-{i}" for i in range(3)]
    burst = Burst(server, stop_after=120)
    jobs = [(burst.td_writer, (f, 1000)) for f in families] + \
           [(burst.td_writer, ("mid-shared", 1000)) for _ in range(3)] + \
           [(burst.cluster_writer, (f"mc{i}", 1000)) for i in range(2)]
    burst.run(jobs)
    assert len(burst.acked) >= 120
    assert burst.failures, "the writers should have seen the server die"
    server.start()
    check_acked(server, burst, families + ["mid-shared"])
    # The server is healthy after the crash: it accepts and keeps new writes.
    ecs = server.client()
    assert ecs.create_cluster(clusterName="after-crash")["cluster"]["status"] == "ACTIVE"
    server.kill9()
    server.start()
    assert server.client().describe_clusters(clusters=["after-crash"])["clusters"][0]["status"] == "ACTIVE"
