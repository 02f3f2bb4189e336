"""Several ecsd servers on one PostgreSQL database (issue 15, point 2):
what one writes the other reads, an agent polling server A is woken by a
RunTask made through server B, concurrent RunTask calls spread over the
servers place exactly what capacity allows (nothing over-committed, no
task lost or placed twice), and the service scheduler runs on one server
at a time, taken over by another when its server is killed.

Runs only against PostgreSQL (ECSD_STORE=postgresql://..., the e2e-pg stage
of scripts/test.sh); with SQLite there is nothing to share, and the module
has no tests.
"""
import collections
import os
import subprocess
import threading
import time

from botocore.exceptions import ClientError

import harness
from fake_agent import FakeAgent, resources, unique
from svc_agents import AutoAgent

FRESH_SERVER = True  # each test makes its second (and third) server on the first one's database


class peers:
    """`with peers(first, n) as servers:` first plus n-1 more servers on its database."""

    def __init__(self, first, n=2, extra_args=()):
        self.first, self.n, self.extra_args = first, n, list(extra_args)
        self.more = []

    def __enter__(self):
        url = self.first.extra_args[self.first.extra_args.index("--store") + 1]
        for _ in range(self.n - 1):
            self.more.append(harness.Server(extra_args=["--store", url] + self.extra_args).start())
        return [self.first] + self.more

    def __exit__(self, exc_type, exc, tb):
        rcs = []
        for s in self.more:
            rc = s.stop() if s.proc is not None else 0
            rcs.append((rc, s.read_log()[-3000:] if rc else ""))
            s.cleanup()
        if exc_type is None:
            for rc, log in rcs:
                assert rc == 0, f"a peer server exited {rc}: {log}"
        return False


def new_td(ecs, cpu, memory):
    family = unique("fam")
    ecs.register_task_definition(family=family, containerDefinitions=[
        {"name": "app", "image": "x", "cpu": cpu, "memory": memory}])
    return family


def lease_of(first):
    """The scheduler's lease row (holder, until) in the database of the first server."""
    import json
    db = first.pg_name
    doc = harness.pg_sql("SELECT doc FROM resources WHERE kind = 7 AND account = '' AND key = 'Scheduler/leader'",
                         db=db)
    return json.loads(doc) if doc else None


