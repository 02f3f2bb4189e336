"""Attributes (issue 11 point 1) and the cluster query language in
ListContainerInstances' filter (point 2), with boto3 and fake agents:
PutAttributes / DeleteAttributes / ListAttributes with ECS's limits and
errors, and filters over attributes, agent facts and tasks."""
import datetime

from fake_agent import VERSION, FakeAgent, total_resources, unique
from harness import expect_error


def register(ecs, server, cluster, attributes, version=None, instance_id=None):
    agent = FakeAgent(server, cluster, cpu=2048, memory=4096)
    kw = {}
    if instance_id:
        import json
        kw["instanceIdentityDocument"] = json.dumps({"instanceId": instance_id, "region": "us-east-1"})
    agent.registered = ecs.register_container_instance(
        cluster=cluster, versionInfo=dict(VERSION, agentVersion=version or VERSION["agentVersion"]),
        totalResources=total_resources(2048, 4096), attributes=attributes, **kw)["containerInstance"]
    agent.arn = agent.registered["containerInstanceArn"]
    return agent


def names(agent):
    return {a["name"]: a.get("value") for a in agent.describe()["attributes"]}


def test_put_list_delete(server):
    ecs = server.client()
    cluster = unique("attrs")
    ecs.create_cluster(clusterName=cluster)
    a = register(ecs, server, cluster, [{"name": "ecs.os-type", "value": "linux"}])
    b = register(ecs, server, cluster, [{"name": "ecs.os-type", "value": "linux"}])
    a_id = a.arn.rsplit("/", 1)[1]
    # by ARN and by id; the answer echoes what was set, with the target
    r = ecs.put_attributes(cluster=cluster, attributes=[
        {"name": "stack", "value": "prod", "targetId": a.arn},
        {"name": "flag", "targetType": "container-instance", "targetId": a_id},
        {"name": "stack", "value": "dev", "targetId": b.arn}])
    assert [(x["name"], x.get("value"), x["targetId"], x["targetType"]) for x in r["attributes"]] == [
        ("stack", "prod", a.arn, "container-instance"), ("flag", None, a.arn, "container-instance"),
        ("stack", "dev", b.arn, "container-instance")], r
    assert names(a) == {"ecs.os-type": "linux", "stack": "prod", "flag": None}
    # a second put replaces the value
    ecs.put_attributes(cluster=cluster, attributes=[{"name": "stack", "value": "blue", "targetId": a_id}])
    assert names(a)["stack"] == "blue"
    # ListAttributes: every attribute of the cluster, the agent's too; by name; by name and value
    listed = ecs.list_attributes(cluster=cluster, targetType="container-instance")["attributes"]
    assert len(listed) == 5, listed
    by_name = ecs.list_attributes(cluster=cluster, targetType="container-instance", attributeName="stack")
    assert sorted((x["targetId"], x["value"]) for x in by_name["attributes"]) == sorted(
        [(a.arn, "blue"), (b.arn, "dev")])
    by_value = ecs.list_attributes(cluster=cluster, targetType="container-instance", attributeName="stack",
                                   attributeValue="dev")["attributes"]
    assert by_value == [{"name": "stack", "value": "dev", "targetType": "container-instance", "targetId": b.arn}]
    # pages
    seen, token = [], None
    for _ in range(10):
        kw = {"nextToken": token} if token else {}
        page = ecs.list_attributes(cluster=cluster, targetType="container-instance", maxResults=2, **kw)
        assert len(page["attributes"]) <= 2
        seen += [(x["targetId"], x["name"]) for x in page["attributes"]]
        token = page.get("nextToken")
        if not token:
            break
    assert sorted(seen) == sorted((x["targetId"], x["name"]) for x in listed)
    # delete: gone from the instance and the list; deleting it again changes nothing
    r = ecs.delete_attributes(cluster=cluster, attributes=[{"name": "flag", "targetId": a.arn}])
    assert r["attributes"][0]["name"] == "flag"
    assert "flag" not in names(a)
    ecs.delete_attributes(cluster=cluster, attributes=[{"name": "flag", "targetId": a.arn}])
    assert names(a) == {"ecs.os-type": "linux", "stack": "blue"}
    # a re-registration keeps the custom ones
    ecs.register_container_instance(cluster=cluster, containerInstanceArn=a.arn, versionInfo=VERSION,
                                    totalResources=total_resources(2048, 4096),
                                    attributes=[{"name": "ecs.os-type", "value": "linux"}])
    assert names(a)["stack"] == "blue"


