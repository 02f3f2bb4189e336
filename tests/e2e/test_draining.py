"""Draining (issue 11 point 4; ecs-behavior.md §5.5): UpdateContainerInstancesState
with hosts played by AutoAgents. A DRAINING instance gets no new tasks, its
service tasks are replaced elsewhere never below minimumHealthyPercent,
its PENDING service tasks stop at once, standalone tasks keep running;
ListContainerInstances status=DRAINING; ACTIVE again takes tasks again."""
import threading
import time

from harness import expect_error, unique
from svc_agents import AutoAgent

TD = [{"name": "web", "image": "nginx", "memory": 100}]


def wait_for(fn, timeout=30, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def setup(server):
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("drain"))["cluster"]["clusterName"]
    family = unique("app")
    ecs.register_task_definition(family=family, containerDefinitions=TD)
    return ecs, cluster, family


def tasks(ecs, cluster, **kw):
    arns = ecs.list_tasks(cluster=cluster, **kw)["taskArns"]
    return ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []


def describe(ecs, cluster, name):
    return ecs.describe_services(cluster=cluster, services=[name])["services"][0]


def test_drain_replaces_service_tasks_keeps_standalone(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster, start_delay=0.5) as a:
        # two service tasks on a (the only host), then b joins and the service grows to 4
        name = unique("svc")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=2)
        wait_for(lambda: describe(ecs, cluster, name)["runningCount"] == 2, what="2 running")
        b = AutoAgent(server, cluster, start_delay=0.5)
        ecs.update_service(cluster=cluster, service=name, desiredCount=4)
        wait_for(lambda: describe(ecs, cluster, name)["runningCount"] == 4, what="4 running")
        alone = ecs.start_task(cluster=cluster, taskDefinition=family, containerInstances=[a.arn])["tasks"][0]
        wait_for(lambda: ecs.describe_tasks(cluster=cluster, tasks=[alone["taskArn"]])["tasks"][0]["lastStatus"]
                 == "RUNNING", what="standalone task running")
        on_a = [t for t in tasks(ecs, cluster, serviceName=name) if t["containerInstanceArn"] == a.arn]
        assert len(on_a) >= 2
        low, samples, done = [99], [0], threading.Event()

        def sample():
            c = server.client()
            while not done.is_set():
                low[0] = min(low[0], describe(c, cluster, name)["runningCount"])
                samples[0] += 1
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            r = ecs.update_container_instances_state(cluster=cluster, containerInstances=[a.arn], status="DRAINING")
            assert r["failures"] == [] and r["containerInstances"][0]["status"] == "DRAINING"
            assert r["containerInstances"][0]["containerInstanceArn"] == a.arn

            def moved():
                live = tasks(ecs, cluster, serviceName=name, desiredStatus="RUNNING")
                return (len(live) == 4 and all(t["containerInstanceArn"] == b.arn and t["lastStatus"] == "RUNNING"
                                               for t in live))
            wait_for(moved, what="service tasks moved to b")
        finally:
            done.set()
            sampler.join()
        # minimumHealthyPercent 100: never fewer than 4 RUNNING
        assert samples[0] > 5 and low[0] >= 4, f"{low[0]} RUNNING at the lowest of {samples[0]} samples"
        # the standalone task was left running
        t = ecs.describe_tasks(cluster=cluster, tasks=[alone["taskArn"]])["tasks"][0]
        assert t["desiredStatus"] == "RUNNING" and t["lastStatus"] == "RUNNING"
        listed = ecs.list_container_instances(cluster=cluster, status="DRAINING")["containerInstanceArns"]
        assert listed == [a.arn]
        # no new placements on a
        r = ecs.run_task(cluster=cluster, taskDefinition=family, count=5)
        assert {x["containerInstanceArn"] for x in r["tasks"]} == {b.arn}
        r = ecs.start_task(cluster=cluster, taskDefinition=family, containerInstances=[a.arn])
        assert r["tasks"] == [] and r["failures"][0]["arn"] == a.arn
        # ACTIVE again: takes tasks again
        r = ecs.update_container_instances_state(cluster=cluster, containerInstances=[a.arn], status="ACTIVE")
        assert r["containerInstances"][0]["status"] == "ACTIVE"
        r = ecs.start_task(cluster=cluster, taskDefinition=family, containerInstances=[a.arn])
        assert len(r["tasks"]) == 1
        assert ecs.list_container_instances(cluster=cluster, status="DRAINING")["containerInstanceArns"] == []
        assert a.errors + b.errors == 0
        b.close()


def test_pending_service_tasks_stop_at_once(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster, start_delay=5) as slow:
        name = unique("svc")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=2)
        pending = wait_for(lambda: len(tasks(ecs, cluster, serviceName=name)) == 2 and
                           tasks(ecs, cluster, serviceName=name), what="2 placed")
        with AutoAgent(server, cluster) as fast:
            ecs.update_container_instances_state(cluster=cluster, containerInstances=[slow.arn], status="DRAINING")
            now = ecs.describe_tasks(cluster=cluster, tasks=[t["taskArn"] for t in pending])["tasks"]
            assert all(t["desiredStatus"] == "STOPPED" for t in now if t["lastStatus"] == "PENDING"), now
            assert any(t["lastStatus"] == "PENDING" for t in now)
            wait_for(lambda: describe(ecs, cluster, name)["runningCount"] == 2 and all(
                t["containerInstanceArn"] == fast.arn
                for t in tasks(ecs, cluster, serviceName=name, desiredStatus="RUNNING")), what="replaced on fast")


def test_errors(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster) as a:
        expect_error(lambda: ecs.update_container_instances_state(cluster=cluster, containerInstances=[a.arn],
                                                                  status="REGISTERING"),
                     "InvalidParameterException", "ACTIVE or DRAINING")
        expect_error(lambda: ecs.update_container_instances_state(cluster=cluster, containerInstances=[a.arn] * 11,
                                                                  status="DRAINING"),
                     "InvalidParameterException", "at most 10")
        expect_error(lambda: ecs.update_container_instances_state(cluster=unique("none"),
                                                                  containerInstances=[a.arn], status="DRAINING"),
                     "ClusterNotFoundException")
        missing = "0123456789abcdef0123456789abcdef"
        r = ecs.update_container_instances_state(cluster=cluster, containerInstances=[missing, a.arn],
                                                 status="DRAINING")
        assert [f["reason"] for f in r["failures"]] == ["MISSING"] and missing in r["failures"][0]["arn"]
        assert [i["status"] for i in r["containerInstances"]] == ["DRAINING"]
        # again: no change, the same answer
        r = ecs.update_container_instances_state(cluster=cluster, containerInstances=[a.arn], status="DRAINING")
        assert r["containerInstances"][0]["status"] == "DRAINING"
