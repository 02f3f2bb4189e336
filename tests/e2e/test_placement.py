"""Placement and resource accounting (issue 3, points 2-3; ecs-behavior.md
§4.14, §6, Appendix G 15-18): failure reasons and the closest instance,
remainingResources and counters before / during / after tasks, and
concurrent RunTask calls that must never over-commit an instance."""
import collections
import threading

from fake_agent import RESERVED_TCP, FakeAgent, resources, unique
from harness import expect_error


def new_cluster(ecs):
    return ecs.create_cluster(clusterName=unique("place"))["cluster"]["clusterName"]


def new_td(ecs, cpu=0, memory=100, ports=(), **extra):
    """One container; ports are (containerPort, hostPort, protocol)."""
    family = unique("fam")
    c = {"name": "app", "image": "x", "cpu": cpu, "memory": memory,
         "portMappings": [{"containerPort": cp, "hostPort": hp, "protocol": proto} for cp, hp, proto in ports]}
    ecs.register_task_definition(family=family, containerDefinitions=[dict(c, **extra)])
    return family


def test_failure_reasons_and_closest_instance(server):
    ecs = server.client()
    cluster = new_cluster(ecs)
    a = FakeAgent(server, cluster, cpu=100, memory=4000).register()   # too little CPU
    b = FakeAgent(server, cluster, cpu=4000, memory=100).register()   # CPU ok, too little memory
    big = new_td(ecs, cpu=500, memory=500)
    r = ecs.run_task(cluster=cluster, taskDefinition=big, count=2)
    # memory is checked after CPU: b is the closest match, for both tasks
    assert r["tasks"] == []
    assert r["failures"] == [{"arn": b.arn, "reason": "RESOURCE:MEMORY"}] * 2
    c = FakeAgent(server, cluster, cpu=4000, memory=4000, ports=RESERVED_TCP + ("80",),
                  ports_udp=("53",)).register()
    # CPU only: every instance but a fits; a task needing more CPU than any has fails on CPU
    r = ecs.run_task(cluster=cluster, taskDefinition=new_td(ecs, cpu=5000, memory=10))
    assert r["tasks"] == [] and r["failures"][0]["reason"] == "RESOURCE:CPU"
    assert r["failures"][0]["arn"] in (a.arn, b.arn, c.arn)
    # a reserved TCP port of the agent is taken: c fails on PORTS, which is closer than b's MEMORY
    r = ecs.run_task(cluster=cluster, taskDefinition=new_td(ecs, cpu=500, memory=500, ports=[(80, 80, "tcp")]))
    assert r["failures"] == [{"arn": c.arn, "reason": "RESOURCE:PORTS"}] and r["tasks"] == []
    r = ecs.run_task(cluster=cluster, taskDefinition=new_td(ecs, cpu=500, memory=500, ports=[(53, 53, "udp")]))
    assert r["failures"] == [{"arn": c.arn, "reason": "RESOURCE:PORTS_UDP"}] and r["tasks"] == []
    # the same port number in the other protocol is free
    r = ecs.run_task(cluster=cluster, taskDefinition=new_td(ecs, cpu=500, memory=500, ports=[(53, 53, "tcp")]))
    assert r["failures"] == [] and r["tasks"][0]["containerInstanceArn"] == c.arn


def test_taken_host_port_places_one_of_two(server):
    """Appendix E step 4: one instance, static port 80, count 2: 1 task, 1 failure."""
    ecs = server.client()
    cluster = new_cluster(ecs)
    a = FakeAgent(server, cluster, cpu=2048, memory=3768).register()
    for proto, reason in (("tcp", "RESOURCE:PORTS"), ("udp", "RESOURCE:PORTS_UDP")):
        fam = new_td(ecs, cpu=100, memory=100, ports=[(80, 8000, proto)])
        r = ecs.run_task(cluster=cluster, taskDefinition=fam, count=2)
        assert len(r["tasks"]) == 1 and r["tasks"][0]["containerInstanceArn"] == a.arn
        assert r["failures"] == [{"arn": a.arn, "reason": reason}]
        r = ecs.run_task(cluster=cluster, taskDefinition=fam)
        assert r["tasks"] == [] and r["failures"] == [{"arn": a.arn, "reason": reason}]
    # every static port of a task is reserved
    fam = new_td(ecs, memory=10, ports=[(80, 9001, "tcp"), (81, 9002, "tcp")])
    assert len(ecs.run_task(cluster=cluster, taskDefinition=fam)["tasks"]) == 1
    assert {"8000", "9001", "9002"} <= a.remaining()["PORTS"]
    assert a.remaining()["PORTS_UDP"] == {"8000"}


