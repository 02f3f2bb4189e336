"""The scheduler's fence (issue 15, Tests: "Fencing"): a server whose
scheduler holds the lease is stopped (SIGSTOP) past it, at the worst
moment, after it decided to write for a service and before the write;
another server takes the lease over and does the work; the first resumes
(SIGCONT) with its stale belief, and its scheduler write must be refused
(the lease's holder and epoch are checked inside the write transaction,
src/sched/sched_lease.c, lease_check), visibly: its log says so, it
starts nothing, and the service never runs more tasks than it wants.

The stop lands at that moment through a fault-injection point
(ECSD_TEST_STOP_BEFORE_SCHED_WRITE=NAME, src/sched/svc_reconcile.c: the
process sends itself SIGSTOP once, for the service NAME). An external
SIGSTOP at a random moment almost always lands between two ticks, where
the next tick's lease_acquire re-reads the lease and steps down before any
write: test_pg_servers.test_a_paused_scheduler_is_fenced_out covers that
case. Without the fence (lease_check answering yes), the resumed write
runs and this test fails: no refusal is logged.

Runs only against PostgreSQL (ECSD_STORE): with SQLite one process holds
the store and there is no one to fence.
"""
import os
import signal
import time

import harness
from fake_agent import unique
from svc_agents import AutoAgent

FRESH_SERVER = True


def proc_state(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def lease_of(first):
    import json
    doc = harness.pg_sql("SELECT doc FROM resources WHERE kind = 7 AND account = '' AND key = 'Scheduler/leader'",
                         db=first.pg_name)
    return json.loads(doc) if doc else None


def wait_for(cond, seconds, step=0.2):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(step)
    return cond()


if harness.PG_BASE:

    def test_a_leader_stopped_before_its_write_is_fenced_when_it_resumes(server):
        url = server.extra_args[server.extra_args.index("--store") + 1]
        svc_name = unique("fenced")
        # the runner's server is not part of it: stopped, so that the one
        # with the stop point is sure to take the lease first
        server.stop()
        a = harness.Server(extra_args=["--store", url, "--scheduler-tick", "300"],
                           env={"ECSD_TEST_STOP_BEFORE_SCHED_WRITE": svc_name}).start()
        b = None
        hosts = []
        try:
            assert wait_for(lambda: (lease_of(server) or {}).get("holder", "").endswith(a.endpoint), 10), \
                lease_of(server)
            epoch_a = lease_of(server)["epoch"]
            b = harness.Server(extra_args=["--store", url, "--scheduler-tick", "300"]).start()
            eb = b.client()
            cluster = unique("fence")
            eb.create_cluster(clusterName=cluster)
            hosts = [AutoAgent(b, cluster, cpu=1024, memory=1024) for _ in range(2)]
            fam = unique("fam")
            eb.register_task_definition(family=fam, containerDefinitions=[
                {"name": "app", "image": "x", "cpu": 10, "memory": 10}])
            eb.create_service(cluster=cluster, serviceName=svc_name, taskDefinition=fam, desiredCount=2)
            # A's scheduler sees the new service, decides to start two tasks, and stops itself
            assert wait_for(lambda: proc_state(a.proc.pid) == "T", 10), "the leader did not reach its stop point"
            assert "stopping before the write for service" in a.read_log()

            def tasks(status):
                return eb.list_tasks(cluster=cluster, serviceName=svc_name, desiredStatus=status)["taskArns"]

            try:
                assert tasks("RUNNING") == [] and tasks("STOPPED") == [], "the stopped leader wrote"
                # B takes over once A's lease has run out (15 s, the database's clock) and starts them
                assert wait_for(lambda: lease_of(server)["holder"].endswith(b.endpoint), 40), "no takeover"
                assert lease_of(server)["epoch"] == epoch_a + 1
                assert wait_for(lambda: len(tasks("RUNNING")) == 2, 20), tasks("RUNNING")
                before = set(tasks("RUNNING"))
            finally:
                os.kill(a.proc.pid, signal.SIGCONT)
            # A resumes in the middle of its pass: its write transaction checks the lease, and is refused
            assert wait_for(lambda: "write refused, the scheduler's lease" in a.read_log(), 10), \
                a.read_log()[-3000:]
            assert wait_for(lambda: "another server holds the scheduler's lease now" in a.read_log(), 10)
            time.sleep(1.5)  # more passes of both schedulers
            assert set(tasks("RUNNING")) == before and tasks("STOPPED") == [], (tasks("RUNNING"), tasks("STOPPED"))
            svc = eb.describe_services(cluster=cluster, services=[svc_name])["services"][0]
            assert svc["runningCount"] == 2 and svc["desiredCount"] == 2, svc
            started = [e["message"] for e in svc["events"] if "has started" in e["message"]]
            assert len(started) == 1, started  # one start of two tasks, by B
            assert lease_of(server)["holder"].endswith(b.endpoint)
        finally:
            if a.proc is not None:
                os.kill(a.proc.pid, signal.SIGCONT)
            for h in hosts:
                h.close()
            for s in (a, b):
                if s is not None:
                    rc = s.stop()
                    log = s.read_log()[-3000:]
                    s.cleanup()
                    assert rc == 0, f"a server exited {rc}: {log}"
            server.start()  # the runner stops it
