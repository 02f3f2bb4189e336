"""Services (issue 5; ecs-behavior.md §3.6, §4.19-4.23, §5.8, §7, Appendix A,
Appendix G 25-32): the five operations and the scheduler, with hosts played
by AutoAgents (svc_agents.py: fake agents over the real protocol, no Docker);
and, in scripts/test.sh's docker stage only (the tests named
test_agent_docker_*, which that stage selects), with the real `ecsd agent`
and real containers.
"""
import re
import threading
import time

import agent_harness as ah
from harness import ACCOUNT, REGION, Server, expect_error, unique
from svc_agents import AutoAgent

SVC_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/"
TD = [{"name": "web", "image": "nginx", "memory": 100, "portMappings": [{"containerPort": 80}]}]
PLACE_MSG = ("(service {s}) was unable to place a task because no container instance met all of its requirements. "
             "The closest matching (container-instance {i}) has insufficient memory available. For more "
             "information, see the Troubleshooting section of the Amazon ECS Developer Guide.")


def setup(server, family=None):
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("svc"))["cluster"]["clusterName"]
    family = family or unique("app")
    ecs.register_task_definition(family=family, containerDefinitions=TD)
    return ecs, cluster, family


def wait_for(fn, timeout=20, what="condition"):
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


def messages(svc):
    return [e["message"] for e in svc["events"]]


def tasks_of(ecs, cluster, name, desired="RUNNING"):
    arns = ecs.list_tasks(cluster=cluster, serviceName=name, desiredStatus=desired)["taskArns"]
    return ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []


def steady(ecs, cluster, name, n):
    s = describe(ecs, cluster, name)
    ok = (s["runningCount"] == n and s["pendingCount"] == 0 and len(s["deployments"]) == 1 and
          s["events"] and s["events"][0]["message"] == f"(service {name}) has reached a steady state.")
    return s if ok else None


def test_create_run_replace(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster) as a, AutoAgent(server, cluster) as b:
        name = unique("web")
        t0 = time.time()
        s = ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=3)["service"]
        assert s["serviceArn"] == f"{SVC_ARN}{cluster}/{name}" and s["serviceName"] == name
        assert (s["status"], s["desiredCount"], s["runningCount"], s["pendingCount"]) == ("ACTIVE", 3, 0, 0)
        assert s["clusterArn"].endswith(":cluster/" + cluster) and s["events"] == [] and s["loadBalancers"] == []
        assert s["deploymentConfiguration"] == {"maximumPercent": 200, "minimumHealthyPercent": 100,
                                                "deploymentCircuitBreaker": {"enable": False, "rollback": False},
                                                "strategy": "ROLLING", "bakeTimeInMinutes": 0}
        [d] = s["deployments"]
        assert re.fullmatch(r"ecs-svc/\d{19}", d["id"]) and d["status"] == "PRIMARY"
        assert d["taskDefinition"] == s["taskDefinition"] and s["taskDefinition"].endswith(f"/{family}:1")
        assert (d["desiredCount"], d["pendingCount"], d["runningCount"]) == (3, 0, 0)
        created_ms = 9223372036854775807 - int(d["id"][8:])
        assert abs(created_ms / 1000 - d["createdAt"].timestamp()) < 0.002
        s = wait_for(lambda: steady(ecs, cluster, name, 3), what="3 RUNNING and steady")
        assert time.time() - t0 < 5, "the scheduler starts tasks within a second or two"
        tasks = tasks_of(ecs, cluster, name)
        assert len(tasks) == 3 and all(t["lastStatus"] == "RUNNING" for t in tasks)
        assert {t["startedBy"] for t in tasks} == {d["id"]} and {t["group"] for t in tasks} == {"service:" + name}
        started = [m for m in messages(s) if "has started" in m]
        ids = sorted(t["taskArn"].rsplit("/", 1)[1] for t in tasks)
        assert started == [f"(service {name}) has started 3 tasks: " +
                           " ".join(f"(task {i})" for i in re.findall(r"\(task ([0-9a-f-]+)\)", started[0])) + "."]
        assert sorted(re.findall(r"\(task ([0-9a-f-]+)\)", started[0])) == ids
        assert s["events"][0]["createdAt"] >= s["events"][-1]["createdAt"], "newest first"
        assert s["deployments"][0]["runningCount"] == 3
        assert ecs.describe_clusters(clusters=[cluster])["clusters"][0]["activeServicesCount"] == 1
        assert ecs.list_tasks(cluster=cluster, startedBy=d["id"])["taskArns"]
        # a container dies: the task stops and a replacement takes its place
        victim = tasks[0]["taskArn"]
        (a if victim in a.started else b).crash(victim)
        s = wait_for(lambda: steady(ecs, cluster, name, 3) if victim not in
                     [t["taskArn"] for t in tasks_of(ecs, cluster, name)] else None, what="a replacement")
        assert any(m.startswith(f"(service {name}) has started 1 tasks: (task ") for m in messages(s))
        dead = ecs.describe_tasks(cluster=cluster, tasks=[victim])["tasks"][0]
        assert dead["lastStatus"] == "STOPPED" and dead["stoppedReason"] == "Essential container in task exited"
        assert dead["stopCode"] == "EssentialContainerExited", dead
        assert messages(s).count(f"(service {name}) has reached a steady state.") == 2
        running = [t for t in tasks_of(ecs, cluster, name) if t["lastStatus"] == "RUNNING"]
        assert s["runningCount"] == len(running) == 3, "counts are the tasks'"
        ecs.update_service(cluster=cluster, service=name, desiredCount=0)
        wait_for(lambda: steady(ecs, cluster, name, 0), what="scaled to 0")
        ecs.delete_service(cluster=cluster, service=name)


