"""ARNs and regions as today's ECS has them (issue 10, point 6): the long
ARN format by default, both formats accepted on input, every resource in
(account, region) with the region of the request's signature, --regions,
DiscoverPollEndpoint's telemetryEndpoint, ListContainerInstances status /
filter and ListTasks launchType; with boto3 and the aws CLI."""
import json
import os
import re
import subprocess

from fake_agent import FakeAgent, unique
from harness import ACCOUNT, BIN, REGION, expect_error, own_server

OTHER = "eu-west-1"
PREFIX = f"arn:aws:ecs:{REGION}:{ACCOUNT}:"
HEX32 = "[0-9a-f]{32}"
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
CONTAINERS = [{"name": "web", "image": "nginx", "memory": 64}, {"name": "log", "image": "busybox", "memory": 32}]


def setup(server, region=REGION, cluster=None):
    ecs = server.client(region=region)
    cluster = ecs.create_cluster(clusterName=cluster or unique("arns"))["cluster"]["clusterName"]
    family = unique("fam")
    ecs.register_task_definition(family=family, containerDefinitions=CONTAINERS)
    agent = FakeAgent(server, cluster, region=region).register()
    return ecs, cluster, family, agent


def test_long_arns_by_default(server):
    ecs, cluster, family, agent = setup(server)
    assert re.fullmatch(f"{PREFIX}container-instance/{cluster}/{HEX32}", agent.arn), agent.arn
    assert agent.registered["ec2InstanceId"].startswith("i-")
    task = ecs.run_task(cluster=cluster, taskDefinition=family)["tasks"][0]
    m = re.fullmatch(f"{PREFIX}task/{cluster}/({HEX32})", task["taskArn"])
    assert m, task["taskArn"]
    for c in task["containers"]:
        assert re.fullmatch(f"{PREFIX}container/{cluster}/{m.group(1)}/{UUID}", c["containerArn"]), c
        assert c["taskArn"] == task["taskArn"]
    svc = ecs.create_service(cluster=cluster, serviceName="web", taskDefinition=family, desiredCount=0)["service"]
    assert svc["serviceArn"] == f"{PREFIX}service/{cluster}/web"
    # listings give the same ARNs
    assert ecs.list_tasks(cluster=cluster)["taskArns"] == [task["taskArn"]]
    assert ecs.list_container_instances(cluster=cluster)["containerInstanceArns"] == [agent.arn]
    assert ecs.list_services(cluster=cluster)["serviceArns"] == [svc["serviceArn"]]
    assert server.cli("list-tasks", "--cluster", cluster)["taskArns"] == [task["taskArn"]]


def test_both_formats_accepted(server):
    ecs, cluster, family, agent = setup(server)
    task = ecs.run_task(cluster=cluster, taskDefinition=family)["tasks"][0]
    tid = task["taskArn"].rsplit("/", 1)[1]
    iid = agent.arn.rsplit("/", 1)[1]
    for ref in (task["taskArn"], tid, f"{PREFIX}task/{tid}"):  # long ARN, id, short ARN
        r = ecs.describe_tasks(cluster=cluster, tasks=[ref])
        assert [t["taskArn"] for t in r["tasks"]] == [task["taskArn"]] and r["failures"] == [], (ref, r)
    for ref in (agent.arn, iid, f"{PREFIX}container-instance/{iid}"):
        r = ecs.describe_container_instances(cluster=cluster, containerInstances=[ref])
        assert [c["containerInstanceArn"] for c in r["containerInstances"]] == [agent.arn], ref
        assert ecs.list_tasks(cluster=cluster, containerInstance=ref)["taskArns"] == [task["taskArn"]]
    started = ecs.start_task(cluster=cluster, taskDefinition=family,
                             containerInstances=[f"{PREFIX}container-instance/{iid}"])
    assert started["failures"] == [] and len(started["tasks"]) == 1
    ecs.create_service(cluster=cluster, serviceName="api", taskDefinition=family, desiredCount=0)
    for ref in (f"{PREFIX}service/{cluster}/api", f"{PREFIX}service/api", "api"):
        r = ecs.describe_services(cluster=cluster, services=[ref])
        assert [s["serviceName"] for s in r["services"]] == ["api"], ref
    assert ecs.update_service(cluster=cluster, service=f"{PREFIX}service/api", desiredCount=0)["service"][
        "serviceName"] == "api"
    stopped = ecs.stop_task(cluster=cluster, task=f"{PREFIX}task/{tid}")["task"]
    assert stopped["taskArn"] == task["taskArn"] and stopped["desiredStatus"] == "STOPPED"
    # a long ARN names its cluster: in another cluster it names nothing
    other = ecs.create_cluster(clusterName=unique("other"))["cluster"]["clusterName"]
    assert ecs.describe_tasks(cluster=other, tasks=[task["taskArn"]])["failures"] == [
        {"arn": task["taskArn"], "reason": "MISSING"}]
    r = ecs.describe_services(cluster=other, services=[f"{PREFIX}service/{cluster}/api"])
    assert r["services"] == [] and r["failures"][0]["reason"] == "MISSING"
    expect_error(lambda: ecs.stop_task(cluster=other, task=task["taskArn"]), "InvalidParameterException",
                 "The referenced task was not found.")
    # garbage is refused with the field named
    expect_error(lambda: ecs.describe_tasks(cluster=cluster, tasks=[f"{PREFIX}service/{cluster}/x"]),
                 "InvalidParameterException", "tasks")


