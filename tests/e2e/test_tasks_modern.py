"""Today's RunTask / StartTask members and task overrides (issue 10, point 1
applied to tasks), with boto3: each member round trips through RunTask,
StartTask and DescribeTasks in ECS's shapes, each refusal by exception and
message (and changes nothing), overrides reserve what they say in
placement, and the agent's poll carries the task's effective definition.
The containers themselves: test_tasks_overrides_docker.py."""
import json

from fake_agent import FakeAgent, resources, unique
from harness import ACCOUNT, REGION, expect_error

CONTAINERS = [{"name": "web", "image": "nginx", "cpu": 100, "memory": 200},
              {"name": "log", "image": "busybox", "memoryReservation": 50}]
INVALID = "InvalidParameterException"


def setup(server, agents=1, cpu=4096, memory=8192, containers=CONTAINERS, **td_kw):
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("tm"))["cluster"]["clusterName"]
    family = unique("fam")
    td = ecs.register_task_definition(family=family, containerDefinitions=containers, **td_kw)["taskDefinition"]
    insts = [FakeAgent(server, cluster, cpu=cpu, memory=memory).register() for _ in range(agents)]
    return ecs, cluster, td, insts


def used(agent, before):
    now = agent.remaining()
    return before["CPU"] - now["CPU"], before["MEMORY"] - now["MEMORY"]


def test_defaults_in_ecs_shapes(server):
    ecs, cluster, td, [a] = setup(server)
    t = ecs.run_task(cluster=cluster, taskDefinition=td["family"])["tasks"][0]
    assert t["group"] == f"family:{td['family']}" and t["launchType"] == "EC2"
    assert t["enableExecuteCommand"] is False
    assert t["overrides"] == {"containerOverrides": [{"name": "web"}, {"name": "log"}],
                              "inferenceAcceleratorOverrides": []}
    # no task-level size in the definition: none on the task; containers' sizes as strings
    assert "cpu" not in t and "memory" not in t, t
    web, log = t["containers"]
    assert (web["cpu"], web["memory"]) == ("100", "200") and "memoryReservation" not in web
    assert (log["cpu"], log["memoryReservation"]) == ("0", "50") and "memory" not in log
    for absent in ("capacityProviderName", "platformVersion", "platformFamily", "attachments"):
        assert absent not in t, absent
    [d] = ecs.describe_tasks(cluster=cluster, tasks=[t["taskArn"]])["tasks"]
    for k in ("group", "launchType", "enableExecuteCommand", "overrides", "containers"):
        assert d[k] == t[k], k


def test_members_round_trip(server):
    ecs, cluster, td, [a] = setup(server)
    fam = td["family"]
    r = ecs.run_task(cluster=cluster, taskDefinition=fam, group="batch:nightly", referenceId="ref-" + "r" * 1000,
                     startedBy="cron", enableExecuteCommand=True, launchType="EXTERNAL", count=2)
    assert r["failures"] == [] and len(r["tasks"]) == 2
    for t in r["tasks"]:
        assert (t["group"], t["startedBy"], t["enableExecuteCommand"], t["launchType"]) == (
            "batch:nightly", "cron", True, "EXTERNAL")
        assert t["containerInstanceArn"] == a.arn  # EXTERNAL runs on the cluster's instances
    arns = [t["taskArn"] for t in r["tasks"]]
    got = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"]
    assert {(t["group"], t["launchType"], t["enableExecuteCommand"]) for t in got} == {
        ("batch:nightly", "EXTERNAL", True)}
    assert sorted(ecs.list_tasks(cluster=cluster, launchType="EXTERNAL")["taskArns"]) == sorted(arns)
    assert ecs.list_tasks(cluster=cluster, launchType="EC2")["taskArns"] == []
    # launchType EC2 said outright is the default's
    t = ecs.run_task(cluster=cluster, taskDefinition=fam, launchType="EC2")["tasks"][0]
    assert t["launchType"] == "EC2" and t["group"] == f"family:{fam}"
    # StartTask: the same members
    s = ecs.start_task(cluster=cluster, taskDefinition=fam, containerInstances=[a.arn], group="g1",
                       enableExecuteCommand=True, referenceId="x")["tasks"][0]
    assert (s["group"], s["enableExecuteCommand"], s["launchType"]) == ("g1", True, "EC2")
    # a retried RunTask with its clientToken and today's members answers the first call
    kw = dict(cluster=cluster, taskDefinition=fam, group="tok", enableExecuteCommand=True, clientToken=unique("t"),
              overrides={"cpu": "256", "containerOverrides": [{"name": "web", "memory": 300}]})
    first = ecs.run_task(**kw)["tasks"]
    again = ecs.run_task(**kw)["tasks"]
    assert [t["taskArn"] for t in again] == [t["taskArn"] for t in first]
    assert again[0]["overrides"] == first[0]["overrides"] and again[0]["group"] == "tok"
    expect_error(lambda: ecs.run_task(**dict(kw, group="other")), INVALID, "already used with different parameters")


