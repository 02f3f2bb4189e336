"""Tasks (issue 3, point 2; ecs-behavior.md §4.14-4.18, §5.1, Appendix A,
Appendix G 14-15, 19-22): RunTask / StartTask validation and results,
StopTask, DescribeTasks, ListTasks, with boto3 and the aws CLI."""
import json

from fake_agent import FakeAgent, unique
from harness import ACCOUNT, REGION, expect_error

TASK_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/"
CI_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:container-instance/"
CONTAINERS = [{"name": "web", "image": "nginx", "cpu": 100, "memory": 200},
              {"name": "log", "image": "busybox", "memory": 50}]


def setup(server, agents=1, cpu=2048, memory=4096):
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("tasks"))["cluster"]["clusterName"]
    family = unique("fam")
    td = ecs.register_task_definition(family=family, containerDefinitions=CONTAINERS)["taskDefinition"]
    insts = [FakeAgent(server, cluster, cpu=cpu, memory=memory).register() for _ in range(agents)]
    return ecs, cluster, td, insts


def test_run_task_result(server):
    ecs, cluster, td, [a] = setup(server)
    r = ecs.run_task(cluster=cluster, taskDefinition=td["family"], count=2, startedBy="job/42_x-y",
                     overrides={"containerOverrides": [{"name": "log", "command": ["echo", "hi"],
                                                        "environment": [{"name": "K", "value": "v"}]}]})
    assert r["failures"] == [] and len(r["tasks"]) == 2
    seen = set()
    for t in r["tasks"]:
        assert t["taskArn"].startswith(TASK_ARN)
        assert t["clusterArn"] == f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{cluster}"
        assert t["taskDefinitionArn"] == td["taskDefinitionArn"]
        assert t["containerInstanceArn"] == a.arn
        assert (t["lastStatus"], t["desiredStatus"], t["startedBy"]) == ("PENDING", "RUNNING", "job/42_x-y")
        assert t["overrides"] == {"containerOverrides": [
            {"name": "web"}, {"name": "log", "command": ["echo", "hi"], "environment": [{"name": "K", "value": "v"}]}],
            "inferenceAcceleratorOverrides": []}
        assert [c["name"] for c in t["containers"]] == ["web", "log"]
        for c in t["containers"]:
            assert c["lastStatus"] == "PENDING" and c["taskArn"] == t["taskArn"]
            assert c["containerArn"].startswith(f"arn:aws:ecs:{REGION}:{ACCOUNT}:container/")
            seen.add(c["containerArn"])
        assert "createdAt" in t and "stoppedReason" not in t
    assert len(seen) == 4, "every container has its own ARN"
    assert r["tasks"][0]["taskArn"] != r["tasks"][1]["taskArn"]
    # without startedBy or overrides: no startedBy, one override entry per container
    t = ecs.run_task(cluster=cluster, taskDefinition=td["taskDefinitionArn"])["tasks"][0]
    assert "startedBy" not in t and t["overrides"] == {"containerOverrides": [{"name": "web"}, {"name": "log"}],
                                                       "inferenceAcceleratorOverrides": []}
    got = ecs.describe_tasks(cluster=cluster, tasks=[x["taskArn"] for x in r["tasks"]])["tasks"]
    assert sorted(x["taskArn"] for x in got) == sorted(x["taskArn"] for x in r["tasks"])
    assert got[0]["overrides"] == r["tasks"][0]["overrides"]