def test_rolling_update_never_below_minimum(server):
    """100/200: new tasks first, old ones stopped only once new ones RUN;
    `aws ecs wait services-stable` returns when the rollout is done."""
    ecs, cluster, family = setup(server)
    # new tasks take a while to start, so the waiter's first look sees the rollout under way
    with AutoAgent(server, cluster, start_delay=1.5) as a, AutoAgent(server, cluster, start_delay=1.5) as b:
        name = unique("roll")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=3)
        old = wait_for(lambda: steady(ecs, cluster, name, 3), what="v1 steady")["deployments"][0]
        td2 = ecs.register_task_definition(family=family, containerDefinitions=TD)["taskDefinition"]
        low, samples, done = [99], [0], threading.Event()

        def sample():  # runningCount is counted in one transaction: a consistent moment
            c = server.client()
            while not done.is_set():
                low[0] = min(low[0], describe(c, cluster, name)["runningCount"])
                samples[0] += 1
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            s = ecs.update_service(cluster=cluster, service=name, taskDefinition=f"{family}:2")["service"]
            new, prev = s["deployments"]
            assert (new["status"], prev["status"], prev["id"]) == ("PRIMARY", "ACTIVE", old["id"])
            assert new["taskDefinition"] == td2["taskDefinitionArn"] == s["taskDefinition"]
            assert new["desiredCount"] == 0 and prev["desiredCount"] == 3 and new["id"] != old["id"]
            t0 = time.time()
            server.cli("wait", "services-stable", "--cluster", cluster, "--services", name)
            waited = time.time() - t0
        finally:
            done.set()
            sampler.join()
        assert samples[0] > 10 and low[0] >= 3, f"{low[0]} RUNNING at the lowest of {samples[0]} samples"
        assert waited < 60
        print(f"  aws ecs wait services-stable returned after {waited:.1f} s")
        s = steady(ecs, cluster, name, 3)
        assert s and [d["id"] for d in s["deployments"]] == [new["id"]] and s["deployments"][0]["desiredCount"] == 3
        tasks = tasks_of(ecs, cluster, name)
        assert len(tasks) == 3 and {t["taskDefinitionArn"] for t in tasks} == {td2["taskDefinitionArn"]}
        gone = tasks_of(ecs, cluster, name, desired="STOPPED")
        assert gone and {t["stoppedReason"] for t in gone if t["startedBy"] == old["id"]} == {
            f"Scaling activity initiated by (deployment {new['id']})"}
        assert {t["stopCode"] for t in gone if t["startedBy"] == old["id"]} == {"ServiceSchedulerInitiated"}
        assert any("has stopped" in m and "running tasks: (task " in m for m in messages(s))
        # desiredCount alone: no new deployment
        s = ecs.update_service(cluster=cluster, service=name, desiredCount=2)["service"]
        assert [d["id"] for d in s["deployments"]] == [new["id"]] and s["deployments"][0]["desiredCount"] == 2
        wait_for(lambda: steady(ecs, cluster, name, 2), what="scaled in to 2")
        assert a.errors + b.errors == 0