def test_cluster_with_only_inactive_instances(server):
    ecs = server.client()
    cluster = new_cluster(ecs)
    a = FakeAgent(server, cluster).register()
    ecs.deregister_container_instance(cluster=cluster, containerInstance=a.arn)
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=new_td(ecs)), "InvalidParameterException",
                 "No Container Instances were found in your cluster.")


def test_resource_accounting_through_a_task_life(server):
    ecs = server.client()
    cluster = new_cluster(ecs)
    a = FakeAgent(server, cluster, cpu=2048, memory=3768, ports_udp=("5000",)).register()
    b = FakeAgent(server, cluster, cpu=10, memory=10).register()  # never fits: all goes to a
    fam = unique("acct")
    ecs.register_task_definition(family=fam, containerDefinitions=[
        {"name": "web", "image": "nginx", "cpu": 100, "memory": 100,
         "portMappings": [{"containerPort": 80, "hostPort": 80}, {"containerPort": 8080}]},
        {"name": "dns", "image": "dns", "cpu": 28, "memory": 156,
         "portMappings": [{"containerPort": 53, "hostPort": 5353, "protocol": "udp"}]}])
    before = a.describe()
    registered = resources(before["registeredResources"])
    assert resources(before["remainingResources"]) == registered

    def cluster_counts():
        c = ecs.describe_clusters(clusters=[cluster])["clusters"][0]
        return c["registeredContainerInstancesCount"], c["pendingTasksCount"], c["runningTasksCount"]
    assert cluster_counts() == (2, 0, 0)

    task = ecs.run_task(cluster=cluster, taskDefinition=fam)["tasks"][0]["taskArn"]
    held = {"CPU": 2048 - 128, "MEMORY": 3768 - 256, "PORTS": set(RESERVED_TCP) | {"80"},
            "PORTS_UDP": {"5000", "5353"}}
    d = a.describe()
    assert resources(d["remainingResources"]) == held
    assert resources(d["registeredResources"]) == registered
    assert (d["pendingTasksCount"], d["runningTasksCount"]) == (1, 0)
    assert cluster_counts() == (2, 1, 0)
    assert resources(b.describe()["remainingResources"]) == resources(b.describe()["registeredResources"])

    # the agent starts it; Docker chose host port 49200 for the dynamic mapping
    bindings = [{"bindIP": "0.0.0.0", "containerPort": 80, "hostPort": 80, "protocol": "tcp"},
                {"bindIP": "0.0.0.0", "containerPort": 8080, "hostPort": 49200, "protocol": "tcp"}]
    a.report_container(task, "web", "RUNNING", bindings=bindings)
    assert a.remaining() == dict(held, PORTS=held["PORTS"] | {"49200"})
    a.report_container(task, "dns", "RUNNING", bindings=[
        {"bindIP": "0.0.0.0", "containerPort": 53, "hostPort": 5353, "protocol": "udp"}])
    t = a.describe_task(task)
    assert t["lastStatus"] == "RUNNING"
    assert t["containers"][0]["networkBindings"] == bindings
    d = a.describe()
    assert resources(d["remainingResources"]) == dict(held, PORTS=held["PORTS"] | {"49200"})
    assert (d["pendingTasksCount"], d["runningTasksCount"]) == (0, 1)
    assert cluster_counts() == (2, 0, 1)

    # StopTask changes nothing yet: resources return when the agent reports STOPPED
    ecs.stop_task(cluster=cluster, task=task)
    assert a.remaining() == dict(held, PORTS=held["PORTS"] | {"49200"})
    assert cluster_counts() == (2, 0, 1)
    a.stop_task(task)
    d = a.describe()
    assert resources(d["remainingResources"]) == registered
    assert (d["pendingTasksCount"], d["runningTasksCount"]) == (0, 0)
    assert cluster_counts() == (2, 0, 0)
    # and the freed port 80 can be placed again
    assert len(ecs.run_task(cluster=cluster, taskDefinition=fam)["tasks"]) == 1


def test_random_placement_uses_every_fitting_instance(server):
    ecs = server.client()
    cluster = new_cluster(ecs)
    agents = [FakeAgent(server, cluster, cpu=1024, memory=2048).register() for _ in range(3)]
    fam = new_td(ecs, memory=10)
    used = collections.Counter()
    for _ in range(4):
        for t in ecs.run_task(cluster=cluster, taskDefinition=fam, count=10)["tasks"]:
            used[t["containerInstanceArn"]] += 1
    assert sum(used.values()) == 40
    assert set(used) == {a.arn for a in agents}, f"40 random placements used only {len(used)} of 3 instances"


