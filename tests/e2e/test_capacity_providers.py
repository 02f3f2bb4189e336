"""Capacity providers (issue 11 point 5): CreateCapacityProvider,
DescribeCapacityProviders, UpdateCapacityProvider, DeleteCapacityProvider
with ECS's errors and answers, PutClusterCapacityProviders with them, and
capacityProviderStrategy (base, weight) placing RunTask's and a service's
tasks on the instances whose agent names the provider (attribute
ecs.capacity-provider, as `ecsd agent --capacity-provider` registers it)."""
import collections

from fake_agent import MODERN_ATTRIBUTES, VERSION, FakeAgent, total_resources
from harness import expect_error, unique
from svc_agents import AutoAgent
from test_services import steady, tasks_of, wait_for

CP = "ecs.capacity-provider"


def asg(name):
    return {"autoScalingGroupArn": f"arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:"
                                   f"0f1e2d3c-aaaa-bbbb-cccc-123456789012:autoScalingGroupName/{name}"}


def new_provider(ecs, **kw):
    name = unique("cp")
    return ecs.create_capacity_provider(name=name, autoScalingGroupProvider=asg(name), **kw)["capacityProvider"]


def add_instance(ecs, server, cluster, provider=None, memory=4096):
    agent = FakeAgent(server, cluster, cpu=4096, memory=memory)
    attrs = list(MODERN_ATTRIBUTES) + ([{"name": CP, "value": provider}] if provider else [])
    agent.registered = ecs.register_container_instance(
        cluster=cluster, versionInfo=VERSION, totalResources=total_resources(4096, memory),
        attributes=attrs)["containerInstance"]
    agent.arn = agent.registered["containerInstanceArn"]
    agent.provider = provider
    return agent


def new_td(ecs):
    family = unique("fam")
    ecs.register_task_definition(family=family, containerDefinitions=[{"name": "a", "image": "x", "memory": 64}])
    return family