def test_run_task_validation(server):
    ecs, cluster, td, [a] = setup(server)
    fam = td["family"]
    for count in (0, 11, -1):
        expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=fam, count=count),
                     "InvalidParameterException")
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=fam,
                                      overrides={"containerOverrides": [{"name": "web"}, {"name": "nope"}]}),
                 "InvalidParameterException",
                 "Override for container named nope is not a container in the TaskDefinition.")
    long_cmd = ["x" * 100] * 82  # 82 * 103 characters of JSON: over 8192
    assert len(json.dumps({"containerOverrides": [{"name": "web", "command": long_cmd}]})) > 8192
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=fam,
                                      overrides={"containerOverrides": [{"name": "web", "command": long_cmd}]}),
                 "InvalidParameterException", "Container Overrides length must be at most 8192")
    ok_cmd = ["x" * 100] * 70
    assert len(ecs.run_task(cluster=cluster, taskDefinition=fam, overrides={
        "containerOverrides": [{"name": "web", "command": ok_cmd}]})["tasks"]) == 1
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=fam, startedBy="s" * 37),
                 "InvalidParameterException")
    assert ecs.run_task(cluster=cluster, taskDefinition=fam, startedBy="s" * 36)["tasks"][0]["startedBy"] == "s" * 36
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=unique("nofam")),
                 "ClientException", "TaskDefinition not found.")
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=fam + ":99"),
                 "ClientException", "TaskDefinition not found.")
    expect_error(lambda: ecs.run_task(cluster=unique("nope"), taskDefinition=fam),
                 "ClusterNotFoundException", "Cluster not found.")
    # an INACTIVE revision cannot be run (nor started); the family then has no ACTIVE one
    ecs.deregister_task_definition(taskDefinition=td["taskDefinitionArn"])
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=td["taskDefinitionArn"]),
                 "InvalidParameterException", "TaskDefinition is inactive")
    expect_error(lambda: ecs.start_task(cluster=cluster, taskDefinition=fam + ":1", containerInstances=[a.arn]),
                 "InvalidParameterException", "TaskDefinition is inactive")
    # nothing of the refused calls was placed
    listed = ecs.list_tasks(cluster=cluster)["taskArns"]
    assert len(listed) == 2, listed


def test_run_task_cluster_without_instances(server):
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("empty"))["cluster"]["clusterName"]
    ecs.register_task_definition(family="tiny", containerDefinitions=[{"name": "a", "image": "x", "memory": 8}])
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition="tiny"),
                 "InvalidParameterException", "No Container Instances were found in your cluster.")
    p = server.cli("run-task", "--cluster", cluster, "--task-definition", "tiny", check=False)
    assert p.returncode != 0 and "No Container Instances were found in your cluster." in p.stderr, p.stderr


def test_start_task(server):
    ecs, cluster, td, [big, small, gone] = setup(server, agents=3)
    fam = td["family"]
    small.register(reattach=small.arn, cpu=2048, memory=100)
    ecs.deregister_container_instance(cluster=cluster, containerInstance=gone.arn)
    unknown = "abcdef01-2345-4678-9abc-def012345678"
    cpu_short = FakeAgent(server, cluster, cpu=50, memory=4096).register()
    r = ecs.start_task(cluster=cluster, taskDefinition=fam, startedBy="st",
                       containerInstances=[big.arn, unknown, gone.arn, small.arn.split("/")[-1], cpu_short.arn])
    assert [t["containerInstanceArn"] for t in r["tasks"]] == [big.arn]
    assert r["tasks"][0]["startedBy"] == "st" and r["tasks"][0]["lastStatus"] == "PENDING"
    assert r["failures"] == [{"arn": CI_ARN + unknown, "reason": "MISSING"},
                             {"arn": gone.arn, "reason": "INACTIVE"},
                             {"arn": small.arn, "reason": "RESOURCE:MEMORY"},
                             {"arn": cpu_short.arn, "reason": "RESOURCE:CPU"}]
    # one task per listed instance, the same instance twice gets two
    r = ecs.start_task(cluster=cluster, taskDefinition=fam, containerInstances=[big.arn, big.arn])
    assert [t["containerInstanceArn"] for t in r["tasks"]] == [big.arn, big.arn] and r["failures"] == []
    # a taken static port: RESOURCE:PORTS
    ecs.register_task_definition(family=fam + "p", containerDefinitions=[
        {"name": "p", "image": "x", "memory": 10, "portMappings": [{"containerPort": 80, "hostPort": 8081}]}])
    r = ecs.start_task(cluster=cluster, taskDefinition=fam + "p", containerInstances=[big.arn, big.arn])
    assert len(r["tasks"]) == 1 and r["failures"] == [{"arn": big.arn, "reason": "RESOURCE:PORTS"}]
    expect_error(lambda: ecs.start_task(cluster=cluster, taskDefinition=fam, containerInstances=[]),
                 "ClientException", "Container Instances cannot be empty.")
    expect_error(lambda: ecs.start_task(cluster=cluster, taskDefinition=fam, containerInstances=[big.arn] * 11),
                 "InvalidParameterException")
    assert len(ecs.start_task(cluster=cluster, taskDefinition=fam, containerInstances=[big.arn] * 10)["tasks"]) == 10
    expect_error(lambda: ecs.start_task(cluster=cluster, taskDefinition=fam, containerInstances=[big.arn],
                                        overrides={"containerOverrides": [{"name": "zz"}]}),
                 "InvalidParameterException",
                 "Override for container named zz is not a container in the TaskDefinition.")
    expect_error(lambda: ecs.start_task(cluster=cluster, taskDefinition=fam, containerInstances=[big.arn],
                                        startedBy="s" * 37), "InvalidParameterException")
    expect_error(lambda: ecs.start_task(cluster=cluster, taskDefinition=unique("nofam"), containerInstances=[big.arn]),
                 "ClientException", "TaskDefinition not found.")