def test_regions_of_one_account_are_apart(server):
    name = unique("shared")
    us, _, fam_us, agent_us = setup(server, REGION, name)
    eu, _, fam_eu, agent_eu = setup(server, OTHER, name)
    eu_prefix = f"arn:aws:ecs:{OTHER}:{ACCOUNT}:"
    c_us = us.describe_clusters(clusters=[name])["clusters"][0]
    c_eu = eu.describe_clusters(clusters=[name])["clusters"][0]
    assert c_us["clusterArn"] == f"{PREFIX}cluster/{name}" and c_eu["clusterArn"] == f"{eu_prefix}cluster/{name}"
    assert c_us["registeredContainerInstancesCount"] == 1 and c_eu["registeredContainerInstancesCount"] == 1
    assert agent_eu.arn.startswith(f"{eu_prefix}container-instance/{name}/")
    t_eu = eu.run_task(cluster=name, taskDefinition=fam_eu)["tasks"][0]
    assert t_eu["taskArn"].startswith(f"{eu_prefix}task/{name}/")
    assert t_eu["taskDefinitionArn"] == f"{eu_prefix}task-definition/{fam_eu}:1"
    assert t_eu["containerInstanceArn"] == agent_eu.arn
    # listings are the region's own
    assert us.list_tasks(cluster=name)["taskArns"] == []
    assert eu.list_tasks(cluster=name)["taskArns"] == [t_eu["taskArn"]]
    assert us.list_container_instances(cluster=name)["containerInstanceArns"] == [agent_us.arn]
    assert eu.list_container_instances(cluster=name)["containerInstanceArns"] == [agent_eu.arn]
    assert f"{eu_prefix}cluster/{name}" in eu.list_clusters(maxResults=100)["clusterArns"]
    us_families = us.list_task_definition_families(familyPrefix=fam_eu)["families"]
    assert us_families == [] and eu.list_task_definition_families(familyPrefix=fam_eu)["families"] == [fam_eu]
    # an ARN of the other region names nothing here
    r = us.describe_tasks(cluster=name, tasks=[t_eu["taskArn"]])
    assert r["tasks"] == [] and r["failures"] == [{"arn": t_eu["taskArn"], "reason": "MISSING"}]
    r = us.describe_clusters(clusters=[c_eu["clusterArn"]])
    assert r["clusters"] == [] and r["failures"] == [{"arn": c_eu["clusterArn"], "reason": "MISSING"}]
    expect_error(lambda: us.list_tasks(cluster=c_eu["clusterArn"]), "ClusterNotFoundException")
    r = us.describe_container_instances(cluster=name, containerInstances=[agent_eu.arn])
    assert r["containerInstances"] == [] and r["failures"][0]["reason"] == "MISSING"
    expect_error(lambda: us.run_task(cluster=name, taskDefinition=t_eu["taskDefinitionArn"]), "ClientException")
    # deleting one region's cluster leaves the other's
    eu.stop_task(cluster=name, task=t_eu["taskArn"])
    eu.deregister_container_instance(cluster=name, containerInstance=agent_eu.arn, force=True)
    assert eu.delete_cluster(cluster=name)["cluster"]["status"] == "INACTIVE"
    assert us.describe_clusters(clusters=[name])["clusters"][0]["status"] == "ACTIVE"
    # the aws CLI signs for the region it is given
    out = server.cli("describe-clusters", "--clusters", name, "--region", OTHER)
    assert out["clusters"][0]["clusterArn"] == c_eu["clusterArn"] and out["clusters"][0]["status"] == "INACTIVE"


def test_discover_poll_endpoint_and_agent_region(server):
    eu, cluster, family, agent = setup(server, OTHER)
    # an agent signing for eu-west-1 polls that region's instance and tasks
    task = eu.run_task(cluster=cluster, taskDefinition=family)["tasks"][0]
    state = agent.poll(index=0)
    assert [t["taskArn"] for t in state["tasks"]] == [task["taskArn"]]
    agent.start_task(task["taskArn"])
    assert eu.describe_tasks(cluster=cluster, tasks=[task["taskArn"]])["tasks"][0]["lastStatus"] == "RUNNING"
    # the same instance polled for another region is not there
    us_agent = FakeAgent(server, cluster)
    us_agent.arn, us_agent.endpoint = agent.arn, f"{server.endpoint}/v1/poll"
    status, body = us_agent.poll_raw(0)
    assert (status, body["__type"]) == (400, "ClusterNotFoundException"), body
    r = eu.discover_poll_endpoint(cluster=cluster, containerInstance=agent.arn)
    assert r["endpoint"] == f"{server.endpoint}/v1/poll"
    assert r["telemetryEndpoint"] == f"{server.endpoint}/"
    assert r["serviceConnectEndpoint"] == f"{server.endpoint}/"
    out = server.cli("discover-poll-endpoint", "--cluster", cluster)
    assert out["telemetryEndpoint"] == f"{server.endpoint}/"


