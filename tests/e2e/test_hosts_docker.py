"""Container tests of issue 16: three hosts over a network
(hosts_netns.py: each its own network namespace, dockerd and `ecsd agent`,
joined to the test's namespace by veth pairs on a bridge the test makes).

A service of 6 tasks over the hosts; one host's link cut: within
--agent-timeout + --host-lost-after its tasks are replaced on the others and
the service is steady at 6; its agent killed -9 and restarted during the
cut; the link restored: the returning host stops its old copies; in the
server's view never more than 6 RUNNING; no container started twice. Then
the server killed -9 and restarted while the hosts run tasks: the agents
poll again, nothing is lost or duplicated.

Runs in the agent-docker stage (inside the test engine's namespace, as
root); elsewhere this module offers no tests.
"""
import signal
import threading
import time

import agent_harness as ah
from harness import Server, unique
from hosts_netns import Hosts

FRESH_SERVER = True
TIMEOUT_ARGS = ["--agent-timeout", "3", "--host-lost-after", "3"]  # lost after 6 s of silence
LOOP = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]


def all_tasks(ecs, cluster, service):
    arns = []
    for status in ("RUNNING", "STOPPED"):
        for page in ecs.get_paginator("list_tasks").paginate(cluster=cluster, serviceName=service,
                                                            desiredStatus=status):
            arns += page["taskArns"]
    out = []
    for i in range(0, len(arns), 100):
        out += ecs.describe_tasks(cluster=cluster, tasks=arns[i:i + 100])["tasks"]
    return out


def describe_service(ecs, cluster, name):
    return ecs.describe_services(cluster=cluster, services=[name])["services"][0]


def running(tasks, not_on=None):
    return [t for t in tasks if t["lastStatus"] == "RUNNING" and t["desiredStatus"] == "RUNNING"
            and t["containerInstanceArn"] != not_on]


class Sampler:
    """Counts the service's RUNNING tasks in the server's view, all the while."""

    def __init__(self, server, cluster, service):
        self.ecs, self.cluster, self.service = server.client(), cluster, service
        self.high, self.done = 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.done.is_set():
            try:
                n = len([t for t in all_tasks(self.ecs, self.cluster, self.service) if t["lastStatus"] == "RUNNING"])
                self.high = max(self.high, n)
            except Exception:  # noqa: BLE001 - the server is being restarted
                pass
            time.sleep(0.1)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join(timeout=10)
        return False


def no_container_twice(hosts, cluster):
    seen = {}
    for h in hosts:
        for task, name, _ in h.containers(cluster):
            seen.setdefault((task, name), []).append(h.i)
    twice = {k: v for k, v in seen.items() if len(v) > 1}
    assert not twice, f"containers made twice: {twice}"
    return seen