def test_overrides_round_trip_and_reserve(server):
    ecs, cluster, td, [a] = setup(server)
    before = a.remaining()
    role = f"arn:aws:iam::{ACCOUNT}:role/task"
    exec_role = f"arn:aws:iam::{ACCOUNT}:role/exec"
    ov = {"containerOverrides": [
              {"name": "web", "cpu": 300, "memory": 400, "memoryReservation": 350,
               "command": ["serve"], "environment": [{"name": "A", "value": "1"}],
               "environmentFiles": [{"value": "arn:aws:s3:::bucket/app.env", "type": "s3"}],
               "resourceRequirements": [{"value": "1", "type": "GPU"}]},
              {"name": "log", "memoryReservation": 70}],
          "taskRoleArn": role, "executionRoleArn": exec_role, "ephemeralStorage": {"sizeInGiB": 30}}
    t = ecs.run_task(cluster=cluster, taskDefinition=td["family"], overrides=ov)["tasks"][0]
    want = {"containerOverrides": [ov["containerOverrides"][0], {"name": "log", "memoryReservation": 70}],
            "taskRoleArn": role, "executionRoleArn": exec_role, "ephemeralStorage": {"sizeInGiB": 30},
            "inferenceAcceleratorOverrides": []}
    assert t["overrides"] == want, t["overrides"]
    web, log = t["containers"]
    assert (web["cpu"], web["memory"], web["memoryReservation"]) == ("300", "400", "350")
    assert log["memoryReservation"] == "70"
    # placement reserved the overridden sizes: cpu 300 + 0, memory 350 (reservation) + 70
    assert used(a, before) == (300, 420), used(a, before)
    [d] = ecs.describe_tasks(cluster=cluster, tasks=[t["taskArn"]])["tasks"]
    assert d["overrides"] == want and d["containers"][0]["memory"] == "400"
    # the agent is handed the effective definition (command/environment stay in overrides)
    [p] = [x for x in a.tasks().values() if x["taskArn"] == t["taskArn"]]
    pweb, plog = p["taskDefinition"]["containerDefinitions"]
    assert (pweb["cpu"], pweb["memory"], pweb["memoryReservation"]) == (300, 400, 350)
    assert pweb["environmentFiles"] == ov["containerOverrides"][0]["environmentFiles"]
    assert pweb["resourceRequirements"] == [{"value": "1", "type": "GPU"}]
    assert plog["memoryReservation"] == 70
    assert p["taskDefinition"]["taskRoleArn"] == role and p["taskDefinition"]["executionRoleArn"] == exec_role
    assert p["overrides"]["containerOverrides"][0]["command"] == ["serve"]
    # the revision itself is unchanged
    rev = ecs.describe_task_definition(taskDefinition=td["taskDefinitionArn"])["taskDefinition"]
    assert rev["containerDefinitions"][0]["memory"] == 200 and "taskRoleArn" not in rev
    # stopping gives back exactly what was reserved
    ecs.stop_task(cluster=cluster, task=t["taskArn"])
    a.stop_task(t["taskArn"])
    assert used(a, before) == (0, 0)


def test_task_level_overrides(server):
    ecs, cluster, td, [a] = setup(server, cpu=2048, memory=4096)
    before = a.remaining()
    t = ecs.run_task(cluster=cluster, taskDefinition=td["family"],
                     overrides={"cpu": "1 vCPU", "memory": "1GB"})["tasks"][0]
    assert (t["cpu"], t["memory"]) == ("1024", "1024")  # shown as numbers, as a definition's
    assert (t["overrides"]["cpu"], t["overrides"]["memory"]) == ("1 vCPU", "1GB")  # as sent
    assert used(a, before) == (1024, 1024)
    p = a.tasks()[t["taskArn"]]["taskDefinition"]
    assert (p["cpu"], p["memory"]) == ("1024", "1024")
    # a definition with its own task-level size: the override wins, the rest stays
    fam = unique("sized")
    ecs.register_task_definition(family=fam, cpu="512", memory="512", containerDefinitions=[
        {"name": "a", "image": "x", "memory": 100}])
    before = a.remaining()
    t = ecs.run_task(cluster=cluster, taskDefinition=fam, overrides={"memory": "768"})["tasks"][0]
    assert (t["cpu"], t["memory"]) == ("512", "768")
    assert used(a, before) == (512, 768)
    # the overrides decide what fits: of 3 x 2048 MiB, one fits in the 2304 MiB left
    before = a.remaining()
    assert before["MEMORY"] == 4096 - 1024 - 768
    r = ecs.run_task(cluster=cluster, taskDefinition=fam, count=3, overrides={"memory": "2048", "cpu": "128"})
    assert len(r["tasks"]) == 1 and [f["reason"] for f in r["failures"]] == ["RESOURCE:MEMORY"] * 2, r
    assert used(a, before) == (128, 2048)


