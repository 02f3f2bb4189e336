"""Lost hosts (issue 16 points 1-2; model/instance_lost.h): with
--agent-timeout 2 --host-lost-after 1 (3 s of silence), a host whose agent goes silent
(its link cut: an AutoAgent paused) is lost: its service tasks are STOPPED
(stopCode TerminationNotice, a reason naming the host) and replaced on the
other hosts, its standalone task STOPPED the same way, the service says so
in an event. In the server's view the service never has more RUNNING tasks
than desired. When the host comes back, its poll no longer lists the old
tasks, so its agent stops them; nothing is restarted; the host takes new
tasks again."""
import subprocess
import threading
import time

from harness import own_server, unique
from svc_agents import AutoAgent

TD = [{"name": "web", "image": "nginx", "memory": 64}]
LOST_ARGS = ["--agent-timeout", "2", "--host-lost-after", "1"]  # lost after 3 s of silence


def wait_for(fn, timeout=30, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def tasks(ecs, cluster, **kw):
    arns = []
    for page in ecs.get_paginator("list_tasks").paginate(cluster=cluster, **kw):
        arns += page["taskArns"]
    out = []
    for i in range(0, len(arns), 100):
        out += ecs.describe_tasks(cluster=cluster, tasks=arns[i:i + 100])["tasks"]
    return out


def describe(ecs, cluster, name):
    return ecs.describe_services(cluster=cluster, services=[name])["services"][0]


def test_lost_host_tasks_replaced_and_stopped_on_return(_server):
    with own_server(extra_args=LOST_ARGS) as server:
        ecs = server.client()
        cluster = ecs.create_cluster(clusterName=unique("lost"))["cluster"]["clusterName"]
        family = unique("app")
        ecs.register_task_definition(family=family, containerDefinitions=TD)
        hosts = [AutoAgent(server, cluster) for _ in range(3)]
        try:
            name = unique("svc")
            ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=6,
                               placementStrategy=[{"type": "spread", "field": "instanceId"}])
            wait_for(lambda: describe(ecs, cluster, name)["runningCount"] == 6, what="6 running")
            placed = {t["containerInstanceArn"] for t in tasks(ecs, cluster, serviceName=name)}
            cut = next(h for h in hosts if h.arn in placed)  # a host that runs some of them
            alone = ecs.start_task(cluster=cluster, taskDefinition=family, containerInstances=[cut.arn])["tasks"][0]
            wait_for(lambda: ecs.describe_tasks(cluster=cluster, tasks=[alone["taskArn"]])["tasks"][0]["lastStatus"]
                     == "RUNNING", what="standalone task running")
            on_cut = {t["taskArn"] for t in tasks(ecs, cluster, serviceName=name) if t["containerInstanceArn"] == cut.arn}
            high, done = [0], threading.Event()

            def sample():  # RUNNING service tasks in the server's view, all the while
                c = server.client()
                while not done.is_set():
                    running = [t for t in tasks(c, cluster, serviceName=name, desiredStatus="RUNNING")
                               + tasks(c, cluster, serviceName=name, desiredStatus="STOPPED")
                               if t["lastStatus"] == "RUNNING"]
                    high[0] = max(high[0], len(running))
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample)
            sampler.start()
            try:
                t0 = time.time()
                cut.paused.set()  # the link is cut

                def replaced():
                    live = [t for t in tasks(ecs, cluster, serviceName=name, desiredStatus="RUNNING")
                            if t["lastStatus"] == "RUNNING"]
                    return len(live) == 6 and all(t["containerInstanceArn"] != cut.arn for t in live)
                wait_for(replaced, timeout=30, what="the lost host's tasks replaced")
                took = time.time() - t0
                assert 3 <= took < 20, took  # not before --host-lost-after; soon after it
                old = ecs.describe_tasks(cluster=cluster, tasks=sorted(on_cut) + [alone["taskArn"]])["tasks"]
                for t in old:
                    assert t["lastStatus"] == "STOPPED" and t["desiredStatus"] == "STOPPED", t
                    assert t["stopCode"] == "TerminationNotice", t
                    assert cut.id in t["stoppedReason"] and "not heard from" in t["stoppedReason"], t
                inst = ecs.describe_container_instances(cluster=cluster, containerInstances=[cut.arn])
                inst = inst["containerInstances"][0]
                assert inst["agentConnected"] is False and inst["status"] == "ACTIVE"
                assert inst["runningTasksCount"] == 0 and inst["pendingTasksCount"] == 0
                events = [e["message"] for e in describe(ecs, cluster, name)["events"]]
                assert any(cut.id in m and "was lost" in m for m in events), events

                cut.paused.clear()  # the link is back
                wait_for(lambda: on_cut | {alone["taskArn"]} <= cut.orphans, what="the old copies stopped")
                wait_for(lambda: ecs.describe_container_instances(cluster=cluster, containerInstances=[cut.arn])
                         ["containerInstances"][0]["agentConnected"], what="the host connected again")
                time.sleep(1)  # a few polls and scheduler passes more: nothing comes back
            finally:
                done.set()
                sampler.join()
            assert high[0] <= 6, f"{high[0]} RUNNING service tasks seen at once"
            assert describe(ecs, cluster, name)["runningCount"] == 6
            for t in ecs.describe_tasks(cluster=cluster, tasks=sorted(on_cut))["tasks"]:
                assert t["lastStatus"] == "STOPPED" and t["stopCode"] == "TerminationNotice"
            assert not (cut.started & (on_cut | {alone["taskArn"]})) - cut.orphans  # none started again
            # the returned host takes new tasks
            again = ecs.start_task(cluster=cluster, taskDefinition=family, containerInstances=[cut.arn])
            assert again["failures"] == [] and again["tasks"][0]["containerInstanceArn"] == cut.arn
        finally:
            for h in hosts:
                h.close()


