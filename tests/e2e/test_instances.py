"""Container instances (issue 3, point 1; ecs-behavior.md §4.10-4.13, §5.5,
Appendix G 23-24): registration, re-attach, deregistration (forced or not),
DescribeContainerInstances / ListContainerInstances, and a restart of the
server (SIGTERM, then kill -9) losing nothing acknowledged."""
from fake_agent import RESERVED_TCP, FakeAgent, own_server, resources, unique
from harness import ACCOUNT, REGION, expect_error

CI_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:container-instance/"
FORCED = "Container instance deregistration forced by user"


def setup(server, **td):
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("ci"))["cluster"]["clusterName"]
    family = unique("fam")
    c = {"name": "web", "image": "nginx", "cpu": td.get("cpu", 100), "memory": td.get("memory", 200),
         "portMappings": [{"containerPort": 80, "hostPort": td.get("port", 8080)}]}
    ecs.register_task_definition(family=family, containerDefinitions=[c])
    return ecs, cluster, family


def cluster_counts(ecs, cluster):
    c = ecs.describe_clusters(clusters=[cluster])["clusters"][0]
    return c["registeredContainerInstancesCount"], c["pendingTasksCount"], c["runningTasksCount"]


def test_register_new_instance(server):
    ecs, cluster, _ = setup(server)
    a = FakeAgent(server, cluster, cpu=2048, memory=3768, ports_udp=("161",), instance_id="i-807f3249").register()
    ci = a.registered
    assert ci["containerInstanceArn"].startswith(CI_ARN), ci["containerInstanceArn"]
    assert ci["ec2InstanceId"] == "i-807f3249"
    assert ci["status"] == "ACTIVE" and ci["agentConnected"] is True
    assert ci["runningTasksCount"] == 0 and ci["pendingTasksCount"] == 0
    assert ci["versionInfo"] == {"agentVersion": "1.5.0", "agentHash": "fakeagt",
                                 "dockerVersion": "DockerVersion: 1.7.1"}
    want = {"CPU": 2048, "MEMORY": 3768, "PORTS": set(RESERVED_TCP), "PORTS_UDP": {"161"}}
    assert resources(ci["registeredResources"]) == want
    assert resources(ci["remainingResources"]) == want
    for r in ci["registeredResources"]:
        assert r["type"] == ("STRINGSET" if r["name"].startswith("PORTS") else "INTEGER"), r
    assert cluster_counts(ecs, cluster) == (1, 0, 0)
    # no identity document: an id is made up, and each registration is a new instance
    b = FakeAgent(server, cluster).register()
    assert b.registered["ec2InstanceId"].startswith("i-") and b.arn != a.arn
    assert sorted(ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]) == sorted([a.arn, b.arn])
    assert cluster_counts(ecs, cluster) == (2, 0, 0)


def test_reattach_keeps_arn_and_refreshes_resources(server):
    ecs, cluster, family = setup(server, cpu=100, memory=200, port=8080)
    a = FakeAgent(server, cluster, cpu=1024, memory=1000).register()
    task = ecs.run_task(cluster=cluster, taskDefinition=family)["tasks"][0]
    assert task["containerInstanceArn"] == a.arn
    # the agent restarts with more memory, a new reserved port, a new version
    again = FakeAgent(server, cluster, cpu=2048, memory=4000, ports=RESERVED_TCP + ("51679",))
    again.register(reattach=a.arn)
    ci = again.registered
    assert ci["containerInstanceArn"] == a.arn
    assert resources(ci["registeredResources"]) == {"CPU": 2048, "MEMORY": 4000,
                                                    "PORTS": set(RESERVED_TCP) | {"51679"}, "PORTS_UDP": set()}
    assert resources(ci["remainingResources"]) == {"CPU": 1948, "MEMORY": 3800,
                                                   "PORTS": set(RESERVED_TCP) | {"51679", "8080"},
                                                   "PORTS_UDP": set()}
    assert ci["pendingTasksCount"] == 1
    assert ecs.list_container_instances(cluster=cluster)["containerInstanceArns"] == [a.arn]
    assert cluster_counts(ecs, cluster) == (1, 1, 0)
    # placement follows the new totals: shrink, then grow again
    ecs.register_task_definition(family=family + "m", containerDefinitions=[
        {"name": "m", "image": "x", "memory": 300}])
    again.register(reattach=a.arn, memory=400)
    r = ecs.run_task(cluster=cluster, taskDefinition=family + "m")
    assert r["tasks"] == [] and r["failures"] == [{"arn": a.arn, "reason": "RESOURCE:MEMORY"}]
    again.register(reattach=a.arn, memory=4000)
    assert ecs.run_task(cluster=cluster, taskDefinition=family + "m")["tasks"][0]["containerInstanceArn"] == a.arn
    # releasing the tasks gives back exactly the new totals
    for t in ecs.list_tasks(cluster=cluster)["taskArns"]:
        a.stop_task(t)
    assert a.remaining() == resources(again.describe()["registeredResources"])