def test_overrides_make_placement_fail(server):
    ecs, cluster, td, [a] = setup(server, cpu=1024, memory=1000)
    before = a.remaining()
    r = ecs.run_task(cluster=cluster, taskDefinition=td["family"],
                     overrides={"containerOverrides": [{"name": "web", "memory": 2000}]})
    # memory 2000 with no reservation reserves 2000 (+50): the instance's 1000 do not hold it
    assert r["tasks"] == [] and r["failures"] == [{"arn": a.arn, "reason": "RESOURCE:MEMORY"}], r
    r = ecs.start_task(cluster=cluster, taskDefinition=td["family"], containerInstances=[a.arn],
                       overrides={"containerOverrides": [{"name": "log", "cpu": 2000}]})
    assert r["tasks"] == [] and r["failures"] == [{"arn": a.arn, "reason": "RESOURCE:CPU"}], r
    assert used(a, before) == (0, 0)
    # the same on StartTask when it fits: reserved as overridden
    s = ecs.start_task(cluster=cluster, taskDefinition=td["family"], containerInstances=[a.arn],
                       overrides={"containerOverrides": [{"name": "web", "cpu": 10, "memoryReservation": 20}]})
    assert s["failures"] == [] and used(a, before) == (10, 70)


def test_override_refusals(server):
    ecs, cluster, td, [a] = setup(server)
    fam = td["family"]

    def run(**ov):
        return lambda: ecs.run_task(cluster=cluster, taskDefinition=fam, overrides=ov)

    def web(**kw):
        return {"containerOverrides": [dict(name="web", **kw)]}
    cases = [
        (run(containerOverrides=[{"name": "nope"}]),
         "Override for container named nope is not a container in the TaskDefinition."),
        (run(**web(command=["x" * 100] * 82)), "Container Overrides length must be at most 8192"),
        (run(**web(cpu=-1)), "overrides.containerOverrides[0].cpu"),
        (run(**web(cpu=10241)), "overrides.containerOverrides[0].cpu"),
        (run(**web(memory=3)), "overrides.containerOverrides[0].memory"),
        (run(**web(memoryReservation=0)), "overrides.containerOverrides[0].memoryReservation"),
        (run(**web(memoryReservation=300)), "memoryReservation 300 MiB must not be more than its memory 200 MiB"),
        (run(**web(memory=100, memoryReservation=150)), "memoryReservation 150 MiB"),
        (run(**web(resourceRequirements=[{"type": "GPU", "value": "many"}])), "resourceRequirements[0]"),
        (run(**web(resourceRequirements=[{"type": "InferenceAccelerator", "value": "dev1"}])),
         "'dev1' is not a deviceName"),
        (run(cpu="lots"), "overrides.cpu: 'lots'"),
        (run(memory="-5"), "overrides.memory: '-5'"),
        (run(ephemeralStorage={"sizeInGiB": 20}), "overrides.ephemeralStorage.sizeInGiB"),
        (run(ephemeralStorage={"sizeInGiB": 201}), "overrides.ephemeralStorage.sizeInGiB"),
        (run(inferenceAcceleratorOverrides=[{"deviceName": "d0", "deviceType": "eia2.medium"}]),
         "overrides.inferenceAcceleratorOverrides[0]: deviceName 'd0'"),
    ]
    for fn, msg in cases:
        expect_error(fn, INVALID, msg)
    # StartTask checks the same way
    expect_error(lambda: ecs.start_task(cluster=cluster, taskDefinition=fam, containerInstances=[a.arn],
                                        overrides=web(memory=2)), INVALID, "overrides.containerOverrides[0].memory")
    # a memory above the reservation of the definition is fine; the reservation alone too
    assert ecs.run_task(cluster=cluster, taskDefinition=fam, overrides={"containerOverrides": [
        {"name": "log", "memory": 60}]})["tasks"]
    # nothing of the refused calls was placed
    assert len(ecs.list_tasks(cluster=cluster)["taskArns"]) == 1