def test_desired_count_beyond_capacity(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster, memory=250) as a:  # room for 2 tasks of 100 MiB
        name = unique("big")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=4)
        msg = PLACE_MSG.format(s=name, i=a.id)
        s = wait_for(lambda: (lambda x: x if x["runningCount"] == 2 and msg in messages(x) else None)(
            describe(ecs, cluster, name)), what="2 running and the placement event")
        time.sleep(2.5)  # more passes: the same condition is not said again
        s = describe(ecs, cluster, name)
        assert messages(s).count(msg) == 1 and s["runningCount"] == 2 and s["desiredCount"] == 4
        with AutoAgent(server, cluster, memory=250):  # new capacity: the rest is placed
            wait_for(lambda: steady(ecs, cluster, name, 4), timeout=10, what="all 4 placed")
            ecs.delete_service(cluster=cluster, service=name, force=True)
            wait_for(lambda: describe(ecs, cluster, name)["status"] == "INACTIVE", what="INACTIVE")


def test_scale_to_zero_delete_and_reuse(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster, stop_delay=1.5):
        name = unique("del")
        arn = ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family,
                                 desiredCount=2)["service"]["serviceArn"]
        wait_for(lambda: steady(ecs, cluster, name, 2), what="2 running")
        expect_error(lambda: ecs.delete_service(cluster=cluster, service=name), "InvalidParameterException",
                     "The service cannot be stopped while it is scaled above 0.")
        ecs.update_service(cluster=cluster, service=name, desiredCount=0)
        s = ecs.delete_service(cluster=cluster, service=arn)["service"]
        assert s["status"] == "DRAINING" and s["desiredCount"] == 0
        assert arn not in ecs.list_services(cluster=cluster)["serviceArns"]
        assert ecs.describe_clusters(clusters=[cluster])["clusters"][0]["activeServicesCount"] == 0
        assert describe(ecs, cluster, name)["status"] == "DRAINING"
        expect_error(lambda: ecs.update_service(cluster=cluster, service=name, desiredCount=1),
                     "ServiceNotActiveException", "Service was not ACTIVE.")
        expect_error(lambda: ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family,
                                                desiredCount=1),
                     "InvalidParameterException", "Unable to Start a service that is still Draining.")
        s = wait_for(lambda: (lambda x: x if x["status"] == "INACTIVE" else None)(describe(ecs, cluster, name)),
                     what="INACTIVE")
        assert s["runningCount"] == 0 and not tasks_of(ecs, cluster, name)
        assert ecs.delete_service(cluster=cluster, service=name)["service"]["status"] == "INACTIVE"
        s2 = ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=1)["service"]
        assert s2["serviceArn"] == arn and s2["status"] == "ACTIVE" and s2["events"] == []
        assert wait_for(lambda: steady(ecs, cluster, name, 1), what="the name reused")
        # force: scaled to 0 and drained in one call
        s = ecs.delete_service(cluster=cluster, service=name, force=True)["service"]
        assert s["status"] == "DRAINING" and s["desiredCount"] == 0
        wait_for(lambda: describe(ecs, cluster, name)["status"] == "INACTIVE", what="INACTIVE after force")


def test_client_token_and_idempotency(server):
    ecs, cluster, family = setup(server)
    name = unique("tok")
    kw = dict(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=0)
    first = ecs.create_service(clientToken="tok-1", **kw)["service"]
    again = ecs.create_service(clientToken="tok-1", **kw)["service"]
    ids = lambda svc: [d["id"] for d in svc["deployments"]]  # noqa: E731 (their rollout moves on meanwhile)
    assert again["serviceArn"] == first["serviceArn"] and ids(again) == ids(first)
    assert again["createdAt"] == first["createdAt"]
    assert ids(ecs.create_service(**kw)["service"]) == ids(first)  # same parameters
    expect_error(lambda: ecs.create_service(clientToken="tok-1", **dict(kw, desiredCount=1)),
                 "InvalidParameterException", "Creation of service was not idempotent.")
    expect_error(lambda: ecs.create_service(**dict(kw, desiredCount=2)),
                 "InvalidParameterException", "Creation of service was not idempotent.")
    expect_error(lambda: ecs.create_service(clientToken="tok-1", **dict(kw, serviceName=unique("other"))),
                 "InvalidParameterException", "Creation of service was not idempotent.")
    expect_error(lambda: ecs.create_service(clientToken="t" * 37, **kw), "InvalidParameterException")
    assert ecs.delete_service(cluster=cluster, service=name)["service"]["status"] == "INACTIVE"
    # once INACTIVE, the token and the name are free again
    assert ecs.create_service(clientToken="tok-1", **kw)["service"]["status"] == "ACTIVE"
    ecs.delete_service(cluster=cluster, service=name)


