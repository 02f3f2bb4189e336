"""Services of the EXTERNAL deployment controller (issue 12, point 5):
CreateTaskSet, UpdateTaskSet (scale PERCENT), DeleteTaskSet,
DescribeTaskSets, UpdateServicePrimaryTaskSet, with the service's counts
following its task sets (computedDesiredCount = ceil(desiredCount x scale
/ 100)), PRIMARY/ACTIVE/DRAINING, stabilityStatus; the scheduler places
each task set's tasks on hosts played by AutoAgents (svc_agents.py)."""
import time

from harness import expect_error, unique
from svc_agents import AutoAgent
from test_deployments import describe, setup, wait_for


def sets_by_id(ecs, cluster, name, **kw):
    return {t["id"]: t for t in ecs.describe_task_sets(cluster=cluster, service=name, **kw)["taskSets"]}


def tasks_of(ecs, cluster, name):
    """{startedBy: count} of the service's tasks meant to run."""
    arns = ecs.list_tasks(cluster=cluster, serviceName=name, desiredStatus="RUNNING")["taskArns"]
    out = {}
    for t in (ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []):
        out[t["startedBy"]] = out.get(t["startedBy"], 0) + 1
    return out


def settled(ecs, cluster, name, want):
    """want: {task set id: running count}; every one STEADY_STATE."""
    sets = sets_by_id(ecs, cluster, name)
    ok = {i: s["runningCount"] for i, s in sets.items()} == want and all(
        s["stabilityStatus"] == "STEADY_STATE" for s in sets.values())
    return sets if ok else None