def test_member_refusals(server):
    ecs, cluster, td, [a] = setup(server)
    fam = td["family"]
    vpc = {"awsvpcConfiguration": {"subnets": ["subnet-1"]}}
    awsvpc = unique("vpc")
    ecs.register_task_definition(family=awsvpc, networkMode="awsvpc", containerDefinitions=[
        {"name": "a", "image": "x", "memory": 64}])
    ebs = unique("ebs")
    ecs.register_task_definition(family=ebs, containerDefinitions=[{"name": "a", "image": "x", "memory": 64}],
                                 volumes=[{"name": "data", "configuredAtLaunch": True}])
    cases = [
        (dict(launchType="EC2", capacityProviderStrategy=[{"capacityProvider": "FARGATE"}]),
         "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again."),
        (dict(capacityProviderStrategy=[{"capacityProvider": "FARGATE"}]),
         "The specified capacity provider strategy cannot contain a capacity provider that is not associated "
         "with the cluster."),
        (dict(launchType="FARGATE"), "Task definition does not support launch_type FARGATE."),
        (dict(launchType="MANAGED_INSTANCES"), "launchType MANAGED_INSTANCES is not supported by ecsd"),
        (dict(platformVersion="LATEST"), "The platform version must be null when specifying an EC2 launch type."),
        (dict(platformVersion="1.4.0", launchType="EXTERNAL"),
         "The platform version must be null when specifying an EXTERNAL launch type."),
        (dict(networkConfiguration=vpc), "Network Configuration is not valid for the given networkMode of this "
                                         "task definition."),
        (dict(taskDefinition=awsvpc), "Network Configuration must be provided when networkMode 'awsvpc' is "
                                      "specified."),
        (dict(taskDefinition=awsvpc, networkConfiguration={"awsvpcConfiguration": {"subnets": []}}),
         "subnets can not be empty."),
        (dict(taskDefinition=awsvpc, networkConfiguration={"awsvpcConfiguration": {
            "subnets": ["s"], "securityGroups": [f"sg-{i}" for i in range(6)]}}),
         "securityGroups can have at most 5 items."),
        (dict(taskDefinition=awsvpc, networkConfiguration={"awsvpcConfiguration": {
            "subnets": ["s"], "assignPublicIp": "ENABLED"}}),
         "Assign public IP is not supported for this launch type."),
        (dict(taskDefinition=awsvpc, launchType="EXTERNAL", networkConfiguration=vpc),
         "Task definition does not support launch_type EXTERNAL."),
        (dict(volumeConfigurations=[{"name": "data", "managedEBSVolume": {"roleArn": "arn:aws:iam::1:role/r"}}]),
         "Volume configuration provided but no matching configuredAtLaunch volume found in task definition."),
        (dict(taskDefinition=ebs, volumeConfigurations=[
            {"name": "other", "managedEBSVolume": {"roleArn": "arn:aws:iam::1:role/r"}}]),
         "Volume configuration provided but no matching configuredAtLaunch volume found in task definition."),
        (dict(group="g" * 256), "group: from 1 to 255 characters."),
        (dict(group=""), "group: from 1 to 255 characters."),
        (dict(referenceId="r" * 1025), "referenceId: at most 1024 characters."),
    ]
    for kw, msg in cases:
        kw = dict({"cluster": cluster, "taskDefinition": fam}, **kw)
        expect_error(lambda: ecs.run_task(**kw), INVALID, msg)
    # StartTask has networkConfiguration, group, referenceId and volumeConfigurations too
    for kw, msg in [(dict(networkConfiguration=vpc), "Network Configuration is not valid"),
                    (dict(taskDefinition=awsvpc), "Network Configuration must be provided"),
                    (dict(group="g" * 256), "group: from 1 to 255 characters."),
                    (dict(referenceId="r" * 1025), "referenceId")]:
        kw = dict({"cluster": cluster, "taskDefinition": fam, "containerInstances": [a.arn]}, **kw)
        expect_error(lambda: ecs.start_task(**kw), INVALID, msg)
    assert ecs.list_tasks(cluster=cluster)["taskArns"] == []
    assert a.remaining()["MEMORY"] == 8192
    # awsvpc with its network configuration: accepted, then placement fails naming networkMode awsvpc
    r = ecs.run_task(cluster=cluster, taskDefinition=awsvpc, networkConfiguration={"awsvpcConfiguration": {
        "subnets": ["subnet-1"], "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"}})
    [f] = r["failures"]
    assert r["tasks"] == [] and f["reason"] == "ATTRIBUTE" and "networkMode awsvpc" in f["detail"], f