def test_errors_by_name(server):
    ecs, cluster, family = setup(server)
    ok = dict(cluster=cluster, serviceName=unique("e"), taskDefinition=family, desiredCount=0)
    bad = lambda **kw: lambda: ecs.create_service(**dict(ok, **kw))  # noqa: E731
    expect_error(bad(serviceName="bad name!"), "InvalidParameterException", "Invalid service name.")
    expect_error(bad(desiredCount=-1), "InvalidParameterException")
    expect_error(lambda: ecs.create_service(cluster=cluster, serviceName="x", taskDefinition=family),
                 "InvalidParameterException")
    expect_error(bad(taskDefinition=unique("nofam")), "ClientException", "TaskDefinition not found.")
    ecs.register_task_definition(family=family, containerDefinitions=TD)
    ecs.deregister_task_definition(taskDefinition=f"{family}:2")
    expect_error(bad(taskDefinition=f"{family}:2"), "InvalidParameterException", "TaskDefinition is inactive")
    expect_error(bad(cluster=unique("nocluster")), "ClusterNotFoundException", "Cluster not found.")
    for dc in ({"minimumHealthyPercent": 101}, {"minimumHealthyPercent": -1}, {"maximumPercent": 99}):
        expect_error(bad(deploymentConfiguration=dc), "InvalidParameterException")
    lb = {"loadBalancerName": "elb", "containerName": "web", "containerPort": 80}
    expect_error(bad(loadBalancers=[lb]), "InvalidParameterException")  # no role
    expect_error(bad(loadBalancers=[dict(lb, containerPort=81)], role="svc-role"), "InvalidParameterException",
                 "The container web did not have a container port 81 defined.")
    expect_error(bad(loadBalancers=[lb, lb], role="svc-role"), "InvalidParameterException",
                 "load balancers can have at most 1 items.")
    s = ecs.create_service(**dict(ok, loadBalancers=[lb], role="svc-role",
                                  deploymentConfiguration={"minimumHealthyPercent": 50}))["service"]
    assert s["loadBalancers"] == [lb] and s["roleArn"] == f"arn:aws:iam::{ACCOUNT}:role/svc-role"
    assert {k: s["deploymentConfiguration"][k] for k in ("maximumPercent", "minimumHealthyPercent")} == {
        "maximumPercent": 200, "minimumHealthyPercent": 50}
    nope = unique("nope")
    for call in (lambda: ecs.update_service(cluster=cluster, service=nope, desiredCount=1),
                 lambda: ecs.delete_service(cluster=cluster, service=nope),
                 lambda: ecs.list_tasks(cluster=cluster, serviceName=nope)):
        expect_error(call, "ServiceNotFoundException", "Service not found.")
    expect_error(lambda: ecs.update_service(cluster=cluster, service=ok["serviceName"], desiredCount=-1),
                 "InvalidParameterException")
    expect_error(lambda: ecs.update_service(cluster=cluster, service=ok["serviceName"], taskDefinition=f"{family}:2"),
                 "InvalidParameterException", "TaskDefinition is inactive")
    # the short ARN format is accepted as well as the long one
    r = ecs.describe_services(cluster=cluster, services=[nope, SVC_ARN + ok["serviceName"]])
    assert r["failures"] == [{"arn": f"{SVC_ARN}{cluster}/{nope}", "reason": "MISSING"}] and len(r["services"]) == 1
    expect_error(lambda: ecs.describe_services(cluster=cluster, services=["a"] * 11), "InvalidParameterException",
                 "services can have at most 10 items.")
    expect_error(lambda: ecs.describe_services(cluster=cluster, services=[]), "InvalidParameterException")
    # a cluster with an ACTIVE service cannot be deleted; once INACTIVE it can
    expect_error(lambda: ecs.delete_cluster(cluster=cluster), "ClusterContainsServicesException",
                 "The Cluster cannot be deleted while Services are active.")
    ecs.delete_service(cluster=cluster, service=ok["serviceName"])
    assert ecs.delete_cluster(cluster=cluster)["cluster"]["status"] == "INACTIVE"
    expect_error(lambda: ecs.list_services(cluster=cluster), "ClusterNotFoundException",
                 "The referenced cluster was inactive.")