def test_task_set_weights(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster), AutoAgent(server, cluster):
        name = unique("ext")
        s = ecs.create_service(cluster=cluster, serviceName=name, desiredCount=4,
                               deploymentController={"type": "EXTERNAL"})["service"]
        assert s["deploymentController"] == {"type": "EXTERNAL"} and s["deployments"] == [] and s["taskSets"] == []
        assert "taskDefinition" not in s
        blue = ecs.create_task_set(cluster=cluster, service=name, taskDefinition=f"{family}:1", externalId="blue",
                                   scale={"value": 100, "unit": "PERCENT"}, clientToken="tok-blue",
                                   tags=[{"key": "color", "value": "blue"}])["taskSet"]
        assert blue["id"].startswith("ecs-svc/") and blue["status"] == "ACTIVE"
        assert blue["taskSetArn"].endswith(f":task-set/{cluster}/{name}/{blue['id']}")
        assert blue["serviceArn"] == s["serviceArn"] and blue["clusterArn"] == s["clusterArn"]
        assert blue["computedDesiredCount"] == 4 and blue["externalId"] == "blue" and blue["launchType"] == "EC2"
        assert blue["scale"] == {"value": 100.0, "unit": "PERCENT"} and blue["tags"] == [{"key": "color",
                                                                                           "value": "blue"}]
        assert blue["stabilityStatus"] == "STABILIZING" and blue["taskDefinition"].endswith(f"/{family}:1")
        # the same clientToken again: the same task set
        again = ecs.create_task_set(cluster=cluster, service=name, taskDefinition=f"{family}:1",
                                    clientToken="tok-blue")["taskSet"]
        assert again["id"] == blue["id"]
        p = ecs.update_service_primary_task_set(cluster=cluster, service=name, primaryTaskSet=blue["taskSetArn"])
        assert p["taskSet"]["status"] == "PRIMARY"
        wait_for(lambda: settled(ecs, cluster, name, {blue["id"]: 4}), what="blue at 4")
        s = describe(ecs, cluster, name)
        assert s["runningCount"] == 4 and s["taskDefinition"] == blue["taskDefinition"]
        assert [t["id"] for t in s["taskSets"]] == [blue["id"]] and s["taskSets"][0]["runningCount"] == 4
        assert "tags" not in s["taskSets"][0]
        assert tasks_of(ecs, cluster, name) == {blue["id"]: 4}
        # green at 25 %: ceil(4 x 0.25) = 1 task beside blue's 4
        green = ecs.create_task_set(cluster=cluster, service=name, taskDefinition=f"{family}:2",
                                    scale={"value": 25, "unit": "PERCENT"})["taskSet"]
        assert green["computedDesiredCount"] == 1 and green["status"] == "ACTIVE"
        wait_for(lambda: settled(ecs, cluster, name, {blue["id"]: 4, green["id"]: 1}), what="green at 1")
        assert describe(ecs, cluster, name)["runningCount"] == 5
        # 30 % of 4 is 1.2: rounded up to 2; blue down to 50 %: 2
        ecs.update_task_set(cluster=cluster, service=name, taskSet=green["id"], scale={"value": 30, "unit": "PERCENT"})
        u = ecs.update_task_set(cluster=cluster, service=name, taskSet=blue["taskSetArn"],
                                scale={"value": 50, "unit": "PERCENT"})["taskSet"]
        assert u["computedDesiredCount"] == 2 and u["scale"]["value"] == 50.0
        wait_for(lambda: settled(ecs, cluster, name, {blue["id"]: 2, green["id"]: 2}), what="2 and 2")
        assert tasks_of(ecs, cluster, name) == {blue["id"]: 2, green["id"]: 2}
        # the service's desiredCount moves every task set's computedDesiredCount
        ecs.update_service(cluster=cluster, service=name, desiredCount=10)
        sets = wait_for(lambda: settled(ecs, cluster, name, {blue["id"]: 5, green["id"]: 3}), what="10: 5 and 3")
        assert sets[green["id"]]["computedDesiredCount"] == 3
        # green becomes PRIMARY, blue ACTIVE; the service shows green's task definition
        ecs.update_service_primary_task_set(cluster=cluster, service=name, primaryTaskSet=green["id"])
        sets = sets_by_id(ecs, cluster, name)
        assert (sets[green["id"]]["status"], sets[blue["id"]]["status"]) == ("PRIMARY", "ACTIVE")
        assert describe(ecs, cluster, name)["taskDefinition"] == green["taskDefinition"]
        # blue deleted: refused while scaled above 0, then with force: DRAINING, its tasks stop, it goes
        expect_error(lambda: ecs.delete_task_set(cluster=cluster, service=name, taskSet=blue["id"]),
                     "InvalidParameterException", "scaled above 0")
        d = ecs.delete_task_set(cluster=cluster, service=name, taskSet=blue["id"], force=True)["taskSet"]
        assert d["status"] == "DRAINING" and d["computedDesiredCount"] == 0
        wait_for(lambda: list(sets_by_id(ecs, cluster, name)) == [green["id"]], what="blue gone")
        assert tasks_of(ecs, cluster, name) == {green["id"]: 3}
        r = ecs.describe_task_sets(cluster=cluster, service=name, taskSets=[blue["id"], green["taskSetArn"]],
                                   include=["TAGS"])
        assert [t["id"] for t in r["taskSets"]] == [green["id"]]
        assert r["failures"] == [{"arn": blue["id"], "reason": "MISSING"}]
        # the service deleted: its task sets drain with it
        ecs.update_service(cluster=cluster, service=name, desiredCount=0)
        ecs.delete_service(cluster=cluster, service=name)
        wait_for(lambda: describe(ecs, cluster, name)["status"] == "INACTIVE", what="INACTIVE")
        assert tasks_of(ecs, cluster, name) == {}