def test_lost_host_replaced_returning_host_stops_its_copies(_server):
    with Hosts(3) as hosts:
        server = Server(listen_host=hosts.gateway, extra_args=TIMEOUT_ARGS).start()
        cluster = unique("hosts")
        try:
            ecs = server.client()
            ecs.create_cluster(clusterName=cluster)
            for h in hosts:
                h.start_agent(server, cluster)
            ah.wait_for("3 hosts registered", lambda: len(ecs.list_container_instances(cluster=cluster)
                                                           ["containerInstanceArns"]) == 3, timeout=90)
            insts = ecs.describe_container_instances(cluster=cluster, containerInstances=ecs.list_container_instances(
                cluster=cluster)["containerInstanceArns"])["containerInstances"]
            memory = min(next(r["integerValue"] for r in i["remainingResources"] if r["name"] == "MEMORY")
                         for i in insts)
            family = unique("loop")
            # a third of a host's memory each: 3 fit on a host, so 2 hosts hold all 6
            ecs.register_task_definition(family=family, containerDefinitions=[{
                "name": "loop", "image": ah.LOCAL_IMAGE, "memory": memory // 3, "command": LOOP}])
            name = unique("svc")
            ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=6)
            ah.wait_for("6 running", lambda: len(running(all_tasks(ecs, cluster, name))) == 6, timeout=120,
                        interval=0.5)
            by_host = {}
            for t in running(all_tasks(ecs, cluster, name)):
                by_host.setdefault(t["containerInstanceArn"], set()).add(t["taskArn"])
            # the host to cut: one that runs tasks (the agent's introspection names its instance)
            cut = next(h for h in hosts if agent_instance(h) in by_host)
            cut_arn = agent_instance(cut)
            old = by_host[cut_arn]
            with Sampler(server, cluster, name) as sampler:
                t0 = time.time()
                cut.cut()
                try:
                    ah.wait_for("the cut host's tasks replaced elsewhere",
                                lambda: len(running(all_tasks(ecs, cluster, name), not_on=cut_arn)) == 6,
                                timeout=60, interval=0.2)
                except AssertionError:
                    for t in all_tasks(ecs, cluster, name):
                        print(t["containerInstanceArn"][-6:], t["lastStatus"], t["desiredStatus"], t.get("stopCode"))
                    print(describe_service(ecs, cluster, name)["events"][:5])
                    print(server.read_log()[-3000:])
                    raise
                replaced_s = time.time() - t0
                assert replaced_s >= 6, replaced_s  # not before the agent timeout and the grace
                for t in ecs.describe_tasks(cluster=cluster, tasks=sorted(old))["tasks"]:
                    assert t["lastStatus"] == "STOPPED" and t["stopCode"] == "TerminationNotice", t
                # the host does not know: its containers still run
                still = {task for task, _, up in cut.containers(cluster) if up}
                assert old <= still, (old, still)
                # its agent dies and comes back while the link is cut
                cut.stop_agent(signal.SIGKILL)
                cut.start_agent(server, cluster)
                time.sleep(2)
                t1 = time.time()
                cut.restore()
                ah.wait_for("the returning host to stop its old copies",
                            lambda: not {task for task, _, up in cut.containers(cluster) if up} & old, timeout=60,
                            interval=0.2)
                returned_s = time.time() - t1
                ah.wait_for("the host connected again", lambda: ecs.describe_container_instances(
                    cluster=cluster, containerInstances=[cut_arn])["containerInstances"][0]["agentConnected"],
                    timeout=30)
                time.sleep(3)  # scheduler passes and polls more: nothing comes back
            assert sampler.high <= 6, f"{sampler.high} RUNNING at once in the server's view"
            now = all_tasks(ecs, cluster, name)
            assert len(running(now)) == 6
            no_container_twice(hosts, cluster)
            print(f"cut -> replaced: {replaced_s:.1f} s; return -> old copies stopped: {returned_s:.1f} s")

            # the server killed -9 and restarted while the hosts run tasks
            before = {t["taskArn"] for t in running(now)}
            port = server.port
            server.kill9()
            time.sleep(2)
            server.start(port=port)
            ecs = server.client()
            ah.wait_for("every host polling again", lambda: all(
                i["agentConnected"] for i in ecs.describe_container_instances(
                    cluster=cluster, containerInstances=ecs.list_container_instances(cluster=cluster)[
                        "containerInstanceArns"])["containerInstances"]), timeout=60, interval=0.5)
            time.sleep(3)
            after = {t["taskArn"] for t in running(all_tasks(ecs, cluster, name))}
            assert after == before, (before, after)
            seen = no_container_twice(hosts, cluster)
            up = {task for h in hosts for task, _, r in h.containers(cluster) if r}
            assert up == before, (up, before)
            # every container made belongs to a task the server placed, one each
            assert {task for task, _ in seen} == {t["taskArn"] for t in all_tasks(ecs, cluster, name)}
            ecs.update_service(cluster=cluster, service=name, desiredCount=0)
            ah.wait_for("the service scaled to 0", lambda: not running(all_tasks(ecs, cluster, name)), timeout=60)
            for h in hosts:
                rc = h.stop_agent()
                assert rc == 0, f"host {h.i}'s agent exited {rc}: {h.read_log()[-4000:]}"
        finally:
            for h in hosts:
                h.stop_agent(signal.SIGKILL)
            rc = server.stop()
            if rc not in (0, None):
                print(server.read_log()[-4000:])
            server.cleanup()


def agent_instance(host):
    """The container instance ARN the host's agent registered (its data folder keeps it)."""
    import glob
    import json as _json
    for path in glob.glob(f"{host.data_dir}/agent/*"):
        try:
            with open(path) as f:
                text = f.read()
        except (OSError, UnicodeDecodeError):
            continue
        if "container-instance/" in text:
            try:
                return _json.loads(text).get("containerInstanceArn")
            except ValueError:
                for word in text.split():
                    if "container-instance/" in word:
                        return word.strip('"')
    return None


if not ah.enabled():
    for _name in [n for n in list(globals()) if n.startswith("test_")]:
        del globals()[_name]