def test_list_services_pages_active_only(server):
    ecs, cluster, family = setup(server)
    names = sorted(unique(f"l{i}") for i in range(5))
    for n in names:
        ecs.create_service(cluster=cluster, serviceName=n, taskDefinition=family, desiredCount=0)
    ecs.delete_service(cluster=cluster, service=names[1])
    seen, token = [], None
    while True:
        r = ecs.list_services(cluster=cluster, maxResults=2, **({"nextToken": token} if token else {}))
        assert len(r["serviceArns"]) <= 2
        seen += r["serviceArns"]
        token = r.get("nextToken")
        if not token:
            break
    assert seen == [f"{SVC_ARN}{cluster}/{n}" for n in names if n != names[1]]
    assert server.cli("list-services", "--cluster", cluster, "--page-size", "1")["serviceArns"] == seen
    expect_error(lambda: ecs.list_services(cluster=cluster, maxResults=101), "InvalidParameterException")


def test_launch_failures_are_throttled(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster, fail_starts=True):
        name = unique("crash")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=1)
        msg = f"(service {name}) is unable to consistently start tasks successfully."
        wait_for(lambda: msg in messages(describe(ecs, cluster, name)), what="the throttle event")
        t0 = time.time()
        time.sleep(8)
        tries = lambda: len(ecs.list_tasks(cluster=cluster, serviceName=name,  # noqa: E731
                                           desiredStatus="STOPPED")["taskArns"])
        n = tries()
        assert 3 <= n <= 6, f"{n} launches in {time.time() - t0:.0f} s: the delay grows, no hot loop"
        assert messages(describe(ecs, cluster, name)).count(msg) == 1
        ecs.delete_service(cluster=cluster, service=name, force=True)


def test_restart_mid_rollout(server):
    """The server is killed (-9) in the middle of a rollout; restarted on the
    same data, its scheduler carries on and completes the rollout."""
    own = Server(extra_args=["--scheduler-tick", "500"]).start()
    try:
        ecs, cluster, family = setup(own)
        with AutoAgent(own, cluster, start_delay=1.0) as a, AutoAgent(own, cluster, start_delay=1.0) as b:
            name = unique("rs")
            ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=4)
            wait_for(lambda: steady(ecs, cluster, name, 4), timeout=30, what="v1 steady")
            ecs.register_task_definition(family=family, containerDefinitions=TD)
            new = ecs.update_service(cluster=cluster, service=name, taskDefinition=f"{family}:2")["service"]
            new_id = new["deployments"][0]["id"]
            wait_for(lambda: any(t["startedBy"] == new_id and t["lastStatus"] == "RUNNING"
                                 for t in tasks_of(ecs, cluster, name)), what="the rollout under way")
            assert len(describe(ecs, cluster, name)["deployments"]) == 2, "killed mid-rollout"
            port = own.port
            own.kill9()
            time.sleep(0.5)
            own.start(port=port)
            ecs = own.client()
            s = wait_for(lambda: steady(ecs, cluster, name, 4), timeout=40, what="the rollout completed")
            assert [d["id"] for d in s["deployments"]] == [new_id]
            assert {t["startedBy"] for t in tasks_of(ecs, cluster, name)} == {new_id}
            assert "runs the service scheduler" in own.read_log()
    finally:
        rc = own.stop()
        own.cleanup()
    assert rc == 0