def test_stop_task(server):
    ecs, cluster, td, [a] = setup(server)
    pending, running, other = [t["taskArn"] for t in ecs.run_task(cluster=cluster, taskDefinition=td["family"],
                                                                   count=3)["tasks"]]
    a.start_task(running)
    t = ecs.stop_task(cluster=cluster, task=pending)["task"]
    assert (t["lastStatus"], t["desiredStatus"], t["stoppedReason"]) == ("PENDING", "STOPPED", "Task stopped by user")
    t = ecs.stop_task(cluster=cluster, task=running.split("/")[-1], reason="deploying v2")["task"]
    assert (t["lastStatus"], t["desiredStatus"], t["stoppedReason"]) == ("RUNNING", "STOPPED", "deploying v2")
    # stopping again is fine and changes nothing
    again = ecs.stop_task(cluster=cluster, task=running, reason="other")["task"]
    assert (again["desiredStatus"], again["stoppedReason"]) == ("STOPPED", "deploying v2")
    # the agent reports it stopped; stopping a STOPPED task answers it unchanged
    a.stop_task(running)
    done = ecs.stop_task(cluster=cluster, task=running)["task"]
    assert (done["lastStatus"], done["desiredStatus"], done["stoppedReason"]) == ("STOPPED", "STOPPED", "deploying v2")
    assert done["stopCode"] == "UserInitiated", done
    assert ecs.describe_tasks(cluster=cluster, tasks=[pending])["tasks"][0]["stopCode"] == "UserInitiated"
    assert "stopCode" not in ecs.describe_tasks(cluster=cluster, tasks=[other])["tasks"][0]
    desired = {t["taskArn"]: t["desiredStatus"] for t in a.poll(index=0)["tasks"]}
    assert desired == {pending: "STOPPED", other: "RUNNING"}
    expect_error(lambda: ecs.stop_task(cluster=cluster, task="00000000-1111-4222-8333-444444444444"),
                 "InvalidParameterException", "The referenced task was not found.")
    other_cluster = ecs.create_cluster(clusterName=unique("other"))["cluster"]["clusterName"]
    expect_error(lambda: ecs.stop_task(cluster=other_cluster, task=other.split("/")[-1]),
                 "InvalidParameterException", "The referenced task was not found.")


def test_describe_tasks(server):
    ecs, cluster, td, _ = setup(server)
    arn = ecs.run_task(cluster=cluster, taskDefinition=td["family"])["tasks"][0]["taskArn"]
    expect_error(lambda: ecs.describe_tasks(cluster=cluster, tasks=[]),
                 "InvalidParameterException", "Tasks cannot be empty.")
    expect_error(lambda: ecs.describe_tasks(cluster=cluster, tasks=[arn] * 101),
                 "InvalidParameterException", "taskIds can have at most 100 items.")
    unknown = "0badc0de-0000-4000-8000-000000000000"
    r = ecs.describe_tasks(cluster=cluster, tasks=[arn.split("/")[-1], unknown, TASK_ARN + unknown[::-1]])
    assert [t["taskArn"] for t in r["tasks"]] == [arn]
    assert r["failures"] == [{"arn": TASK_ARN + unknown, "reason": "MISSING"},
                             {"arn": TASK_ARN + unknown[::-1], "reason": "MISSING"}]
    assert len(ecs.describe_tasks(cluster=cluster, tasks=[arn] * 100)["tasks"]) == 100
    other = ecs.create_cluster(clusterName=unique("other"))["cluster"]["clusterName"]
    assert ecs.describe_tasks(cluster=other, tasks=[arn])["failures"] == [{"arn": arn, "reason": "MISSING"}]


def list_all(ecs, **kw):
    out, token = [], None
    while True:
        r = ecs.list_tasks(**kw, **({"nextToken": token} if token else {}))
        out += r["taskArns"]
        token = r.get("nextToken")
        if not token:
            return out