def test_list_container_instances_status_and_filter(server):
    ecs, cluster, family, a = setup(server)
    b = FakeAgent(server, cluster).register()
    gone = FakeAgent(server, cluster).register()
    ecs.deregister_container_instance(cluster=cluster, containerInstance=gone.arn)
    assert sorted(ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]) == sorted([a.arn, b.arn])
    assert sorted(ecs.list_container_instances(cluster=cluster, status="ACTIVE")["containerInstanceArns"]) == \
        sorted([a.arn, b.arn])
    for status in ("DRAINING", "REGISTERING", "DEREGISTERING", "REGISTRATION_FAILED"):
        assert ecs.list_container_instances(cluster=cluster, status=status)["containerInstanceArns"] == [], status
    expect_error(lambda: ecs.list_container_instances(cluster=cluster, status="INACTIVE"),
                 "InvalidParameterException", "status")
    # the filter's query language itself: test_attributes.py
    assert sorted(ecs.list_container_instances(cluster=cluster, filter="attribute:ecs.os-type == linux")
                  ["containerInstanceArns"]) == sorted([a.arn, b.arn])
    assert ecs.list_container_instances(cluster=cluster, filter="attribute:ecs.os-type == windows",
                                        status="ACTIVE")["containerInstanceArns"] == []
    assert len(ecs.list_container_instances(cluster=cluster, filter="")["containerInstanceArns"]) == 2
    out = server.cli("list-container-instances", "--cluster", cluster, "--status", "ACTIVE")
    assert sorted(out["containerInstanceArns"]) == sorted([a.arn, b.arn])


def test_list_tasks_launch_type(server):
    ecs, cluster, family, agent = setup(server, cluster=None)
    arns = [t["taskArn"] for t in ecs.run_task(cluster=cluster, taskDefinition=family, count=3)["tasks"]]
    assert sorted(ecs.list_tasks(cluster=cluster, launchType="EC2")["taskArns"]) == sorted(arns)
    for lt in ("FARGATE", "EXTERNAL"):
        assert ecs.list_tasks(cluster=cluster, launchType=lt)["taskArns"] == [], lt
    # pages of a filtered listing
    seen, token = [], None
    while True:
        r = ecs.list_tasks(cluster=cluster, launchType="EC2", maxResults=2, **({"nextToken": token} if token else {}))
        assert len(r["taskArns"]) <= 2
        seen += r["taskArns"]
        token = r.get("nextToken")
        if not token:
            break
    assert sorted(seen) == sorted(arns) and len(seen) == 3
    expect_error(lambda: ecs.list_tasks(cluster=cluster, launchType="SPOT"), "InvalidParameterException", "launchType")


def test_regions_option(_server):
    with own_server(extra_args=["--regions", f"{REGION},{OTHER}"]) as s:
        assert s.client(region=OTHER).create_cluster(clusterName="ok")["cluster"]["clusterArn"] == \
            f"arn:aws:ecs:{OTHER}:{ACCOUNT}:cluster/ok"
        s.client().list_clusters()
        expect_error(lambda: s.client(region="ap-south-1").list_clusters(), "InvalidSignatureException",
                     "Credential should be scoped to a valid region, not 'ap-south-1'. ")
        p = s.cli("list-clusters", "--region", "ap-south-1", check=False)
        assert p.returncode != 0 and "InvalidSignatureException" in p.stderr
    # unsigned requests (--insecure-no-auth) use --region; signed ones their own
    with own_server(auth=False, extra_args=["--regions", f"{REGION},{OTHER}"]) as s:
        st, _, doc = s.raw(json.dumps({"clusterName": "plain"}), target="CreateCluster", sign=False)
        assert st == 200 and doc["cluster"]["clusterArn"] == f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/plain"
        arn = s.client(region=OTHER).create_cluster(clusterName="signed")["cluster"]["clusterArn"]
        assert arn == f"arn:aws:ecs:{OTHER}:{ACCOUNT}:cluster/signed"
        assert s.client(region=OTHER).list_clusters()["clusterArns"] == [arn]
        expect_error(lambda: s.client(region="ap-south-1").list_clusters(), "InvalidSignatureException")
    # the default region must be one of --regions; names are checked
    for bad in (OTHER, f"{REGION},,{OTHER}", f"{REGION},EU"):
        p = subprocess.run([BIN, "server", "--region", REGION, "--regions", bad, "--insecure-no-auth",
                            "--data-dir", "/nonexistent-ecsd"], capture_output=True, text=True, timeout=30,
                           env=dict(os.environ, ASAN_OPTIONS="detect_leaks=1"))
        assert p.returncode == 2 and "--regions" in p.stderr, (bad, p.returncode, p.stderr)
