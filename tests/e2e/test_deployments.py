"""Deployments as ECS reports them (issue 12, points 2-4), with hosts played
by AutoAgents (svc_agents.py): rolloutState IN_PROGRESS -> COMPLETED with
ECS's reasons and events through a rolling update; the deployment circuit
breaker failing a release whose container exits at once, and rolling back
to the last COMPLETED task definition; ListServiceDeployments and
DescribeServiceDeployments following the rollout until SUCCESSFUL (as the
newest Terraform provider polls them).
"""
import time

from harness import expect_error, unique
from svc_agents import AutoAgent

TD = [{"name": "web", "image": "nginx", "memory": 64}]


def setup(server):
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("dep"))["cluster"]["clusterName"]
    family = unique("dapp")
    ecs.register_task_definition(family=family, containerDefinitions=TD)
    ecs.register_task_definition(family=family, containerDefinitions=TD)
    return ecs, cluster, family


def wait_for(fn, timeout=30, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def describe(ecs, cluster, name):
    r = ecs.describe_services(cluster=cluster, services=[name])
    assert not r["failures"], r["failures"]
    return r["services"][0]


def messages(s):
    return [e["message"] for e in s["events"]]


def completed(ecs, cluster, name, n):
    s = describe(ecs, cluster, name)
    ok = (len(s["deployments"]) == 1 and s["deployments"][0]["rolloutState"] == "COMPLETED" and
          s["runningCount"] == n)
    return s if ok else None


def test_rolling_update_reaches_completed(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster, start_delay=0.3), AutoAgent(server, cluster, start_delay=0.3):
        name = unique("roll")
        s = ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=f"{family}:1", desiredCount=2)["service"]
        first = s["deployments"][0]
        assert first["rolloutState"] == "IN_PROGRESS"
        sd_arn = s["currentServiceDeployment"]
        assert f":service-deployment/{cluster}/{name}/" in sd_arn
        assert s["currentServiceRevisions"][0]["arn"].endswith(f":service-revision/{cluster}/{name}/{first['id'][8:]}")
        s = wait_for(lambda: completed(ecs, cluster, name, 2), what="v1 COMPLETED")
        d = s["deployments"][0]
        assert d["rolloutStateReason"] == f"ECS deployment {first['id']} completed." and d["failedTasks"] == 0
        msgs = messages(s)
        assert msgs[0] == f"(service {name}) has reached a steady state."
        assert msgs[1] == f"(service {name}) (deployment {first['id']}) deployment completed."
        [sd] = ecs.describe_service_deployments(serviceDeploymentArns=[sd_arn])["serviceDeployments"]
        assert sd["status"] == "SUCCESSFUL" and "finishedAt" in sd and sd["sourceServiceRevisions"] == []
        assert sd["deploymentCircuitBreaker"] == {"status": "DISABLED", "failureCount": 0, "threshold": 3}
        # v2: a rolling update, followed through the deployments API as Terraform does
        u = ecs.update_service(cluster=cluster, service=name, taskDefinition=f"{family}:2")["service"]
        new = u["deployments"][0]
        assert (new["status"], new["rolloutState"], u["deployments"][1]["rolloutState"]) == (
            "PRIMARY", "IN_PROGRESS", "COMPLETED")
        sd2 = u["currentServiceDeployment"]
        assert sd2 != sd_arn
        listed = ecs.list_service_deployments(cluster=cluster, service=name)["serviceDeployments"]
        assert [x["serviceDeploymentArn"] for x in listed] == [sd2, sd_arn]
        assert listed[0]["status"] == "IN_PROGRESS" and listed[0]["targetServiceRevisionArn"].endswith(new["id"][8:])
        seen = set()

        def successful():
            [x] = ecs.describe_service_deployments(serviceDeploymentArns=[sd2])["serviceDeployments"]
            seen.add(x["status"])
            return x if x["status"] == "SUCCESSFUL" else None
        x = wait_for(successful, what="the service deployment SUCCESSFUL")
        assert "IN_PROGRESS" in seen or len(seen) == 1
        assert x["targetServiceRevision"]["runningTaskCount"] == 2 and x["targetServiceRevision"]["requestedTaskCount"] == 2
        assert [r["arn"].rsplit("/", 1)[1] for r in x["sourceServiceRevisions"]] == [first["id"][8:]]
        s = wait_for(lambda: completed(ecs, cluster, name, 2), what="v2 COMPLETED")
        assert s["deployments"][0]["id"] == new["id"] and s["taskDefinition"].endswith(f"/{family}:2")
        assert f"(service {name}) (deployment {new['id']}) deployment completed." in messages(s)
        # filters and paging
        assert [x["serviceDeploymentArn"] for x in ecs.list_service_deployments(
            cluster=cluster, service=name, status=["SUCCESSFUL"])["serviceDeployments"]] == [sd2, sd_arn]
        page = ecs.list_service_deployments(cluster=cluster, service=name, maxResults=1)
        assert len(page["serviceDeployments"]) == 1 and page["nextToken"]
        rest = ecs.list_service_deployments(cluster=cluster, service=name, nextToken=page["nextToken"])
        assert [x["serviceDeploymentArn"] for x in rest["serviceDeployments"]] == [sd_arn] and "nextToken" not in rest
        future = ecs.list_service_deployments(cluster=cluster, service=name, createdAt={"after": time.time() + 60})
        assert future["serviceDeployments"] == []
        ecs.update_service(cluster=cluster, service=name, desiredCount=0)
        ecs.delete_service(cluster=cluster, service=name)