def test_list_tasks_filters_and_pages(server):
    ecs, cluster, td, [a, b] = setup(server, agents=2)
    other = ecs.register_task_definition(family=unique("other"), containerDefinitions=[
        {"name": "o", "image": "x", "memory": 10}])["taskDefinition"]["family"]

    def start(family, inst, by=None):
        kw = {"startedBy": by} if by else {}
        return ecs.start_task(cluster=cluster, taskDefinition=family, containerInstances=[inst.arn],
                              **kw)["tasks"][0]["taskArn"]
    on_a = [start(td["family"], a, "alpha") for _ in range(3)]
    on_b = [start(other, b, "beta") for _ in range(2)]
    a.start_task(on_a[0])                     # RUNNING
    ecs.stop_task(cluster=cluster, task=on_a[1])  # desired STOPPED, still PENDING
    b.start_task(on_b[0])
    b.stop_task(on_b[0])                      # STOPPED
    running = {on_a[0], on_a[2], on_b[1]}
    assert set(list_all(ecs, cluster=cluster)) == running
    assert set(list_all(ecs, cluster=cluster, desiredStatus="RUNNING")) == running
    assert set(list_all(ecs, cluster=cluster, desiredStatus="STOPPED")) == {on_a[1], on_b[0]}
    assert list_all(ecs, cluster=cluster, desiredStatus="PENDING") == []
    assert set(list_all(ecs, cluster=cluster, containerInstance=a.arn)) == {on_a[0], on_a[2]}
    assert set(list_all(ecs, cluster=cluster, containerInstance=b.arn.split("/")[-1])) == {on_b[1]}
    assert set(list_all(ecs, cluster=cluster, family=other)) == {on_b[1]}
    assert set(list_all(ecs, cluster=cluster, family=other, desiredStatus="STOPPED")) == {on_b[0]}
    assert set(list_all(ecs, cluster=cluster, startedBy="alpha")) == {on_a[0], on_a[2]}
    assert list_all(ecs, cluster=cluster, startedBy="nobody") == []
    assert list_all(ecs, cluster=cluster, family=unique("nofam")) == []
    expect_error(lambda: ecs.list_tasks(cluster=cluster, serviceName=unique("svc")),
                 "ServiceNotFoundException", "Service not found.")
    # pagination: 7 more tasks, pages of 3
    more = ecs.run_task(cluster=cluster, taskDefinition=other, count=7)["tasks"]
    pages, token = [], None
    while True:
        r = ecs.list_tasks(cluster=cluster, maxResults=3, **({"nextToken": token} if token else {}))
        pages.append(r["taskArns"])
        token = r.get("nextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [3, 3, 3, 1], pages
    assert sorted(sum(pages, [])) == sorted(running | {t["taskArn"] for t in more})


def test_cli_run_describe_list_stop(server):
    ecs, cluster, td, [a] = setup(server)
    # (aws ecs run-task sends a clientToken, which must be accepted)
    out = server.cli("run-task", "--cluster", cluster, "--task-definition", td["family"], "--count", "2",
                     "--started-by", "cli")
    assert len(out["tasks"]) == 2 and out["failures"] == []
    arns = [t["taskArn"] for t in out["tasks"]]
    assert all(t["containerInstanceArn"] == a.arn and t["lastStatus"] == "PENDING" for t in out["tasks"])
    listed = server.cli("list-tasks", "--cluster", cluster, "--started-by", "cli")["taskArns"]
    assert sorted(listed) == sorted(arns)
    d = server.cli("describe-tasks", "--cluster", cluster, "--tasks", arns[0], "feedface-0000-4000-8000-000000000000")
    assert [t["taskArn"] for t in d["tasks"]] == [arns[0]]
    assert d["failures"] == [{"arn": TASK_ARN + "feedface-0000-4000-8000-000000000000", "reason": "MISSING"}]
    s = server.cli("stop-task", "--cluster", cluster, "--task", arns[0])["task"]
    assert (s["desiredStatus"], s["lastStatus"], s["stoppedReason"]) == ("STOPPED", "PENDING", "Task stopped by user")
    assert server.cli("list-tasks", "--cluster", cluster, "--desired-status", "STOPPED")["taskArns"] == [arns[0]]
    p = server.cli("stop-task", "--cluster", cluster, "--task", "00000000-0000-4000-8000-00000000beef", check=False)
    assert p.returncode != 0 and "The referenced task was not found." in p.stderr, p.stderr
    assert sorted(ecs.list_tasks(cluster=cluster)["taskArns"]) == [arns[1]]
