"""Server side of issue 10 point 3, with a fake agent (no Docker): instance
attributes from RegisterContainerInstance, placement against them (reason
ATTRIBUTE, awsvpc named), task-level cpu/memory and memoryReservation in
what a task reserves, and the health the agent reports (ecsd's members
healthStatus / taskHealthStatus, sent raw: boto3 knows no such members)."""
import json
import urllib.error
import urllib.request

import botocore.exceptions
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from fake_agent import VERSION, FakeAgent, total_resources, unique
from harness import KEY_ID, REGION, SECRET

ATTRS = [{"name": "ecs.os-type", "value": "linux"}, {"name": "ecs.capability.container-health-check"},
         {"name": "com.amazonaws.ecs.capability.logging-driver.json-file"}]


def raw_call(server, op, body):
    """A signed request the way the agent sends it; returns (status, answer)."""
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1",
               "X-Amz-Target": f"AmazonEC2ContainerServiceV20141113.{op}"}
    req = AWSRequest(method="POST", url=server.endpoint + "/", data=data, headers=headers)
    SigV4Auth(Credentials(KEY_ID, SECRET), "ecs", REGION).add_auth(req)
    http_req = urllib.request.Request(server.endpoint + "/", data=data, headers=dict(req.headers), method="POST")
    try:
        with urllib.request.urlopen(http_req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def setup(server, attributes=ATTRS):
    cluster = unique("attr")
    ecs = server.client()
    ecs.create_cluster(clusterName=cluster)
    agent = FakeAgent(server, cluster, cpu=2048, memory=4096)
    agent.registered = ecs.register_container_instance(
        cluster=cluster, versionInfo=VERSION, totalResources=total_resources(2048, 4096),
        attributes=attributes)["containerInstance"]
    agent.arn = agent.registered["containerInstanceArn"]
    agent.poll(index=0)  # heard from: connected
    return ecs, cluster, agent


def test_attributes_stored_shown_and_checked(server):
    ecs, cluster, agent = setup(server, ATTRS + [{"name": "stack", "value": "prod", "targetType":
                                                  "container-instance"}])
    shown = {a["name"]: a.get("value") for a in agent.describe()["attributes"]}
    assert shown == {"ecs.os-type": "linux", "ecs.capability.container-health-check": None,
                     "com.amazonaws.ecs.capability.logging-driver.json-file": None, "stack": "prod"}, shown
    # re-registration: the agent's attributes are replaced, a custom one stays
    ecs.register_container_instance(cluster=cluster, containerInstanceArn=agent.arn, versionInfo=VERSION,
                                    totalResources=total_resources(2048, 4096),
                                    attributes=[{"name": "ecs.os-type", "value": "linux"}])
    shown = {a["name"]: a.get("value") for a in agent.describe()["attributes"]}
    assert shown == {"ecs.os-type": "linux", "stack": "prod"}, shown
    for bad, field in [([{"name": "a b"}], "attributes[0].name"),
                       ([{"name": "ok"}, {"name": "x", "value": "trailing "}], "attributes[1].value"),
                       ([{"name": "x", "targetType": "container-instance", "value": "v#"}], "attributes[0].value")]:
        try:
            ecs.register_container_instance(cluster=cluster, versionInfo=VERSION,
                                            totalResources=total_resources(1024, 1024), attributes=bad)
            raise AssertionError(f"accepted {bad}")
        except botocore.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == "InvalidParameterException", e.response
            assert field in e.response["Error"]["Message"], e.response
    # nothing was registered by the refused calls
    assert len(ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]) == 1


def test_awsvpc_fails_placement_naming_it(server):
    ecs, cluster, agent = setup(server)
    family = unique("vpc")
    ecs.register_task_definition(family=family, networkMode="awsvpc",
                                 containerDefinitions=[{"name": "a", "image": "busybox", "memory": 16}])
    net = {"awsvpcConfiguration": {"subnets": ["subnet-12345678"]}}
    r = ecs.run_task(cluster=cluster, taskDefinition=family, networkConfiguration=net)
    assert r["tasks"] == [] and len(r["failures"]) == 1, r
    f = r["failures"][0]
    assert f["arn"] == agent.arn and f["reason"] == "ATTRIBUTE", f
    assert "awsvpc" in f["detail"] and "ecs.capability.task-eni" in f["detail"], f
    r = ecs.start_task(cluster=cluster, taskDefinition=family, containerInstances=[agent.arn],
                       networkConfiguration=net)
    assert r["tasks"] == [] and r["failures"][0]["reason"] == "ATTRIBUTE", r
    assert "awsvpc" in r["failures"][0]["detail"], r
    assert agent.remaining()["CPU"] == 2048  # nothing reserved