def test_reattach_refused_for_inactive_or_unknown_instance(server):
    ecs, cluster, _ = setup(server)
    a = FakeAgent(server, cluster).register()
    ecs.deregister_container_instance(cluster=cluster, containerInstance=a.arn)
    for arn in (a.arn, CI_ARN + "00000000-0000-4000-8000-000000000000"):
        resp = expect_error(lambda: FakeAgent(server, cluster).register(reattach=arn), "ClientException")
        assert arn in resp["Error"]["Message"], resp["Error"]
    assert ecs.list_container_instances(cluster=cluster)["containerInstanceArns"] == []
    assert a.describe()["status"] == "INACTIVE"
    # an ARN of another cluster does not re-attach there either
    other = ecs.create_cluster(clusterName=unique("other"))["cluster"]["clusterName"]
    b = FakeAgent(server, other).register()
    expect_error(lambda: FakeAgent(server, cluster).register(reattach=b.arn), "ClientException")
    assert ecs.list_container_instances(cluster=cluster)["containerInstanceArns"] == []


def test_deregister_refused_with_tasks_then_forced(server):
    ecs, cluster, family = setup(server, cpu=100, memory=200, port=8080)
    a = FakeAgent(server, cluster, cpu=1024, memory=1000).register()
    pending = ecs.run_task(cluster=cluster, taskDefinition=family, startedBy="me")["tasks"][0]["taskArn"]
    expect_error(lambda: ecs.deregister_container_instance(cluster=cluster, containerInstance=a.arn),
                 "InvalidParameterException", "Found running tasks on the instance.")
    expect_error(lambda: ecs.deregister_container_instance(cluster=cluster, containerInstance=a.arn, force=False),
                 "InvalidParameterException", "Found running tasks on the instance.")
    assert a.describe()["status"] == "ACTIVE"
    ecs.register_task_definition(family=family + "b", containerDefinitions=[{"name": "b", "image": "x", "memory": 10}])
    running = ecs.run_task(cluster=cluster, taskDefinition=family + "b")["tasks"][0]["taskArn"]
    a.start_task(running)
    assert cluster_counts(ecs, cluster) == (1, 1, 1)

    ci = ecs.deregister_container_instance(cluster=cluster, containerInstance=a.arn, force=True)["containerInstance"]
    assert ci["status"] == "INACTIVE" and ci["containerInstanceArn"] == a.arn
    for t in ecs.describe_tasks(cluster=cluster, tasks=[pending, running])["tasks"]:
        assert (t["lastStatus"], t["desiredStatus"], t["stoppedReason"]) == ("STOPPED", "STOPPED", FORCED), t
        assert "stoppedAt" in t
    # still describable, resources all given back, not listed, no longer counted
    d = a.describe()
    assert d["status"] == "INACTIVE" and d["runningTasksCount"] == 0 and d["pendingTasksCount"] == 0
    assert d["agentConnected"] is False
    assert resources(d["remainingResources"]) == resources(d["registeredResources"])
    assert ecs.list_container_instances(cluster=cluster)["containerInstanceArns"] == []
    assert cluster_counts(ecs, cluster) == (0, 0, 0)
    assert ecs.list_tasks(cluster=cluster)["taskArns"] == []
    assert sorted(ecs.list_tasks(cluster=cluster, desiredStatus="STOPPED")["taskArns"]) == sorted([pending, running])
    # never placed on again
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=family), "InvalidParameterException",
                 "No Container Instances were found in your cluster.")
    b = FakeAgent(server, cluster, cpu=50, memory=1000).register()
    r = ecs.run_task(cluster=cluster, taskDefinition=family, count=3)
    assert r["tasks"] == [] and [f["arn"] for f in r["failures"]] == [b.arn] * 3, r["failures"]
    # deregistering it again answers the INACTIVE instance
    again = ecs.deregister_container_instance(cluster=cluster, containerInstance=a.arn)["containerInstance"]
    assert again["status"] == "INACTIVE"