def test_task_set_errors(server):
    ecs, cluster, family = setup(server)
    ecs_svc = unique("ecs")
    ecs.create_service(cluster=cluster, serviceName=ecs_svc, taskDefinition=f"{family}:1", desiredCount=0)
    expect_error(lambda: ecs.create_task_set(cluster=cluster, service=ecs_svc, taskDefinition=f"{family}:1"),
                 "InvalidParameterException", "EXTERNAL")
    expect_error(lambda: ecs.describe_task_sets(cluster=cluster, service=ecs_svc), "InvalidParameterException",
                 "EXTERNAL")
    expect_error(lambda: ecs.create_task_set(cluster=cluster, service=unique("nope"), taskDefinition=f"{family}:1"),
                 "ServiceNotFoundException")
    expect_error(lambda: ecs.update_service(cluster=cluster, service=ecs_svc,
                                            deploymentController={"type": "EXTERNAL"}),
                 "InvalidParameterException", "deploymentController")
    expect_error(lambda: ecs.create_service(cluster=cluster, serviceName=unique("d"), schedulingStrategy="DAEMON",
                                            deploymentController={"type": "EXTERNAL"}),
                 "InvalidParameterException", "DAEMON")
    name = unique("exte")
    ecs.create_service(cluster=cluster, serviceName=name, desiredCount=1, deploymentController={"type": "EXTERNAL"})
    expect_error(lambda: ecs.update_service(cluster=cluster, service=name, taskDefinition=f"{family}:2"),
                 "InvalidParameterException", "CreateTaskSet")
    expect_error(lambda: ecs.create_task_set(cluster=cluster, service=name, taskDefinition=f"{family}:1",
                                             scale={"value": 101, "unit": "PERCENT"}),
                 "InvalidParameterException", "scale.value")
    expect_error(lambda: ecs.create_task_set(cluster=cluster, service=name, taskDefinition=f"{family}:1",
                                             scale={"value": 50, "unit": "BOXES"}),
                 "InvalidParameterException", "unit")
    expect_error(lambda: ecs.create_task_set(cluster=cluster, service=name, taskDefinition="nope:9"),
                 "ClientException")
    expect_error(lambda: ecs.create_task_set(cluster=cluster, service=name, taskDefinition=f"{family}:1",
                                             networkConfiguration={"awsvpcConfiguration": {"subnets": ["s-1"]}}),
                 "InvalidParameterException", "Network Configuration")
    for op, kw in (("update_task_set", {"taskSet": "ecs-svc/1", "scale": {"value": 1, "unit": "PERCENT"}}),
                   ("delete_task_set", {"taskSet": "ecs-svc/1"}),
                   ("update_service_primary_task_set", {"primaryTaskSet": "ecs-svc/1"})):
        expect_error(lambda: getattr(ecs, op)(cluster=cluster, service=name, **kw), "TaskSetNotFoundException")
    ts = ecs.create_task_set(cluster=cluster, service=name, taskDefinition=f"{family}:1",
                             scale={"value": 0, "unit": "PERCENT"})["taskSet"]
    assert ts["computedDesiredCount"] == 0
    # no host: nothing to place at 0 %; deleted without force at 0
    time.sleep(0.5)
    assert sets_by_id(ecs, cluster, name)[ts["id"]]["stabilityStatus"] == "STEADY_STATE"
    assert ecs.delete_task_set(cluster=cluster, service=name, taskSet=ts["id"])["taskSet"]["status"] == "DRAINING"
    # DRAINING (or already gone, having no task to stop): never the primary
    from botocore.exceptions import ClientError
    try:
        ecs.update_service_primary_task_set(cluster=cluster, service=name, primaryTaskSet=ts["id"])
        raise AssertionError("a DRAINING task set became PRIMARY")
    except ClientError as e:
        code, msg = e.response["Error"]["Code"], e.response["Error"]["Message"]
        assert (code == "InvalidParameterException" and "DRAINING" in msg) or code == "TaskSetNotFoundException", msg
    wait_for(lambda: sets_by_id(ecs, cluster, name) == {}, what="gone")
    ecs.delete_service(cluster=cluster, service=name, force=True)
    ecs.delete_service(cluster=cluster, service=ecs_svc, force=True)