def test_fargate_accepted_then_needs_fargate_capacity(server):
    """The fake agent registers neither ecs.capability.task-eni nor
    ecs.capability.fargate: a Fargate task is accepted, then fails placement
    naming what it needs (test_fargate.py places them on agents that offer it)."""
    ecs, cluster, td, [a] = setup(server)
    fam = unique("fg")
    ecs.register_task_definition(family=fam, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                                 cpu="256", memory="512", containerDefinitions=[{"name": "a", "image": "x"}])
    vpc = {"awsvpcConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": "ENABLED"}}
    for pv in (None, "LATEST", "1.4.0"):
        kw = {"platformVersion": pv} if pv else {}
        r = ecs.run_task(cluster=cluster, taskDefinition=fam, launchType="FARGATE", networkConfiguration=vpc,
                         count=2, **kw)
        assert r["tasks"] == [] and len(r["failures"]) == 2, r
        for f in r["failures"]:
            assert (f["arn"], f["reason"]) == (a.arn, "ATTRIBUTE"), f
            assert "ecs.capability.task-eni" in f["detail"], f
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=fam, launchType="FARGATE",
                                      networkConfiguration=vpc, platformVersion="9.9.9"),
                 INVALID, "platformVersion '9.9.9' does not exist")
    # through the cluster's FARGATE capacity providers: Fargate tasks as well
    ecs.put_cluster_capacity_providers(cluster=cluster, capacityProviders=["FARGATE", "FARGATE_SPOT"],
                                       defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT",
                                                                         "weight": 1}])
    r = ecs.run_task(cluster=cluster, taskDefinition=fam, networkConfiguration=vpc,
                     capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1, "base": 1}])
    [f] = r["failures"]
    assert f["reason"] == "ATTRIBUTE", f
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=fam, networkConfiguration=vpc,
                                      capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 2000}]),
                 INVALID, "capacityProviderStrategy[0]: weight must be between 0 and 1000.")
    # neither launchType nor a strategy: the cluster's default strategy, as on ECS
    r = ecs.run_task(cluster=cluster, taskDefinition=fam, networkConfiguration=vpc)
    [f] = r["failures"]
    assert f["reason"] == "ATTRIBUTE", f
    # an EC2-only definition cannot go there
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=td["family"]),
                 INVALID, "Task definition does not support launch_type FARGATE.")
    # launchType EC2 said outright still places on the instances
    t = ecs.run_task(cluster=cluster, taskDefinition=td["family"], launchType="EC2")["tasks"][0]
    assert t["launchType"] == "EC2" and "capacityProviderName" not in t
    assert ecs.list_tasks(cluster=cluster)["taskArns"] == [t["taskArn"]]


def test_ebs_volume_configuration_fails_placement(server):
    ecs, cluster, td, [a] = setup(server)
    fam = unique("ebs")
    ecs.register_task_definition(family=fam, containerDefinitions=[
        {"name": "a", "image": "x", "memory": 64, "mountPoints": [{"sourceVolume": "data", "containerPath": "/d"}]}],
        volumes=[{"name": "data", "configuredAtLaunch": True}])
    vc = [{"name": "data", "managedEBSVolume": {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/ebs", "sizeInGiB": 10}}]
    r = ecs.run_task(cluster=cluster, taskDefinition=fam, volumeConfigurations=vc)
    [f] = r["failures"]
    assert r["tasks"] == [] and f["reason"] == "VOLUME_CONFIGURATION", f
    assert "volumeConfigurations" in f["detail"] and "data" in f["detail"] and "EBS" in f["detail"], f
    # StartTask: a failure for each instance named, by its ARN
    short_id = a.arn.rsplit("/", 1)[1]
    r = ecs.start_task(cluster=cluster, taskDefinition=fam, containerInstances=[a.arn, short_id],
                       volumeConfigurations=vc)
    assert r["tasks"] == [] and [(f["arn"], f["reason"]) for f in r["failures"]] == [
        (a.arn, "VOLUME_CONFIGURATION")] * 2, r
    assert ecs.list_tasks(cluster=cluster)["taskArns"] == []


def test_cli_overrides(server):
    ecs, cluster, td, [a] = setup(server)
    ov = json.dumps({"containerOverrides": [{"name": "web", "memory": 256}], "memory": "512"})
    out = server.cli("run-task", "--cluster", cluster, "--task-definition", td["family"],
                     "--overrides", ov, "--group", "cli", "--enable-execute-command")
    [t] = out["tasks"]
    assert (t["group"], t["memory"], t["containers"][0]["memory"], t["enableExecuteCommand"]) == (
        "cli", "512", "256", True)
    assert resources(a.describe()["remainingResources"])["MEMORY"] == 8192 - 512
