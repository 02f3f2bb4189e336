"""Issue 11 point 6 with fake agents: Fargate's rules on RunTask, placement
on instances offering Fargate capacity (ecs.capability.fargate,
-fargate-only), the ENI attachment of awsvpc tasks (PRECREATED, ATTACHED
from SubmitAttachmentStateChanges or SubmitTaskStateChange's attachments,
DELETED) and awsvpc ports not taken from the host (model/fargate.h)."""
import json

from fake_agent import MODERN_ATTRIBUTES, FakeAgent, unique
from harness import expect_error

INVALID = "InvalidParameterException"
ENI = [{"name": "ecs.capability.task-eni"}]
FARGATE = ENI + [{"name": "ecs.capability.fargate"}]
ONLY = FARGATE + [{"name": "ecs.capability.fargate-only"}]
VPC = {"awsvpcConfiguration": {"subnets": ["subnet-aa", "subnet-bb"], "securityGroups": ["sg-1"],
                               "assignPublicIp": "ENABLED"}}


def agent(server, cluster, extra, **kw):
    return FakeAgent(server, cluster, cpu=4096, memory=8192, attributes=list(MODERN_ATTRIBUTES) + extra,
                     **kw).register()


def fargate_family(ecs, **kw):
    fam = unique("fg")
    ecs.register_task_definition(family=fam, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                                 cpu=kw.pop("cpu", "256"), memory=kw.pop("memory", "512"), containerDefinitions=[
                                     {"name": "web", "image": "x", "portMappings": [{"containerPort": 80}]},
                                     {"name": "side", "image": "x"}], **kw)
    return fam


def eni(task):
    [a] = task["attachments"]
    return a, {d["name"]: d["value"] for d in a["details"]}


def attach(server, cluster, task, ip, via="attachments"):
    arn = task["taskArn"].split(":task/")[0] + ":attachment/" + eni(task)[0]["id"]
    change = {"attachmentArn": arn, "status": "ATTACHED", "details": [
        {"name": "networkInterfaceId", "value": "eni-0123456789abcdef0"},
        {"name": "macAddress", "value": "02:42:0a:00:00:05"},
        {"name": "privateIPv4Address", "value": ip},
        {"name": "privateDnsName", "value": "ip-" + ip.replace(".", "-") + ".ec2.internal"},
        {"name": "subnetId", "value": "subnet-not-the-agents-to-say"}]}
    if via == "attachments":
        body, target = {"cluster": cluster, "attachments": [change]}, "SubmitAttachmentStateChanges"
    else:
        body, target = {"cluster": cluster, "task": task["taskArn"], "status": "RUNNING",
                        "attachments": [change]}, "SubmitTaskStateChange"
    status, _, out = server.raw(json.dumps(body), target=target)
    assert status == 200 and out == {"acknowledgment": "ACK"}, (status, out)