def test_circuit_breaker_rolls_back_a_broken_release(server):
    ecs, cluster, family = setup(server)
    broken = lambda task: task["taskDefinitionArn"].endswith(f"/{family}:2")  # noqa: E731
    with AutoAgent(server, cluster, broken=broken), AutoAgent(server, cluster, broken=broken):
        name = unique("cb")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=f"{family}:1", desiredCount=2,
                           deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}})
        good = wait_for(lambda: completed(ecs, cluster, name, 2), what="v1 COMPLETED")["deployments"][0]
        u = ecs.update_service(cluster=cluster, service=name, taskDefinition=f"{family}:2")["service"]
        bad, sd = u["deployments"][0], u["currentServiceDeployment"]

        def rolled_back():
            s = describe(ecs, cluster, name)
            return s if any(d["id"] == bad["id"] and d["rolloutState"] == "FAILED" for d in s["deployments"]) or \
                f"(service {name}) rolling back to deployment {good['id']}." in messages(s) else None
        s = wait_for(rolled_back, timeout=40, what="the circuit breaker")
        msgs = messages(s)
        assert f"(service {name}) (deployment {bad['id']}) deployment failed: tasks failed to start." in msgs
        assert f"(service {name}) rolling back to deployment {good['id']}." in msgs
        assert msgs.index(f"(service {name}) rolling back to deployment {good['id']}.") < msgs.index(
            f"(service {name}) (deployment {bad['id']}) deployment failed: tasks failed to start.")
        back = s["deployments"][0]
        assert back["id"] not in (good["id"], bad["id"]) and back["taskDefinition"].endswith(f"/{family}:1")
        assert s["taskDefinition"] == back["taskDefinition"]
        failed = [d for d in s["deployments"] if d["id"] == bad["id"]]
        if failed:  # until drained
            assert failed[0]["rolloutState"] == "FAILED" and failed[0]["status"] == "ACTIVE"
            assert failed[0]["failedTasks"] >= 3
            assert failed[0]["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
        s = wait_for(lambda: completed(ecs, cluster, name, 2), what="the rollback COMPLETED")
        assert s["deployments"][0]["id"] == back["id"]
        stopped = ecs.describe_tasks(cluster=cluster, tasks=ecs.list_tasks(
            cluster=cluster, serviceName=name, desiredStatus="STOPPED")["taskArns"])["tasks"]
        assert any(t["taskDefinitionArn"].endswith(f"/{family}:2") and t["containers"][0].get("exitCode") == 1
                   for t in stopped)
        [x] = ecs.describe_service_deployments(serviceDeploymentArns=[sd])["serviceDeployments"]
        assert x["status"] == "ROLLBACK_SUCCESSFUL", x
        assert x["rollback"]["serviceRevisionArn"].endswith(back["id"][8:])
        assert x["deploymentCircuitBreaker"]["status"] == "TRIGGERED" and x["deploymentCircuitBreaker"]["threshold"] == 3
        ecs.delete_service(cluster=cluster, service=name, force=True)


def test_circuit_breaker_without_rollback_stops_launching(server):
    ecs, cluster, family = setup(server)
    broken = lambda task: task["taskDefinitionArn"].endswith(f"/{family}:2")  # noqa: E731
    with AutoAgent(server, cluster, broken=broken) as a:
        name = unique("cbn")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=f"{family}:1", desiredCount=1,
                           deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": False},
                                                    "minimumHealthyPercent": 100})
        wait_for(lambda: completed(ecs, cluster, name, 1), what="v1 COMPLETED")
        bad = ecs.update_service(cluster=cluster, service=name, taskDefinition=f"{family}:2")["service"]["deployments"][0]
        s = wait_for(lambda: (lambda x: x if x["deployments"][0]["rolloutState"] == "FAILED" else None)(
            describe(ecs, cluster, name)), timeout=40, what="FAILED")
        assert s["deployments"][0]["id"] == bad["id"] and s["deployments"][0]["failedTasks"] == 3
        started = len(a.started)
        time.sleep(2)
        assert len(a.started) == started, "a FAILED deployment launches no new tasks"
        assert describe(ecs, cluster, name)["runningCount"] == 1, "the old task keeps running"
        ecs.delete_service(cluster=cluster, service=name, force=True)