def test_agent_docker_services_kill_and_roll(server):
    """Real agent, real containers: 3 RUNNING and steady; `docker kill` of
    one container: its task stops and is replaced; a 100/200 rollout never
    has fewer than 3 RUNNING and ends with 3 containers of revision 2;
    deleted with force: DRAINING, then INACTIVE with no container left."""
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("dsvc"))["cluster"]["clusterName"]
    agent = ah.Agent(server, cluster, ["--stop-timeout", "2"]).start()
    try:
        family = unique("dapp")
        cd = lambda v: [{"name": "app", "image": ah.LOCAL_IMAGE, "memory": 32,  # noqa: E731
                         "environment": [{"name": "V", "value": v}],
                         "command": ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]}]
        ecs.register_task_definition(family=family, containerDefinitions=cd("1"))
        name = unique("web")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=3)
        wait_for(lambda: steady(ecs, cluster, name, 3), timeout=60, what="3 containers RUNNING")
        running = lambda: ah.containers(f"com.amazonaws.ecs.cluster={cluster}", all_=False)  # noqa: E731
        assert len(running()) == 3
        victim = tasks_of(ecs, cluster, name)[0]["taskArn"]
        [cid] = ah.containers(f"com.amazonaws.ecs.task-arn={victim}", all_=False)
        ah.docker("kill", cid)
        s = wait_for(lambda: steady(ecs, cluster, name, 3) if victim not in
                     [t["taskArn"] for t in tasks_of(ecs, cluster, name)] else None, timeout=60,
                     what="the killed task replaced")
        dead = ecs.describe_tasks(cluster=cluster, tasks=[victim])["tasks"][0]
        assert dead["lastStatus"] == "STOPPED" and dead["containers"][0]["exitCode"] == 137, dead
        assert dead["stoppedReason"] == "Essential container in task exited"
        assert any(m.startswith(f"(service {name}) has started 1 tasks: ") for m in messages(s))
        assert len(running()) == 3
        ecs.register_task_definition(family=family, containerDefinitions=cd("2"))
        low, done = [99], threading.Event()

        def sample():
            c = server.client()
            while not done.is_set():
                low[0] = min(low[0], describe(c, cluster, name)["runningCount"])
                time.sleep(0.05)
        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            new_id = ecs.update_service(cluster=cluster, service=name,
                                        taskDefinition=f"{family}:2")["service"]["deployments"][0]["id"]
            s = wait_for(lambda: steady(ecs, cluster, name, 3), timeout=90, what="the rollout done")
        finally:
            done.set()
            sampler.join()
        assert low[0] >= 3, f"{low[0]} RUNNING at the lowest"
        assert [d["id"] for d in s["deployments"]] == [new_id]
        ids = running()
        assert len(ids) == 3 and {ah.inspect(i)["Config"]["Labels"]["com.amazonaws.ecs.task-definition-version"]
                                  for i in ids} == {"2"}
        assert ecs.delete_service(cluster=cluster, service=name, force=True)["service"]["status"] == "DRAINING"
        wait_for(lambda: describe(ecs, cluster, name)["status"] == "INACTIVE", timeout=60, what="INACTIVE")
        assert running() == []
    finally:
        rc = agent.stop()
        log = agent.read_log()
        ah.remove_cluster_containers(cluster)
        agent.cleanup()
    assert rc == 0, log[-4000:]


def test_agent_docker_services_beyond_capacity(server):
    """Real agent: a desired count that does not fit its memory: the tasks
    that fit run as containers, and the event names the memory and the
    instance; the count shown is the containers'."""
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("dcap"))["cluster"]["clusterName"]
    agent = ah.Agent(server, cluster, ["--stop-timeout", "2"]).start()
    try:
        inst = ecs.describe_container_instances(cluster=cluster, containerInstances=[
            agent.metadata()["ContainerInstanceArn"]])["containerInstances"][0]
        mem = next(r["integerValue"] for r in inst["registeredResources"] if r["name"] == "MEMORY")
        family = unique("dbig")  # two fit, the third does not
        ecs.register_task_definition(family=family, containerDefinitions=[
            {"name": "app", "image": ah.LOCAL_IMAGE, "memory": mem // 2 - 1,
             "command": ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]}])
        name = unique("big")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=3)
        msg = PLACE_MSG.format(s=name, i=inst["containerInstanceArn"].rsplit("/", 1)[1])
        s = wait_for(lambda: (lambda x: x if x["runningCount"] == 2 and msg in messages(x) else None)(
            describe(ecs, cluster, name)), timeout=60, what="2 running and the placement event")
        assert len(ah.containers(f"com.amazonaws.ecs.cluster={cluster}", all_=False)) == 2
        assert s["desiredCount"] == 3 and messages(s).count(msg) == 1
        ecs.delete_service(cluster=cluster, service=name, force=True)
        wait_for(lambda: describe(ecs, cluster, name)["status"] == "INACTIVE", timeout=60, what="INACTIVE")
    finally:
        rc = agent.stop()
        log = agent.read_log()
        ah.remove_cluster_containers(cluster)
        agent.cleanup()
    assert rc == 0, log[-4000:]


if not ah.enabled():
    # Not in the container stage: the tests that need Docker are not offered
    # (as in test_agent_docker.py).
    for _name in [n for n in list(globals()) if n.startswith("test_agent_docker_")]:
        del globals()[_name]