def race(server, cluster, fam, counts):
    """RunTask from len(counts) threads at once, each with its own client;
    returns (tasks, failures) of all calls."""
    clients = [server.client() for _ in counts]
    barrier = threading.Barrier(len(counts))
    results, errors = [None] * len(counts), []

    def body(i):
        try:
            barrier.wait(timeout=30)
            results[i] = clients[i].run_task(cluster=cluster, taskDefinition=fam, count=counts[i])
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"thread {i}: {type(e).__name__}: {e}")
    threads = [threading.Thread(target=body, args=(i,)) for i in range(len(counts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    for r, n in zip(results, counts):
        assert len(r["tasks"]) + len(r["failures"]) == n, r
    return [t for r in results for t in r["tasks"]], [f for r in results for f in r["failures"]]


def check_not_overcommitted(server, cluster, agents, tasks, mem, cpu, port=None):
    ecs = server.client()
    per_inst = collections.Counter(t["containerInstanceArn"] for t in tasks)
    arns = [t["taskArn"] for t in tasks]
    assert len(set(arns)) == len(arns)
    for a in agents:
        rem, reg = a.remaining(), resources(a.describe()["registeredResources"])
        assert rem["MEMORY"] >= 0 and rem["CPU"] >= 0, rem
        n = per_inst[a.arn]
        assert rem["MEMORY"] == reg["MEMORY"] - n * mem and rem["CPU"] == reg["CPU"] - n * cpu, (a.arn, n, rem)
        if port is not None:
            assert n <= 1, f"{n} tasks with host port {port} on {a.arn}"
            assert (str(port) in rem["PORTS"]) == (n == 1)
        on_inst = ecs.list_tasks(cluster=cluster, containerInstance=a.arn)["taskArns"]
        assert sorted(on_inst) == sorted(t["taskArn"] for t in tasks if t["containerInstanceArn"] == a.arn)


def test_32_concurrent_run_task_place_exactly_n(server):
    ecs = server.client()
    cluster = new_cluster(ecs)
    agents = [FakeAgent(server, cluster, cpu=4096, memory=1000).register() for _ in range(4)]
    fam = new_td(ecs, cpu=10, memory=300)  # 3 per instance by memory: N = 12
    tasks, failures = race(server, cluster, fam, [1] * 32)
    assert len(tasks) == 12, f"placed {len(tasks)} tasks on a cluster that fits 12"
    assert len(failures) == 20
    assert {f["reason"] for f in failures} == {"RESOURCE:MEMORY"}
    assert {f["arn"] for f in failures} <= {a.arn for a in agents}
    assert collections.Counter(t["containerInstanceArn"] for t in tasks) == {a.arn: 3 for a in agents}
    check_not_overcommitted(server, cluster, agents, tasks, mem=300, cpu=10)


def test_32_concurrent_run_task_mixed_counts(server):
    ecs = server.client()
    cluster = new_cluster(ecs)
    agents = [FakeAgent(server, cluster, cpu=1000, memory=8000).register() for _ in range(4)]
    fam = new_td(ecs, cpu=250, memory=10)  # 4 per instance by CPU: N = 16
    counts = [1 + i % 4 for i in range(32)]  # 80 tasks asked for
    tasks, failures = race(server, cluster, fam, counts)
    assert len(tasks) == 16 and len(failures) == 64
    assert {f["reason"] for f in failures} == {"RESOURCE:CPU"}
    check_not_overcommitted(server, cluster, agents, tasks, mem=10, cpu=250)


def test_32_concurrent_run_task_static_host_port(server):
    ecs = server.client()
    cluster = new_cluster(ecs)
    agents = [FakeAgent(server, cluster, cpu=4096, memory=8000).register() for _ in range(5)]
    fam = new_td(ecs, cpu=1, memory=4, ports=[(80, 8080, "tcp")])  # 1 per instance: N = 5
    tasks, failures = race(server, cluster, fam, [1 + i % 2 for i in range(32)])
    assert len(tasks) == 5 and len(failures) == 48 - 5
    assert {f["reason"] for f in failures} == {"RESOURCE:PORTS"}
    check_not_overcommitted(server, cluster, agents, tasks, mem=4, cpu=1, port=8080)
    # the agents see exactly their one task each
    for a in agents:
        assert len(a.poll(index=0)["tasks"]) == 1
