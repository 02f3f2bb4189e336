"""Container health in services (issue 12, point 3), with hosts played by
AutoAgents (svc_agents.py) that report the health the real agent reports
(healthStatus / taskHealthStatus on SubmitContainerStateChange, sent raw:
boto3 knows no such members): a task whose essential container turns
UNHEALTHY is stopped with ECS's reason and event and replaced, after the
service's healthCheckGracePeriodSeconds; it counts as failed for the
deployment circuit breaker, which rolls an unhealthy release back."""
import time

from harness import unique
from svc_agents import AutoAgent
from test_deployments import completed, describe, messages, wait_for
from test_placement_attributes import raw_call

# an essential container with a health check: the agent reports its verdicts
TD = [{"name": "web", "image": "nginx", "memory": 64,
       "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], "interval": 5}}]


def setup(server):
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("hc"))["cluster"]["clusterName"]
    family = unique("happ")
    ecs.register_task_definition(family=family, containerDefinitions=TD)
    ecs.register_task_definition(family=family, containerDefinitions=TD)
    return ecs, cluster, family


def report_health(server, cluster, task, health, container="web"):
    st, ans = raw_call(server, "SubmitContainerStateChange",
                       dict(cluster=cluster, task=task, containerName=container, status="RUNNING",
                            healthStatus=health, taskHealthStatus=health))
    assert st == 200 and ans == {"acknowledgment": "ACK"}, (st, ans)


def service_tasks(ecs, cluster, name, desired="RUNNING"):
    arns = ecs.list_tasks(cluster=cluster, serviceName=name, desiredStatus=desired)["taskArns"]
    return ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []


def test_unhealthy_task_is_replaced(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster):
        name = unique("hc")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=f"{family}:1", desiredCount=2)
        tasks = wait_for(lambda: (lambda t: t if len(t) == 2 and all(x["lastStatus"] == "RUNNING" for x in t) else None)(
            service_tasks(ecs, cluster, name)), what="2 running")
        sick, well = [t["taskArn"] for t in tasks]
        # RUNNING but no verdict yet: the rollout waits for HEALTHY, as ECS counts health-checked tasks
        time.sleep(1.5)
        assert describe(ecs, cluster, name)["deployments"][0]["rolloutState"] == "IN_PROGRESS"
        report_health(server, cluster, well, "HEALTHY")
        report_health(server, cluster, sick, "UNHEALTHY")
        sick_first = sick
        sick_id = sick.rsplit("/", 1)[1]
        ev = f"(service {name}) (task {sick_id}) failed container health checks."
        s = wait_for(lambda: (lambda x: x if ev in messages(x) else None)(describe(ecs, cluster, name)),
                     what="the health event")
        [t] = ecs.describe_tasks(cluster=cluster, tasks=[sick])["tasks"]
        assert t["desiredStatus"] == "STOPPED" and t["stoppedReason"] == "Task failed container health checks", t
        s = wait_for(lambda: (lambda x: x if x["runningCount"] == 2 and sick not in
                              [y["taskArn"] for y in service_tasks(ecs, cluster, name)] else None)(
            describe(ecs, cluster, name)), what="the replacement")
        running = [y["taskArn"] for y in service_tasks(ecs, cluster, name)]
        assert well in running and len(running) == 2
        assert messages(s).count(ev) == 1
        # the replacement HEALTHY: the rollout completes, with the failure counted while in progress
        new = [x for x in running if x != well][0]
        report_health(server, cluster, new, "HEALTHY")
        s = wait_for(lambda: completed(ecs, cluster, name, 2), what="COMPLETED once HEALTHY")
        assert s["deployments"][0]["failedTasks"] == 1 and sick_first != new
        # a HEALTHY task is left alone, and reporting the stopped one again changes nothing
        report_health(server, cluster, sick, "UNHEALTHY")
        time.sleep(1)
        assert sorted(y["taskArn"] for y in service_tasks(ecs, cluster, name)) == sorted(running)
        ecs.delete_service(cluster=cluster, service=name, force=True)


def test_grace_period_delays_the_replacement(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster):
        name = unique("grace")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=f"{family}:1", desiredCount=2,
                           healthCheckGracePeriodSeconds=4)
        a, b = wait_for(lambda: (lambda t: t if len(t) == 2 and all(x["lastStatus"] == "RUNNING" for x in t)
                                 else None)(service_tasks(ecs, cluster, name)), what="2 running")
        # a turns UNHEALTHY and stays so; b is UNHEALTHY but recovers within its grace period
        report_health(server, cluster, a["taskArn"], "UNHEALTHY")
        report_health(server, cluster, b["taskArn"], "UNHEALTHY")
        time.sleep(0.5)
        report_health(server, cluster, b["taskArn"], "HEALTHY")
        started = a["startedAt"].timestamp()
        if time.time() < started + 3:  # still within the grace period: not replaced yet
            assert a["taskArn"] in [t["taskArn"] for t in service_tasks(ecs, cluster, name)]
        wait_for(lambda: a["taskArn"] not in [t["taskArn"] for t in service_tasks(ecs, cluster, name)],
                 timeout=20, what="the replacement after the grace period")
        [t] = ecs.describe_tasks(cluster=cluster, tasks=[a["taskArn"]])["tasks"]
        assert t["stoppedReason"] == "Task failed container health checks"
        assert t["stoppingAt"].timestamp() >= started + 4 - 0.01, (t["stoppingAt"], started)
        wait_for(lambda: len([t for t in service_tasks(ecs, cluster, name) if t["lastStatus"] == "RUNNING"]) == 2,
                 what="back to 2")
        assert b["taskArn"] in [t["taskArn"] for t in service_tasks(ecs, cluster, name)]
        ecs.delete_service(cluster=cluster, service=name, force=True)


def test_unhealthy_release_trips_the_circuit_breaker(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster) as host:
        orig = host._handle

        def handle(task):  # revision 2 starts, then fails its health checks at once
            fresh = task["taskArn"] not in host.started
            orig(task)
            if fresh and task["desiredStatus"] == "RUNNING":
                report_health(server, cluster, task["taskArn"],
                              "UNHEALTHY" if task["taskDefinitionArn"].endswith(f"/{family}:2") else "HEALTHY")
        host._handle = handle
        name = unique("hcb")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=f"{family}:1", desiredCount=1,
                           deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}})
        good = wait_for(lambda: completed(ecs, cluster, name, 1), what="v1")["deployments"][0]
        bad = ecs.update_service(cluster=cluster, service=name, taskDefinition=f"{family}:2")["service"][
            "deployments"][0]
        s = wait_for(lambda: (lambda x: x if f"(service {name}) rolling back to deployment {good['id']}."
                              in messages(x) else None)(describe(ecs, cluster, name)), timeout=40,
                     what="the rollback")
        msgs = messages(s)
        assert sum("failed container health checks." in m for m in msgs) >= 3
        assert f"(service {name}) (deployment {bad['id']}) deployment failed: tasks failed to start." in msgs
        failed = [d for d in s["deployments"] if d["id"] == bad["id"]]
        if failed:
            assert failed[0]["rolloutState"] == "FAILED" and failed[0]["failedTasks"] >= 3
        s = wait_for(lambda: completed(ecs, cluster, name, 1), timeout=30, what="the rollback COMPLETED")
        assert s["taskDefinition"].endswith(f"/{family}:1")
        stopped = service_tasks(ecs, cluster, name, desired="STOPPED")
        assert sum(t["stoppedReason"] == "Task failed container health checks" for t in stopped) >= 3
        ecs.delete_service(cluster=cluster, service=name, force=True)