if harness.PG_BASE:

    def test_write_on_one_server_is_read_on_the_other(server):
        with peers(server, 2) as (a, b):
            ea, eb = a.client(), b.client()
            name = unique("shared")
            ea.create_cluster(clusterName=name)
            got = eb.describe_clusters(clusters=[name])["clusters"]
            assert [c["clusterName"] for c in got] == [name] and got[0]["status"] == "ACTIVE"
            fam = new_td(eb, 10, 10)
            assert ea.describe_task_definition(taskDefinition=fam)["taskDefinition"]["revision"] == 1
            # a second revision registered through A is the next number seen by B
            ea.register_task_definition(family=fam, containerDefinitions=[{"name": "a", "image": "x", "memory": 8}])
            assert eb.describe_task_definition(taskDefinition=fam)["taskDefinition"]["revision"] == 2
            eb.delete_cluster(cluster=name)
            assert ea.describe_clusters(clusters=[name])["clusters"][0]["status"] == "INACTIVE"

    def test_agent_on_a_is_woken_by_run_task_on_b(server):
        with peers(server, 2) as (a, b):
            eb = b.client()
            cluster = unique("wake")
            a.client().create_cluster(clusterName=cluster)
            agent = FakeAgent(a, cluster, cpu=1024, memory=1024).register()
            assert agent.discover().startswith(a.endpoint)
            agent.poll(wait=1)  # the current index
            fam = new_td(eb, 10, 10)
            got = {}

            def wait_poll():
                t0 = time.time()
                got["body"] = agent.poll(wait=20)
                got["took"] = time.time() - t0

            th = threading.Thread(target=wait_poll)
            th.start()
            time.sleep(0.5)  # the poll is waiting on A
            t0 = time.time()
            arn = eb.run_task(cluster=cluster, taskDefinition=fam)["tasks"][0]["taskArn"]
            th.join(timeout=25)
            assert "body" in got, "the poll on A was not answered"
            woke = time.time() - t0
            assert [t["taskArn"] for t in got["body"]["tasks"]] == [arn]
            assert woke < 1.5, f"the agent on A learnt of B's task after {woke:.2f}s"

    def test_concurrent_run_task_on_servers_place_exactly_capacity(server):
        """16 clients spread over three servers; 4 instances with room for 3
        tasks each: exactly 12 tasks placed, none over-committed."""
        with peers(server, 3) as servers:
            ecs = servers[0].client()
            cluster = unique("race")
            ecs.create_cluster(clusterName=cluster)
            agents = [FakeAgent(servers[i % 3], cluster, cpu=768, memory=768).register() for i in range(4)]
            for ag in agents:
                ag.poll(wait=1)
            fam = new_td(ecs, 256, 256)
            placed, failures, retried, errors = [], collections.Counter(), [0], []
            lock = threading.Lock()

            def client(i):
                c = servers[i % 3].client()
                for _ in range(3):  # 48 calls for 12 places
                    for attempt in range(10):  # the SDKs' retry of a 503, bounded
                        try:
                            r = c.run_task(cluster=cluster, taskDefinition=fam, count=1)
                            break
                        except ClientError as e:
                            if e.response["ResponseMetadata"]["HTTPStatusCode"] != 503:
                                with lock:
                                    errors.append(str(e))
                                return
                            with lock:
                                retried[0] += 1
                            time.sleep(0.01 * (attempt + 1))
                    else:
                        with lock:
                            errors.append("503 ten times")
                        return
                    with lock:
                        placed.extend((t["taskArn"], t["containerInstanceArn"]) for t in r["tasks"])
                        failures.update(f["reason"] for f in r["failures"])

            threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
            t0 = time.time()
            for th in threads:
                th.start()
            for th in threads:
                th.join(timeout=120)
            assert time.time() - t0 < 120
            assert not errors, errors
            arns = [p[0] for p in placed]
            assert len(arns) == len(set(arns)), "a task ARN answered twice"
            assert len(arns) == 12, f"placed {len(arns)} tasks for 12 places (failures {dict(failures)})"
            assert set(failures) <= {"RESOURCE:CPU", "RESOURCE:MEMORY"}, failures
            per = collections.Counter(p[1] for p in placed)
            listed = set()
            for s in servers:  # every server sees the same tasks and the same accounting
                e = s.client()
                got = set()
                for page in e.get_paginator("list_tasks").paginate(cluster=cluster):
                    got.update(page["taskArns"])
                listed = listed or got
                assert got == set(arns) == listed
            for ag in agents:
                rem = resources(ag.describe()["remainingResources"])
                assert rem["CPU"] == 768 - 256 * per[ag.arn] and rem["CPU"] >= 0, (rem, per[ag.arn])
                assert rem["MEMORY"] == 768 - 256 * per[ag.arn] and rem["MEMORY"] >= 0
            print(f"    12 placed, {sum(failures.values())} failures, {retried[0]} client retries of a 503")

    def test_scheduler_runs_on_one_server_and_moves_when_it_dies(server):
        with peers(server, 2, extra_args=["--scheduler-tick", "300"]) as (a, b):
            ea = a.client()
            cluster = unique("lease")
            ea.create_cluster(clusterName=cluster)
            # hosts, half of them polling each server: tasks start whoever placed them
            hosts = [AutoAgent(s, cluster, cpu=1024, memory=1024) for s in (a, b, a, b)]
            try:
                fam = new_td(ea, 10, 10)
                ea.create_service(cluster=cluster, serviceName="web", taskDefinition=fam, desiredCount=4)

                def service_tasks(e, status="RUNNING"):
                    arns = e.list_tasks(cluster=cluster, serviceName="web", desiredStatus=status)["taskArns"]
                    return arns

                deadline = time.time() + 30
                while time.time() < deadline and len(service_tasks(ea)) < 4:
                    time.sleep(0.2)
                assert len(service_tasks(ea)) == 4
                time.sleep(1.5)  # a few more passes of both schedulers: still exactly 4
                assert len(service_tasks(ea)) == 4
                lease = lease_of(server)
                holders = [s for s in (a, b) if lease["holder"].endswith(s.endpoint)]
                assert len(holders) == 1, lease
                holder = holders[0]
                other = b if holder is a else a
                taking = sum(1 for s in (a, b) if "now runs the service scheduler" in s.read_log())
                assert taking == 1, "more than one server took the scheduler's lease"
                # the holder dies; a task of the service dies too
                holder.kill9()
                eo = other.client()
                victim = service_tasks(eo)[0]
                for h in hosts:
                    if h.agent.server is other and victim in h.started:
                        h.crash(victim)
                        break
                else:
                    # its host polled the dead server; report through the live one
                    FakeAgent(other, cluster).ecs.submit_task_state_change(
                        cluster=cluster, task=victim, status="STOPPED", reason="killed")
                # after the lease runs out (15 s), the other server replaces it, once
                deadline = time.time() + 40
                while time.time() < deadline:
                    running = service_tasks(eo)
                    if len(running) == 4 and victim not in running:
                        break
                    time.sleep(0.3)
                running = service_tasks(eo)
                assert len(running) == 4 and victim not in running, running
                time.sleep(1.5)
                assert len(service_tasks(eo)) == 4  # no duplicate replacement
                assert lease_of(server)["holder"].endswith(other.endpoint)
                assert "now runs the service scheduler" in other.read_log()
            finally:
                for h in hosts:
                    h.close()
                if server.proc is None:  # the runner stops it: start it again on its database
                    server.start()

    def test_server_reconnects_after_the_database_restarts(server):
        """A database of its own (scripts/pg-test.sh), crashed and started
        again: requests fail with a 5xx meanwhile, then the server serves
        again by itself, and its listener wakes polls again."""
        script = os.path.join(harness.REPO, "scripts", "pg-test.sh")
        name = f"reconnect-{os.getpid()}"
        url = subprocess.run([script, "up", name], capture_output=True, text=True, check=True).stdout.strip()
        try:
            subprocess.run(["psql", "-X", "-q", f"{url}/postgres", "-c", "CREATE DATABASE ecsd"], check=True,
                           capture_output=True, timeout=60)
            with harness.own_server(extra_args=["--store", f"{url}/ecsd"]) as s:
                ecs = s.client()
                cluster = unique("survive")
                ecs.create_cluster(clusterName=cluster)
                agent = FakeAgent(s, cluster).register()
                agent.poll(wait=1)
                subprocess.run([script, "stop", name], check=True, timeout=60)
                try:
                    ecs.list_clusters()
                    raise AssertionError("answered with its database down")
                except ClientError as e:
                    assert e.response["ResponseMetadata"]["HTTPStatusCode"] in (500, 503), e.response
                subprocess.run([script, "start", name], check=True, timeout=60)
                deadline, served = time.time() + 20, False
                while time.time() < deadline and not served:
                    try:
                        served = cluster in ecs.describe_clusters(clusters=[cluster])["clusters"][0]["clusterName"]
                    except ClientError:
                        time.sleep(0.2)
                assert served, "the server did not reconnect"
                deadline = time.time() + 10
                while time.time() < deadline and "change listener reconnected" not in s.read_log():
                    time.sleep(0.2)
                assert "change listener reconnected" in s.read_log()
                # the poll path works again: a task placed now is answered at once
                fam = new_td(ecs, 10, 10)
                arn = ecs.run_task(cluster=cluster, taskDefinition=fam)["tasks"][0]["taskArn"]
                assert arn in [t["taskArn"] for t in agent.poll(wait=5)["tasks"]]
        finally:
            subprocess.run([script, "down", name], timeout=60)

    def test_one_client_token_on_two_servers_runs_once(server):
        """The same RunTask with one clientToken sent at once through two
        servers (a client retrying on another endpoint): every answer names
        the same tasks, and only they exist."""
        with peers(server, 2) as servers:
            ecs = servers[0].client()
            cluster = unique("token")
            ecs.create_cluster(clusterName=cluster)
            agents = [FakeAgent(servers[i], cluster, cpu=4096, memory=4096).register() for i in range(2)]
            for ag in agents:
                ag.poll(wait=1)
            fam = new_td(ecs, 10, 10)
            for round_ in range(3):
                token = unique("tok")
                answers, errors = [], []

                def call(i):
                    c = servers[i % 2].client()
                    for _ in range(10):
                        try:
                            r = c.run_task(cluster=cluster, taskDefinition=fam, count=2, clientToken=token)
                            answers.append(sorted(t["taskArn"] for t in r["tasks"]))
                            return
                        except ClientError as e:
                            if e.response["ResponseMetadata"]["HTTPStatusCode"] != 503:
                                errors.append(str(e))
                                return
                            time.sleep(0.02)
                    errors.append("503 ten times")

                threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
                for th in threads:
                    th.start()
                for th in threads:
                    th.join(timeout=60)
                assert not errors, errors
                assert len(answers) == 8 and all(a == answers[0] for a in answers), answers
                assert len(answers[0]) == 2
            arns = set()
            for page in ecs.get_paginator("list_tasks").paginate(cluster=cluster):
                arns.update(page["taskArns"])
            assert len(arns) == 6, f"{len(arns)} tasks for three tokens of count 2"

    def test_a_paused_scheduler_is_fenced_out(server):
        """The scheduler's server stopped (SIGSTOP) past its lease: the other
        takes over and replaces a dead task; when the first resumes, its
        scheduler writes nothing (no second replacement). A stop at a random
        moment lands between two ticks, where the next one re-reads the
        lease and steps down; test_pg_fencing stops it between its decision
        and its write, where only the fence inside the write stops it."""
        import signal
        with peers(server, 2, extra_args=["--scheduler-tick", "300"]) as (a, b):
            deadline = time.time() + 10
            while time.time() < deadline and not lease_of(server):
                time.sleep(0.2)
            lease = lease_of(server)
            holder = a if lease["holder"].endswith(a.endpoint) else b
            other = b if holder is a else a
            assert lease["holder"].endswith(holder.endpoint)
            eo = other.client()
            cluster = unique("fence")
            eo.create_cluster(clusterName=cluster)
            hosts = [AutoAgent(other, cluster, cpu=1024, memory=1024) for _ in range(2)]
            try:
                fam = new_td(eo, 10, 10)
                eo.create_service(cluster=cluster, serviceName="web", taskDefinition=fam, desiredCount=2)

                def tasks(status):
                    return eo.list_tasks(cluster=cluster, serviceName="web", desiredStatus=status)["taskArns"]

                deadline = time.time() + 30
                while time.time() < deadline and len(tasks("RUNNING")) < 2:
                    time.sleep(0.2)
                assert len(tasks("RUNNING")) == 2
                holder.proc.send_signal(signal.SIGSTOP)
                try:
                    deadline = time.time() + 40
                    while time.time() < deadline and not lease_of(server)["holder"].endswith(other.endpoint):
                        time.sleep(0.3)
                    assert lease_of(server)["holder"].endswith(other.endpoint), "no takeover"
                    victim = tasks("RUNNING")[0]
                    for h in hosts:
                        if victim in h.started:
                            h.crash(victim)
                    deadline = time.time() + 20
                    while time.time() < deadline and (victim in tasks("RUNNING") or len(tasks("RUNNING")) < 2):
                        time.sleep(0.2)
                    assert len(tasks("RUNNING")) == 2 and victim not in tasks("RUNNING")
                finally:
                    holder.proc.send_signal(signal.SIGCONT)
                time.sleep(3)  # the resumed server's scheduler passes, with its stale belief
                running, stopped = tasks("RUNNING"), tasks("STOPPED")
                assert len(running) == 2, running
                assert len(running) + len(stopped) == 3, (running, stopped)  # one replacement, not two
                assert lease_of(server)["holder"].endswith(other.endpoint)
            finally:
                for h in hosts:
                    h.close()

    def test_heartbeats_on_one_server_keep_the_agent_connected_on_the_other(server):
        """An agent polling only server A stays connected for server B's
        placement: B's capacity index learns A's heartbeats."""
        with peers(server, 2, extra_args=["--agent-timeout", "3"]) as (_, b):
            a = harness.Server(extra_args=["--store", b.extra_args[b.extra_args.index("--store") + 1],
                                           "--agent-timeout", "3"]).start()
            try:
                eb = b.client()
                cluster = unique("heard")
                eb.create_cluster(clusterName=cluster)
                agent = FakeAgent(a, cluster, cpu=1024, memory=1024).register()
                agent.poll(wait=1)
                fam = new_td(eb, 10, 10)
                assert len(eb.run_task(cluster=cluster, taskDefinition=fam)["tasks"]) == 1  # B loads its index
                end = time.time() + 6  # twice the agent timeout, polling A only
                while time.time() < end:
                    agent.poll(wait=1)
                r = eb.run_task(cluster=cluster, taskDefinition=fam)
                assert len(r["tasks"]) == 1, r["failures"]
                assert eb.describe_container_instances(cluster=cluster, containerInstances=[agent.arn])[
                    "containerInstances"][0]["agentConnected"] is True
            finally:
                rc = a.stop()
                a.cleanup()
                assert rc == 0