def test_create_describe_update_delete(server):
    ecs = server.client()
    name = unique("cp")
    cp = ecs.create_capacity_provider(name=name, autoScalingGroupProvider=asg(name),
                                      tags=[{"key": "team", "value": "web"}])["capacityProvider"]
    assert cp == {
        "capacityProviderArn": f"arn:aws:ecs:us-east-1:123456789012:capacity-provider/{name}", "name": name,
        "status": "ACTIVE", "type": "EC2_AUTOSCALING", "tags": [{"key": "team", "value": "web"}],
        "autoScalingGroupProvider": dict(asg(name), managedScaling={
            "status": "DISABLED", "targetCapacity": 100, "minimumScalingStepSize": 1,
            "maximumScalingStepSize": 10000, "instanceWarmupPeriod": 300},
            managedTerminationProtection="DISABLED", managedDraining="ENABLED")}
    expect_error(lambda: ecs.create_capacity_provider(name=name, autoScalingGroupProvider=asg("other")),
                 "ClientException", "The specified capacity provider already exists. To change the configuration of "
                 "an existing capacity provider, update the capacity provider.")
    expect_error(lambda: ecs.create_capacity_provider(name=unique("cp"), autoScalingGroupProvider=asg(name)),
                 "ClientException", "The specified Auto Scaling group ARN is already being used by another capacity "
                 "provider.")
    for bad in ("ecs-x", "FargateMine", "aws1", "a b", "x" * 256):
        expect_error(lambda: ecs.create_capacity_provider(name=bad, autoScalingGroupProvider=asg(unique("g"))),
                     "InvalidParameterException", "name:")
    expect_error(lambda: ecs.create_capacity_provider(name=unique("cp"), autoScalingGroupProvider={
        "autoScalingGroupArn": "g1", "managedScaling": {"status": "ENABLED", "targetCapacity": 101}}),
        "InvalidParameterException", "managedScaling.targetCapacity must be between 1 and 100.")
    expect_error(lambda: ecs.create_capacity_provider(name=unique("cp"), autoScalingGroupProvider={
        "autoScalingGroupArn": "g2", "managedTerminationProtection": "ENABLED"}),
        "InvalidParameterException", "managed scaling must also be enabled")
    # TagResource and friends on its ARN
    arn = cp["capacityProviderArn"]
    ecs.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "prod"}])
    assert ecs.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "web"},
                                                                 {"key": "env", "value": "prod"}]
    ecs.untag_resource(resourceArn=arn, tagKeys=["env"])
    assert ecs.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "web"}]
    # describe: AWS's two and the account's, a name or an ARN, MISSING ones
    r = ecs.describe_capacity_providers()
    names = [p["name"] for p in r["capacityProviders"]]
    assert names[:2] == ["FARGATE", "FARGATE_SPOT"] and name in names
    assert "tags" not in next(p for p in r["capacityProviders"] if p["name"] == name)
    r = ecs.describe_capacity_providers(capacityProviders=[cp["capacityProviderArn"], "nope"], include=["TAGS"])
    assert [p["name"] for p in r["capacityProviders"]] == [name]
    assert r["capacityProviders"][0]["tags"] == [{"key": "team", "value": "web"}]
    assert r["failures"] == [{"arn": "arn:aws:ecs:us-east-1:123456789012:capacity-provider/nope",
                              "reason": "MISSING"}]
    # paging: one at a time, every one once
    seen, token = [], None
    for _ in range(100):
        kw = {"nextToken": token} if token else {}
        page = ecs.describe_capacity_providers(maxResults=1, **kw)
        assert len(page["capacityProviders"]) <= 1
        seen += [p["name"] for p in page["capacityProviders"]]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == names
    expect_error(lambda: ecs.describe_capacity_providers(maxResults=11), "InvalidParameterException",
                 "maxResults must be between 1 and 10.")
    # update: the members given, over the others
    up = ecs.update_capacity_provider(name=name, autoScalingGroupProvider={
        "managedScaling": {"status": "ENABLED", "targetCapacity": 80}, "managedTerminationProtection": "ENABLED"})
    p = up["capacityProvider"]
    assert p["updateStatus"] == "UPDATE_COMPLETE"
    assert p["autoScalingGroupProvider"]["managedScaling"] == {
        "status": "ENABLED", "targetCapacity": 80, "minimumScalingStepSize": 1, "maximumScalingStepSize": 10000,
        "instanceWarmupPeriod": 300}
    assert p["autoScalingGroupProvider"]["managedTerminationProtection"] == "ENABLED"
    assert p["autoScalingGroupProvider"]["autoScalingGroupArn"] == asg(name)["autoScalingGroupArn"]
    expect_error(lambda: ecs.update_capacity_provider(name="nope", autoScalingGroupProvider={}),
                 "ClientException", "The specified capacity provider does not exist.")
    expect_error(lambda: ecs.update_capacity_provider(name="FARGATE", autoScalingGroupProvider={}),
                 "InvalidParameterException", "cannot be updated")
    # associated with a cluster: the delete fails, the provider says why
    cluster = ecs.create_cluster(clusterName=unique("cpc"))["cluster"]["clusterName"]
    c = ecs.put_cluster_capacity_providers(cluster=cluster, capacityProviders=[name, "FARGATE"],
                                           defaultCapacityProviderStrategy=[])["cluster"]
    assert c["capacityProviders"] == [name, "FARGATE"]
    d = ecs.delete_capacity_provider(capacityProvider=name)["capacityProvider"]
    assert (d["status"], d["updateStatus"]) == ("ACTIVE", "DELETE_FAILED")
    assert d["updateStatusReason"] == (f"The capacity provider cannot be deleted because it is associated with "
                                       f"cluster: {cluster}. Remove the capacity provider from the cluster and try "
                                       f"again.")
    expect_error(lambda: ecs.delete_capacity_provider(capacityProvider="FARGATE"), "InvalidParameterException",
                 "cannot be deleted")
    ecs.put_cluster_capacity_providers(cluster=cluster, capacityProviders=[], defaultCapacityProviderStrategy=[])
    d = ecs.delete_capacity_provider(capacityProvider=cp["capacityProviderArn"])["capacityProvider"]
    assert (d["status"], d["updateStatus"]) == ("INACTIVE", "DELETE_COMPLETE") and "updateStatusReason" not in d
    assert name not in [p["name"] for p in ecs.describe_capacity_providers()["capacityProviders"]]
    expect_error(lambda: ecs.list_tags_for_resource(resourceArn=arn), "ResourceNotFoundException")
    assert ecs.describe_capacity_providers(capacityProviders=[name])["capacityProviders"][0]["status"] == "INACTIVE"
    expect_error(lambda: ecs.delete_capacity_provider(capacityProvider=name), "ClientException",
                 "The specified capacity provider does not exist.")
    expect_error(lambda: ecs.put_cluster_capacity_providers(cluster=cluster, capacityProviders=[name],
                                                            defaultCapacityProviderStrategy=[]),
                 "InvalidParameterException", "The specified capacity provider was not found.")
    # the name can be used again
    again = ecs.create_capacity_provider(name=name, autoScalingGroupProvider=asg(name))["capacityProvider"]
    assert again["status"] == "ACTIVE" and "tags" not in again