def test_deregister_idle_instance_and_unknown(server):
    ecs, cluster, family = setup(server)
    a = FakeAgent(server, cluster).register()
    task = ecs.run_task(cluster=cluster, taskDefinition=family)["tasks"][0]["taskArn"]
    a.start_task(task)
    a.stop_task(task)  # a STOPPED task does not hold the instance
    ci = ecs.deregister_container_instance(cluster=cluster, containerInstance=a.arn.split("/")[-1])
    assert ci["containerInstance"]["status"] == "INACTIVE"
    assert cluster_counts(ecs, cluster) == (0, 0, 0)
    expect_error(lambda: ecs.deregister_container_instance(
        cluster=cluster, containerInstance="00000000-0000-4000-8000-000000000000"), "ClientException")
    expect_error(lambda: ecs.deregister_container_instance(cluster=unique("nope"), containerInstance=a.arn),
                 "ClusterNotFoundException", "Cluster not found.")


def test_describe_container_instances_errors(server):
    ecs, cluster, _ = setup(server)
    a = FakeAgent(server, cluster).register()
    expect_error(lambda: ecs.describe_container_instances(cluster=cluster, containerInstances=[]),
                 "ClientException", "Container Instances cannot be empty.")
    expect_error(lambda: ecs.describe_container_instances(cluster=cluster, containerInstances=[a.arn] * 101),
                 "InvalidParameterException", "instanceIds can have at most 100 items.")
    unknown = "0123abcd-0000-4000-8000-000000000000"
    r = ecs.describe_container_instances(cluster=cluster, containerInstances=[unknown, a.arn.split("/")[-1]])
    assert r["failures"] == [{"arn": CI_ARN + unknown, "reason": "MISSING"}]
    assert [c["containerInstanceArn"] for c in r["containerInstances"]] == [a.arn]
    # 100 is allowed; an instance of another cluster is MISSING here
    other = ecs.create_cluster(clusterName=unique("other"))["cluster"]["clusterName"]
    r = ecs.describe_container_instances(cluster=other, containerInstances=[a.arn] * 100)
    assert r["containerInstances"] == [] and len(r["failures"]) == 100
    assert r["failures"][0] == {"arn": a.arn, "reason": "MISSING"}
    expect_error(lambda: ecs.describe_container_instances(cluster=unique("nope"), containerInstances=[a.arn]),
                 "ClusterNotFoundException", "Cluster not found.")


def test_list_container_instances_pagination(server):
    ecs, cluster, _ = setup(server)
    arns = [FakeAgent(server, cluster).register().arn for _ in range(5)]
    pages, token = [], None
    while True:
        r = ecs.list_container_instances(cluster=cluster, maxResults=2, **({"nextToken": token} if token else {}))
        pages.append(r["containerInstanceArns"])
        token = r.get("nextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [2, 2, 1], pages
    assert sorted(sum(pages, [])) == sorted(arns)
    ecs.deregister_container_instance(cluster=cluster, containerInstance=arns[0])
    assert sorted(ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]) == sorted(arns[1:])
    # the paginator of boto3 walks it too
    got = [a for p in ecs.get_paginator("list_container_instances").paginate(
        cluster=cluster, PaginationConfig={"PageSize": 3}) for a in p["containerInstanceArns"]]
    assert sorted(got) == sorted(arns[1:])