def test_deployments_api_errors(server):
    ecs, cluster, family = setup(server)
    expect_error(lambda: ecs.list_service_deployments(cluster=cluster, service=unique("nope")),
                 "ServiceNotFoundException", "Service not found.")
    expect_error(lambda: ecs.describe_service_deployments(serviceDeploymentArns=[]), "InvalidParameterException")
    expect_error(lambda: ecs.describe_service_deployments(serviceDeploymentArns=["x"] * 21),
                 "InvalidParameterException", "at most 20 items")
    r = ecs.describe_service_deployments(serviceDeploymentArns=["not-an-arn"])
    assert r["serviceDeployments"] == [] and r["failures"] == [{"arn": "not-an-arn", "reason": "MISSING"}]
    expect_error(lambda: ecs.list_service_deployments(cluster=cluster, service="x", maxResults=0),
                 "InvalidParameterException")


def test_daemon_one_task_per_instance(server):
    """DAEMON over 3 instances: one task on each, desiredCount 3 as ECS
    reports it; a fourth instance joining gets one too."""
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster) as a, AutoAgent(server, cluster) as b, AutoAgent(server, cluster) as c:
        name = unique("dmn")
        s = ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=f"{family}:1",
                               schedulingStrategy="DAEMON")["service"]
        assert s["schedulingStrategy"] == "DAEMON"
        assert s["deploymentConfiguration"]["maximumPercent"] == 100
        assert s["deploymentConfiguration"]["minimumHealthyPercent"] == 0
        s = wait_for(lambda: completed(ecs, cluster, name, 3), what="3 daemon tasks")
        assert s["desiredCount"] == 3
        arns = ecs.list_tasks(cluster=cluster, serviceName=name)["taskArns"]
        tasks = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"]
        assert sorted(t["containerInstanceArn"] for t in tasks) == sorted(h.arn for h in (a, b, c))
        expect_error(lambda: ecs.update_service(cluster=cluster, service=name, desiredCount=5),
                     "InvalidParameterException",
                     "The daemon scheduling strategy does not support a desired count for services.")
        with AutoAgent(server, cluster) as d:
            s = wait_for(lambda: (lambda x: x if x["runningCount"] == 4 and x["desiredCount"] == 4 else None)(
                describe(ecs, cluster, name)), timeout=40, what="the new instance's daemon task")
            arns = ecs.list_tasks(cluster=cluster, serviceName=name)["taskArns"]
            hosts = [t["containerInstanceArn"] for t in ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"]]
            assert sorted(hosts) == sorted(h.arn for h in (a, b, c, d)), (hosts, [h.arn for h in (a, b, c, d)])
            ecs.delete_service(cluster=cluster, service=name, force=True)
            wait_for(lambda: describe(ecs, cluster, name)["status"] == "INACTIVE", what="INACTIVE")