def test_agent_timeout_alone_does_not_stop_tasks(_server):
    """Disconnected but not yet lost: tasks stay as they are (ECS's way)."""
    with own_server(extra_args=["--agent-timeout", "1", "--host-lost-after", "60"]) as server:
        ecs = server.client()
        cluster = ecs.create_cluster(clusterName=unique("lost"))["cluster"]["clusterName"]
        family = unique("app")
        ecs.register_task_definition(family=family, containerDefinitions=TD)
        with AutoAgent(server, cluster) as host:
            t = ecs.start_task(cluster=cluster, taskDefinition=family, containerInstances=[host.arn])["tasks"][0]
            wait_for(lambda: ecs.describe_tasks(cluster=cluster, tasks=[t["taskArn"]])["tasks"][0]["lastStatus"]
                     == "RUNNING", what="running")
            host.paused.set()
            wait_for(lambda: not ecs.describe_container_instances(cluster=cluster, containerInstances=[host.arn])
                     ["containerInstances"][0]["agentConnected"], what="disconnected")
            time.sleep(3)
            d = ecs.describe_tasks(cluster=cluster, tasks=[t["taskArn"]])["tasks"][0]
            assert d["lastStatus"] == "RUNNING" and "stopCode" not in d
            host.paused.clear()


def test_host_lost_after_checked(_server):
    """Refused at start: out of 0..2592000."""
    import os
    import tempfile
    for bad in (["--host-lost-after", "-1"], ["--host-lost-after", "2592001"]):
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run([os.environ["ECSD_BIN"], "server", "--data-dir", d, "--listen", "127.0.0.1:0",
                                "--insecure-no-auth", *bad],
                               capture_output=True, text=True, timeout=20)
        assert r.returncode != 0 and "--host-lost-after" in r.stderr, (bad, r.returncode, r.stderr)


def test_server_restart_gives_hosts_a_whole_grace(_server):
    """Silence while no server ran does not count: after a restart the
    agents get the whole --agent-timeout + --host-lost-after to poll again
    (else a server away for longer than that would lose every host)."""
    with own_server(extra_args=LOST_ARGS) as server:
        ecs = server.client()
        cluster = ecs.create_cluster(clusterName=unique("lost"))["cluster"]["clusterName"]
        family = unique("app")
        ecs.register_task_definition(family=family, containerDefinitions=TD)
        with AutoAgent(server, cluster) as host:
            t = ecs.start_task(cluster=cluster, taskDefinition=family, containerInstances=[host.arn])["tasks"][0]
            wait_for(lambda: ecs.describe_tasks(cluster=cluster, tasks=[t["taskArn"]])["tasks"][0]["lastStatus"]
                     == "RUNNING", what="running")
            host.paused.set()
            port = server.port
            assert server.stop() == 0
            time.sleep(4)  # longer than the 3 s after which a silent host is lost
            server.start(port=port)
            ecs = server.client()
            time.sleep(1.5)  # the restarted server's scheduler has swept by now
            host.paused.clear()
            wait_for(lambda: ecs.describe_container_instances(cluster=cluster, containerInstances=[host.arn])
                     ["containerInstances"][0]["agentConnected"], what="connected again")
            time.sleep(3)
            d = ecs.describe_tasks(cluster=cluster, tasks=[t["taskArn"]])["tasks"][0]
            assert d["lastStatus"] == "RUNNING" and "stopCode" not in d, d