def test_cli_describe_and_list_container_instances(server):
    _, cluster, _ = setup(server)
    a = FakeAgent(server, cluster, cpu=512, memory=900).register()
    arns = server.cli("list-container-instances", "--cluster", cluster)["containerInstanceArns"]
    assert arns == [a.arn]
    out = server.cli("describe-container-instances", "--cluster", cluster, "--container-instances",
                     a.arn, "11111111-2222-4333-8444-555555555555")
    assert [c["containerInstanceArn"] for c in out["containerInstances"]] == [a.arn]
    assert resources(out["containerInstances"][0]["remainingResources"])["MEMORY"] == 900
    assert out["failures"] == [{"arn": CI_ARN + "11111111-2222-4333-8444-555555555555", "reason": "MISSING"}]
    p = server.cli("describe-container-instances", "--cluster", cluster, "--container-instances", check=False)
    assert p.returncode != 0


def restart_keeps_everything(kill):
    with own_server() as s:
        ecs, cluster, family = setup(s, cpu=100, memory=200, port=8080)
        a = FakeAgent(s, cluster, cpu=1024, memory=1000).register()
        gone = FakeAgent(s, cluster).register()
        ecs.deregister_container_instance(cluster=cluster, containerInstance=gone.arn)
        tasks = [t["taskArn"] for t in ecs.start_task(cluster=cluster, taskDefinition=family,
                                                       containerInstances=[a.arn])["tasks"]]
        ecs.register_task_definition(family="dyn", containerDefinitions=[
            {"name": "d", "image": "x", "cpu": 10, "memory": 100, "portMappings": [{"containerPort": 9000}]}])
        dyn = [ecs.start_task(cluster=cluster, taskDefinition="dyn", containerInstances=[a.arn])["tasks"][0]["taskArn"]
               for _ in range(3)]
        a.start_task(dyn[0], bindings={"d": [{"containerPort": 9000, "hostPort": 49200, "bindIP": "0.0.0.0"}]})
        a.start_task(dyn[1])
        a.stop_task(dyn[1])
        ecs.stop_task(cluster=cluster, task=dyn[2], reason="enough")
        before = {"inst": a.describe(), "gone": gone.describe(),
                  "tasks": ecs.describe_tasks(cluster=cluster, tasks=tasks + dyn)["tasks"],
                  "cluster": ecs.describe_clusters(clusters=[cluster])["clusters"][0],
                  "listed": sorted(ecs.list_tasks(cluster=cluster)["taskArns"])}
        assert resources(before["inst"]["remainingResources"]) == {
            "CPU": 1024 - 100 - 20, "MEMORY": 1000 - 200 - 200,
            "PORTS": set(RESERVED_TCP) | {"8080", "49200"}, "PORTS_UDP": set()}
        assert (s.kill9() if kill else s.stop()) == (-9 if kill else 0)
        s.start()
        ecs = s.client()
        a.ecs = gone.ecs = s.client()
        a.endpoint = None  # the server listens on a new port: discover again
        after = {"inst": a.describe(), "gone": gone.describe(),
                 "tasks": ecs.describe_tasks(cluster=cluster, tasks=tasks + dyn)["tasks"],
                 "cluster": ecs.describe_clusters(clusters=[cluster])["clusters"][0],
                 "listed": sorted(ecs.list_tasks(cluster=cluster)["taskArns"])}
        assert after == before
        assert sorted(a.tasks()) == sorted(tasks + [dyn[0], dyn[2]])
        # the reservations still hold: port 8080 is taken, memory is short
        r = ecs.run_task(cluster=cluster, taskDefinition=family)
        assert r["tasks"] == [] and r["failures"] == [{"arn": a.arn, "reason": "RESOURCE:PORTS"}]


def test_restart_loses_nothing(server):
    restart_keeps_everything(kill=False)


def test_kill9_loses_nothing_acknowledged(server):
    restart_keeps_everything(kill=True)