def test_fargate_run_task_rules(server):
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("fr"))["cluster"]["clusterName"]
    a = agent(server, cluster, FARGATE)
    fam = fargate_family(ecs)
    ec2 = unique("ec2")
    ecs.register_task_definition(family=ec2, containerDefinitions=[{"name": "a", "image": "x", "memory": 16}])
    base = dict(cluster=cluster, taskDefinition=fam, launchType="FARGATE", networkConfiguration=VPC)
    for kw, msg in [
        (dict(networkConfiguration=None), "Network Configuration must be provided when networkMode 'awsvpc' is "
                                          "specified."),
        (dict(taskDefinition=ec2, networkConfiguration=None), "Task definition does not support launch_type "
                                                              "FARGATE."),
        (dict(networkConfiguration={"awsvpcConfiguration": {"subnets": []}}), "subnets can not be empty."),
        (dict(networkConfiguration={"awsvpcConfiguration": {"subnets": [f"subnet-{i}" for i in range(17)]}}),
         "subnets can have at most 16 items."),
        (dict(networkConfiguration={"awsvpcConfiguration": {"subnets": ["s"], "securityGroups": [
            f"sg-{i}" for i in range(6)]}}), "securityGroups can have at most 5 items."),
        (dict(platformVersion="1.0.0"), "platformVersion '1.0.0' does not exist"),
        (dict(placementConstraints=[{"type": "distinctInstance"}]),
         "Placement constraints are not supported with FARGATE launch type."),
        (dict(placementStrategy=[{"type": "random"}]),
         "Placement strategies are not supported with FARGATE launch type."),
        (dict(overrides={"cpu": "256", "memory": "4096"}),
         "No Fargate configuration exists for given values: 256 CPU, 4096 memory."),
    ]:
        call = {k: v for k, v in dict(base, **kw).items() if v is not None}
        expect_error(lambda: ecs.run_task(**call), INVALID, msg)
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=fam, networkConfiguration=VPC,
                                      platformVersion="LATEST"),
                 INVALID, "The platform version must be null when specifying an EC2 launch type.")
    assert ecs.list_tasks(cluster=cluster)["taskArns"] == [], "a refused RunTask started something"
    assert a.remaining()["CPU"] == 4096
    # accepted: LATEST reads 1.4.0; the task shows Fargate's members and holds its task size
    for pv, shown in [(None, "1.4.0"), ("LATEST", "1.4.0"), ("1.4.0", "1.4.0")]:
        kw = {"platformVersion": pv} if pv else {}
        r = ecs.run_task(**base, **kw)
        assert not r["failures"], r
        t = r["tasks"][0]
        assert (t["launchType"], t["platformVersion"], t["platformFamily"]) == ("FARGATE", shown, "Linux"), t
        assert t["ephemeralStorage"] == {"sizeInGiB": 20} and t["fargateEphemeralStorage"] == {"sizeInGiB": 20}
        assert (t["cpu"], t["memory"]) == ("256", "512") and t["containerInstanceArn"] == a.arn
        att, d = eni(t)
        assert (att["type"], att["status"], d) == ("ElasticNetworkInterface", "PRECREATED",
                                                   {"subnetId": "subnet-aa"}), att
    assert a.remaining()["CPU"] == 4096 - 3 * 256
    assert len(ecs.list_tasks(cluster=cluster, launchType="FARGATE")["taskArns"]) == 3
    assert ecs.list_tasks(cluster=cluster, launchType="EC2")["taskArns"] == []
    # ephemeralStorage of the definition, and overrides to another valid size
    fam2 = fargate_family(ecs, ephemeralStorage={"sizeInGiB": 40})
    t = ecs.run_task(**dict(base, taskDefinition=fam2, overrides={"cpu": "512", "memory": "1024"}))["tasks"][0]
    assert t["ephemeralStorage"] == {"sizeInGiB": 40} and (t["cpu"], t["memory"]) == ("512", "1024"), t


def test_fargate_capacity_placement(server):
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("fc"))["cluster"]["clusterName"]
    none = agent(server, cluster, ENI)  # --fargate=no
    fam = fargate_family(ecs)
    r = ecs.run_task(cluster=cluster, taskDefinition=fam, launchType="FARGATE", networkConfiguration=VPC)
    [f] = r["failures"]
    assert (f["reason"], f["arn"]) == ("ATTRIBUTE", none.arn) and "ecs.capability.fargate" in f["detail"], f
    only = agent(server, cluster, ONLY)  # --fargate=only
    for _ in range(3):
        t = ecs.run_task(cluster=cluster, taskDefinition=fam, launchType="FARGATE",
                         networkConfiguration=VPC)["tasks"][0]
        assert t["containerInstanceArn"] == only.arn, t
    # an EC2 task never goes to the Fargate-only instance
    ec2 = unique("ec2")
    ecs.register_task_definition(family=ec2, containerDefinitions=[{"name": "a", "image": "x", "memory": 16}])
    for _ in range(4):
        t = ecs.run_task(cluster=cluster, taskDefinition=ec2)["tasks"][0]
        assert t["containerInstanceArn"] == none.arn and "attachments" not in t or t["attachments"] == [], t
    r = ecs.start_task(cluster=cluster, taskDefinition=ec2, containerInstances=[only.arn])
    [f] = r["failures"]
    assert f["reason"] == "ATTRIBUTE" and "only Fargate tasks" in f["detail"], f