def test_task_level_cpu_memory_and_reservation_count(server):
    # memoryReservation requires docker-remote-api.1.21 (requiresAttributes), as an agent has it
    ecs, cluster, agent = setup(server, ATTRS + [{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.21"}])
    family = unique("lim")
    ecs.register_task_definition(family=family, cpu="1 vCPU", memory="0.5GB", containerDefinitions=[
        {"name": "a", "image": "busybox", "cpu": 10, "memory": 100}])
    r = ecs.run_task(cluster=cluster, taskDefinition=family)
    assert not r["failures"], r
    rem = agent.remaining()
    assert rem["CPU"] == 2048 - 1024 and rem["MEMORY"] == 4096 - 512, rem
    # a second fits, a third not: RESOURCE:CPU
    assert not ecs.run_task(cluster=cluster, taskDefinition=family)["failures"]
    r = ecs.run_task(cluster=cluster, taskDefinition=family)
    assert r["tasks"] == [] and r["failures"][0]["reason"] == "RESOURCE:CPU", r
    # without task-level values: a container's memoryReservation is what it reserves
    soft = unique("soft")
    ecs.register_task_definition(family=soft, containerDefinitions=[
        {"name": "a", "image": "busybox", "memory": 300, "memoryReservation": 100}])
    before = agent.remaining()["MEMORY"]
    assert not ecs.run_task(cluster=cluster, taskDefinition=soft)["failures"]
    assert before - agent.remaining()["MEMORY"] == 100


def test_health_reported_and_shown(server):
    ecs, cluster, agent = setup(server)
    family = unique("hc")
    ecs.register_task_definition(family=family, containerDefinitions=[
        {"name": "web", "image": "busybox", "memory": 16},
        {"name": "side", "image": "busybox", "memory": 16, "essential": False}])
    arn = ecs.run_task(cluster=cluster, taskDefinition=family)["tasks"][0]["taskArn"]
    t = agent.describe_task(arn)
    assert t["healthStatus"] == "UNKNOWN" and {c["healthStatus"] for c in t["containers"]} == {"UNKNOWN"}, t

    def report(name, status, **health):
        st, ans = raw_call(server, "SubmitContainerStateChange",
                           dict(cluster=cluster, task=arn, containerName=name, status=status, **health))
        assert st == 200 and ans == {"acknowledgment": "ACK"}, (st, ans)

    report("web", "RUNNING", healthStatus="UNKNOWN", taskHealthStatus="UNKNOWN")
    report("side", "RUNNING")
    version = agent.describe_task(arn)["version"]
    # a repeated RUNNING report with a new verdict: stored, the version moves
    report("web", "RUNNING", healthStatus="HEALTHY", taskHealthStatus="HEALTHY")
    t = agent.describe_task(arn)
    by = {c["name"]: c for c in t["containers"]}
    assert t["healthStatus"] == "HEALTHY" and by["web"]["healthStatus"] == "HEALTHY", t
    assert by["side"]["healthStatus"] == "UNKNOWN" and t["version"] > version, t
    # values outside the enum are ignored
    report("web", "RUNNING", healthStatus="SICK", taskHealthStatus="MEH")
    assert agent.describe_task(arn)["healthStatus"] == "HEALTHY"
    report("web", "RUNNING", healthStatus="UNHEALTHY", taskHealthStatus="UNHEALTHY")
    t = agent.describe_task(arn)
    assert t["healthStatus"] == "UNHEALTHY" and t["lastStatus"] == "RUNNING", t
    # once stopped, health no longer changes
    agent.stop_task(arn)
    report("web", "RUNNING", healthStatus="HEALTHY", taskHealthStatus="HEALTHY")
    t = agent.describe_task(arn)
    assert t["lastStatus"] == "STOPPED" and t["healthStatus"] == "UNHEALTHY", t