def test_limits_and_errors(server):
    ecs = server.client()
    cluster = unique("attrs")
    ecs.create_cluster(clusterName=cluster)
    a = register(ecs, server, cluster, [{"name": "ecs.os-type", "value": "linux"}])
    before = names(a)
    eleven = [{"name": f"n{i}", "targetId": a.arn} for i in range(11)]
    expect_error(lambda: ecs.put_attributes(cluster=cluster, attributes=eleven), "InvalidParameterException",
                 "at most 10")
    expect_error(lambda: ecs.put_attributes(cluster=cluster, attributes=[{"name": "bad name", "targetId": a.arn}]),
                 "InvalidParameterException", "attributes[0].name")
    expect_error(lambda: ecs.put_attributes(cluster=cluster, attributes=[
        {"name": "ok", "targetId": a.arn}, {"name": "x", "value": "v#", "targetId": a.arn}]),
        "InvalidParameterException", "attributes[1].value")
    expect_error(lambda: ecs.put_attributes(cluster=cluster, attributes=[{"name": "x"}]),
                 "InvalidParameterException", "attributes[0].targetId")
    expect_error(lambda: ecs.put_attributes(cluster=cluster, attributes=[{"name": "ecs.os-type", "value": "w",
                                                                          "targetId": a.arn}]),
                 "InvalidParameterException", "belong to the agent")
    expect_error(lambda: ecs.put_attributes(cluster=cluster, attributes=[
        {"name": "x", "targetId": a.arn}, {"name": "y", "targetId": "0123456789abcdef0123456789abcdef"}]),
        "TargetNotFoundException", "0123456789abcdef0123456789abcdef")
    other = unique("attrs")
    ecs.create_cluster(clusterName=other)
    expect_error(lambda: ecs.put_attributes(cluster=other, attributes=[{"name": "x", "targetId": a.arn}]),
                 "TargetNotFoundException")
    expect_error(lambda: ecs.put_attributes(cluster=unique("none"), attributes=[{"name": "x", "targetId": a.arn}]),
                 "ClusterNotFoundException")
    # nothing of the refused calls was kept (the TargetNotFound call's first attribute neither)
    assert names(a) == before
    # ten custom attributes, not eleven
    ecs.put_attributes(cluster=cluster, attributes=[{"name": f"c{i}", "value": "v", "targetId": a.arn}
                                                    for i in range(10)])
    expect_error(lambda: ecs.put_attributes(cluster=cluster, attributes=[{"name": "c10", "targetId": a.arn}]),
                 "AttributeLimitExceededException", "10 custom attributes")
    ecs.put_attributes(cluster=cluster, attributes=[{"name": "c3", "value": "replaced", "targetId": a.arn}])
    assert names(a)["c3"] == "replaced"
    expect_error(lambda: ecs.list_attributes(cluster=cluster, targetType="container-instance", attributeValue="v"),
                 "InvalidParameterException", "attributeName")
    expect_error(lambda: ecs.list_attributes(cluster=cluster, targetType="container-instance", nextToken="zz"),
                 "InvalidParameterException", "nextToken")


def test_list_container_instances_filter(server):
    ecs = server.client()
    cluster = unique("cql")
    ecs.create_cluster(clusterName=cluster)
    zone = lambda z: [{"name": "ecs.availability-zone", "value": z}, {"name": "ecs.instance-type",
                                                                        "value": "t2.small" if z != "c" else "m5.large"}]
    a = register(ecs, server, cluster, zone("a"), version="1.10.0", instance_id="i-aaaa1111")
    b = register(ecs, server, cluster, zone("b"), version="1.9.2")
    c = register(ecs, server, cluster, zone("c"), version="1.20.0")

    def listed(expr):
        arns, token = [], None
        for _ in range(10):
            kw = {"nextToken": token} if token else {}
            page = ecs.list_container_instances(cluster=cluster, filter=expr, maxResults=1, **kw)
            arns += page["containerInstanceArns"]
            token = page.get("nextToken")
            if not token:
                return set(arns)
        raise AssertionError("too many pages")

    assert listed("attribute:ecs.availability-zone == a") == {a.arn}
    assert listed("attribute:ecs.availability-zone in [a, c]") == {a.arn, c.arn}
    assert listed("attribute:ecs.instance-type =~ t2.*") == {a.arn, b.arn}
    assert listed("not attribute:ecs.instance-type =~ t2.*") == {c.arn}
    assert listed("agentVersion > 1.9.2") == {a.arn, c.arn}
    assert listed("ec2InstanceId == i-aaaa1111") == {a.arn}
    assert listed("agentConnected == true") == {a.arn, b.arn, c.arn}
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    assert listed(f"registeredAt < {tomorrow}") == {a.arn, b.arn, c.arn}
    assert listed(f"registeredAt >= {tomorrow}") == set()
    assert listed("attribute:ecs.availability-zone == b or (agentVersion >= 1.20.0 and attribute:x !exists)") == \
        {b.arn, c.arn}
    # tasks: runningTasksCount, task:group
    family = unique("fam")
    ecs.register_task_definition(family=family, containerDefinitions=[{"name": "a", "image": "x", "memory": 10}])
    t = ecs.start_task(cluster=cluster, taskDefinition=family, containerInstances=[b.arn])["tasks"][0]
    assert listed(f"task:group == family:{family}") == {b.arn}
    assert listed(f"task:group != family:{family}") == {a.arn, c.arn}
    assert listed("runningTasksCount == 0") == {a.arn, b.arn, c.arn}  # PENDING is not running
    b.start_task(t["taskArn"])
    assert listed("runningTasksCount > 0") == {b.arn}
    # custom attributes set later are seen
    ecs.put_attributes(cluster=cluster, attributes=[{"name": "role", "value": "db", "targetId": c.arn}])
    assert listed("attribute:role == db") == {c.arn}
    # syntax errors name the position; nothing is listed
    r = expect_error(lambda: ecs.list_container_instances(cluster=cluster, filter="attribute:a =="),
                     "InvalidParameterException", "position 15")
    assert "filter" in r["Error"]["Message"]
    expect_error(lambda: ecs.list_container_instances(cluster=cluster, filter="bogus == 1"),
                 "InvalidParameterException", "position 1")
    expect_error(lambda: ecs.list_container_instances(cluster=cluster, filter="attribute:a exists " + " " * 2000),
                 "InvalidParameterException", "2000")