def test_eni_attachment_reported_and_deleted(server):
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("fa"))["cluster"]["clusterName"]
    a = agent(server, cluster, FARGATE)
    fam = fargate_family(ecs)
    ports_before = a.remaining()["PORTS"]
    t1, t2 = ecs.run_task(cluster=cluster, taskDefinition=fam, launchType="FARGATE", networkConfiguration=VPC,
                          count=2)["tasks"]
    # the agent sees the attachment in its poll
    polled = a.tasks()[t1["taskArn"]]
    assert eni(polled)[0]["id"] == eni(t1)[0]["id"]
    attach(server, cluster, t1, "10.9.0.5")
    attach(server, cluster, t2, "10.9.0.6", via="task")
    for t, ip in [(t1, "10.9.0.5"), (t2, "10.9.0.6")]:
        got = a.describe_task(t["taskArn"])
        att, d = eni(got)
        assert att["status"] == "ATTACHED", att
        assert d == {"subnetId": "subnet-aa", "networkInterfaceId": "eni-0123456789abcdef0",
                     "macAddress": "02:42:0a:00:00:05", "privateIPv4Address": ip,
                     "privateDnsName": "ip-" + ip.replace(".", "-") + ".ec2.internal"}, d
        for c in got["containers"]:
            assert c["networkInterfaces"] == [{"attachmentId": att["id"], "privateIpv4Address": ip}], c
    assert a.describe_task(t2["taskArn"])["lastStatus"] == "RUNNING"
    # both bind port 80 on their own address: the host's ports stay free
    for t, ip in [(t1, "10.9.0.5"), (t2, "10.9.0.6")]:
        a.start_task(t["taskArn"], bindings={"web": [{"bindIP": ip, "containerPort": 80, "hostPort": 80,
                                                      "protocol": "tcp"}]})
    assert a.remaining()["PORTS"] == ports_before
    w = next(c for c in a.describe_task(t1["taskArn"])["containers"] if c["name"] == "web")
    assert w["networkBindings"][0]["bindIP"] == "10.9.0.5", w
    # a repeated or late report changes nothing; an unknown attachment is acknowledged
    v = a.describe_task(t1["taskArn"])["version"]
    attach(server, cluster, t1, "10.9.9.9")
    assert eni(a.describe_task(t1["taskArn"]))[1]["privateIPv4Address"] == "10.9.0.5"
    assert a.describe_task(t1["taskArn"])["version"] == v
    for arn in ["arn:aws:ecs:us-east-1:000000000000:attachment/00000000-0000-0000-0000-000000000000", "junk"]:
        status, _, out = server.raw(json.dumps({"cluster": cluster, "attachments": [
            {"attachmentArn": arn, "status": "ATTACHED"}]}), target="SubmitAttachmentStateChanges")
        assert status == 200 and out == {"acknowledgment": "ACK"}, out
    status, _, out = server.raw(json.dumps({"cluster": cluster}), target="SubmitAttachmentStateChanges")
    assert status == 400 and out["__type"] == INVALID and "attachments" in out["message"], out
    # stopped: the attachment is DELETED
    a.stop_task(t1["taskArn"])
    assert eni(a.describe_task(t1["taskArn"]))[0]["status"] == "DELETED"


def test_awsvpc_service_tasks_get_the_services_network(server):
    from svc_agents import AutoAgent
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("fs"))["cluster"]["clusterName"]
    fam = fargate_family(ecs)
    with AutoAgent(server, cluster, attributes=list(MODERN_ATTRIBUTES) + FARGATE):
        name = unique("svc")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=fam, desiredCount=2,
                           launchType="FARGATE", networkConfiguration=VPC)
        import time
        deadline = time.time() + 20
        arns = []
        while time.time() < deadline and len(arns) < 2:
            arns = ecs.list_tasks(cluster=cluster, serviceName=name)["taskArns"]
            time.sleep(0.2)
        assert len(arns) == 2, arns
        for t in ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"]:
            assert t["launchType"] == "FARGATE" and t["platformVersion"] == "1.4.0", t
            assert eni(t)[1]["subnetId"] == "subnet-aa", t["attachments"]
        ecs.update_service(cluster=cluster, service=name, desiredCount=0)