def test_run_task_split_by_base_and_weight(server):
    ecs = server.client()
    a, b = new_provider(ecs)["name"], new_provider(ecs)["name"]
    cluster = ecs.create_cluster(clusterName=unique("cps"), capacityProviders=[a, b])["cluster"]["clusterName"]
    agents = [add_instance(ecs, server, cluster, p) for p in (a, a, b, b, None)]
    described = ecs.describe_container_instances(cluster=cluster, containerInstances=[x.arn for x in agents])
    by_arn = {i["containerInstanceArn"]: i for i in described["containerInstances"]}
    assert [by_arn[x.arn].get("capacityProviderName") for x in agents] == [a, a, b, b, None]
    family = new_td(ecs)
    strategy = [{"capacityProvider": a, "base": 1, "weight": 1}, {"capacityProvider": b, "weight": 3}]
    r = ecs.run_task(cluster=cluster, taskDefinition=family, count=9, capacityProviderStrategy=strategy)
    assert r["failures"] == []
    # base 1 on a, then 8 by 1:3
    assert collections.Counter(t["capacityProviderName"] for t in r["tasks"]) == {a: 3, b: 6}
    prov = {x.arn: x.provider for x in agents}
    assert all(prov[t["containerInstanceArn"]] == t["capacityProviderName"] for t in r["tasks"])
    # no launch type nor strategy: the cluster's default strategy
    ecs.put_cluster_capacity_providers(cluster=cluster, capacityProviders=[a, b],
                                       defaultCapacityProviderStrategy=[{"capacityProvider": b, "weight": 1}])
    r = ecs.run_task(cluster=cluster, taskDefinition=family, count=2)
    assert [t["capacityProviderName"] for t in r["tasks"]] == [b, b]
    assert {prov[t["containerInstanceArn"]] for t in r["tasks"]} == {b}
    # launchType EC2 instead: any instance, no provider
    r = ecs.run_task(cluster=cluster, taskDefinition=family, count=1, launchType="EC2")
    assert "capacityProviderName" not in r["tasks"][0]
    # a provider without instances: its tasks fail placement
    c = new_provider(ecs)["name"]
    ecs.put_cluster_capacity_providers(cluster=cluster, capacityProviders=[a, b, c],
                                       defaultCapacityProviderStrategy=[])
    r = ecs.run_task(cluster=cluster, taskDefinition=family, count=2,
                     capacityProviderStrategy=[{"capacityProvider": c, "weight": 1}])
    assert r["tasks"] == [] and [f["reason"] for f in r["failures"]] == ["ATTRIBUTE", "ATTRIBUTE"]
    assert CP in r["failures"][0]["detail"]
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=family, capacityProviderStrategy=[
        {"capacityProvider": a, "weight": 1}, {"capacityProvider": "FARGATE", "weight": 1}]),
        "InvalidParameterException")
    # a provider its tasks use cannot be removed from the cluster
    expect_error(lambda: ecs.put_cluster_capacity_providers(cluster=cluster, capacityProviders=[b, c],
                                                            defaultCapacityProviderStrategy=[]),
                 "ResourceInUseException", "The specified capacity provider is in use and cannot be removed.")
    assert ecs.describe_clusters(clusters=[cluster])["clusters"][0]["capacityProviders"] == [a, b, c]


def test_service_split_and_in_use(server):
    ecs = server.client()
    a, b = new_provider(ecs)["name"], new_provider(ecs)["name"]
    cluster = ecs.create_cluster(clusterName=unique("cpv"), capacityProviders=[a, b])["cluster"]["clusterName"]
    family = new_td(ecs)
    hosts = [AutoAgent(server, cluster, attributes=[{"name": CP, "value": p}]) for p in (a, b, b)]
    try:
        name = unique("svc")
        strategy = [{"capacityProvider": a, "base": 2, "weight": 1}, {"capacityProvider": b, "weight": 1}]
        s = ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=4,
                               capacityProviderStrategy=strategy)["service"]
        assert s["capacityProviderStrategy"] == [dict(strategy[0]), dict(strategy[1], base=0)]
        assert "launchType" not in s
        wait_for(lambda: steady(ecs, cluster, name, 4), what="4 running")
        prov = {h.arn: p for h, p in zip(hosts, (a, b, b))}
        ts = tasks_of(ecs, cluster, name)
        assert collections.Counter(t["capacityProviderName"] for t in ts) == {a: 3, b: 1}
        assert all(prov[t["containerInstanceArn"]] == t["capacityProviderName"] for t in ts)
        # scaled out: the split of 8 counts the 4 running
        ecs.update_service(cluster=cluster, service=name, desiredCount=8)
        wait_for(lambda: steady(ecs, cluster, name, 8), what="8 running")
        assert collections.Counter(t["capacityProviderName"] for t in tasks_of(ecs, cluster, name)) == {a: 5, b: 3}
        expect_error(lambda: ecs.put_cluster_capacity_providers(cluster=cluster, capacityProviders=[b],
                                                                defaultCapacityProviderStrategy=[]),
                     "ResourceInUseException", "The specified capacity provider is in use and cannot be removed.")
    finally:
        for h in hosts:
            h.close()
