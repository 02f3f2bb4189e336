"""Tags on every resource (issue 10, point 4) with boto3 and the aws CLI:
`tags` on CreateCluster, RegisterTaskDefinition, RegisterContainerInstance,
RunTask/StartTask and CreateService; propagateTags and enableECSManagedTags;
TagResource, UntagResource and ListTagsForResource with ECS's limits and
errors, on both ARN formats; include=["TAGS"] on each Describe (no tags
without it); a refused request changes nothing.
"""
import json
import time

from fake_agent import FakeAgent
from harness import ACCOUNT, ACCOUNT2, KEY_ID2, REGION, SECRET2, expect_error, unique

ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:"
TD = [{"name": "web", "image": "nginx", "memory": 64}]
MANAGED_CLUSTER, MANAGED_SERVICE = "aws:ecs:clusterName", "aws:ecs:serviceName"


def T(**kv):
    return [{"key": k, "value": v} for k, v in kv.items()]


def tags_of(ecs, arn):
    return ecs.list_tags_for_resource(resourceArn=arn)["tags"]


def by_key(tags):
    return {t["key"]: t["value"] for t in tags}


def setup(server, **cluster_kw):
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("tags"), **cluster_kw)["cluster"]
    return ecs, cluster


def wait_for(fn, timeout=20, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


# ---- the three operations on a cluster ----------------------------------------

def test_cluster_tags_round_trip(server):
    ecs, c = setup(server, tags=T(team="web", env="dev"))
    arn, name = c["clusterArn"], c["clusterName"]
    assert c["tags"] == T(team="web", env="dev"), c  # CreateCluster answers with its tags
    assert tags_of(ecs, arn) == T(team="web", env="dev")
    # DescribeClusters: tags only with include TAGS (ECS answers [] without it)
    assert ecs.describe_clusters(clusters=[name])["clusters"][0]["tags"] == []
    assert ecs.describe_clusters(clusters=[name], include=["TAGS"])["clusters"][0]["tags"] == T(team="web", env="dev")
    # TagResource overwrites a key's value in place and adds new keys after
    assert ecs.tag_resource(resourceArn=arn, tags=T(env="prod", owner="me"))["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert tags_of(ecs, arn) == T(team="web", env="prod", owner="me")
    # UntagResource: keys it does not have are ignored
    ecs.untag_resource(resourceArn=arn, tagKeys=["team", "nope"])
    assert tags_of(ecs, arn) == T(env="prod", owner="me")
    ecs.tag_resource(resourceArn=arn, tags=[])  # no tags: nothing changes
    assert tags_of(ecs, arn) == T(env="prod", owner="me")
    # a value may be empty; a tag without value is kept with ""
    ecs.tag_resource(resourceArn=arn, tags=[{"key": "flag", "value": ""}, {"key": "bare"}])
    assert by_key(tags_of(ecs, arn)) == {"env": "prod", "owner": "me", "flag": "", "bare": ""}
    # Unicode letters, numbers and spaces are allowed, lengths count characters
    ecs.tag_resource(resourceArn=arn, tags=T(**{"café crème": "日本" * 128, "k" * 128: "v"}))
    assert by_key(tags_of(ecs, arn))["café crème"] == "日本" * 128


def test_cli_tag_untag_list(server):
    ecs, c = setup(server)
    arn = c["clusterArn"]
    assert server.cli("tag-resource", "--resource-arn", arn, "--tags", "key=a,value=1", "key=b,value=2") == {}
    assert server.cli("list-tags-for-resource", "--resource-arn", arn) == {"tags": T(a="1", b="2")}
    assert server.cli("untag-resource", "--resource-arn", arn, "--tag-keys", "a") == {}
    assert server.cli("list-tags-for-resource", "--resource-arn", arn) == {"tags": T(b="2")}
    got = server.cli("describe-clusters", "--clusters", c["clusterName"], "--include", "TAGS")
    assert got["clusters"][0]["tags"] == T(b="2")
    made = server.cli("create-cluster", "--cluster-name", unique("cli"), "--tags", "key=k,value=v")["cluster"]
    assert made["tags"] == T(k="v")
    p = server.cli("tag-resource", "--resource-arn", arn, "--tags", "key=aws:x,value=1", check=False)
    assert p.returncode != 0 and "InvalidParameterException" in p.stderr, p.stderr


# ---- limits and rules ---------------------------------------------------------

def test_limits_and_rules(server):
    ecs, c = setup(server, tags=T(keep="me"))
    arn = c["clusterArn"]

    def refused(tags, message):
        expect_error(lambda: ecs.tag_resource(resourceArn=arn, tags=tags), "InvalidParameterException", message)
        assert tags_of(ecs, arn) == T(keep="me"), "a refused TagResource changed the tags"

    refused(T(**{"k" * 129: "v"}), "tags[0].key: a tag key can have at most 128 characters")
    refused(T(a="1", b="v" * 257), "tags[1].value: a tag value can have at most 256 characters")
    # an empty key botocore refuses itself: sent raw
    st, _, doc = server.raw(json.dumps({"resourceArn": arn, "tags": [{"key": "", "value": "x"}]}), target="TagResource")
    assert st == 400 and doc["__type"] == "InvalidParameterException" and "tags[0].key" in doc["message"], doc
    refused(T(**{"bad#key": "v"}), "tags[0].key")
    refused(T(ok="tab\there"), "tags[0].value")
    for reserved in ("aws:mine", "AWS:mine", "Aws:x"):
        refused(T(**{reserved: "v"}), "reserved for AWS use")
        refused(T(fine=reserved), "reserved for AWS use")
    refused([{"key": "d", "value": "1"}, {"key": "d", "value": "2"}], "tags[1].key")
    # 50 per resource: 49 more fit beside "keep", the 51st does not
    fifty = T(**{f"k{i}": "v" for i in range(49)})
    ecs.tag_resource(resourceArn=arn, tags=fifty)
    assert len(tags_of(ecs, arn)) == 50
    expect_error(lambda: ecs.tag_resource(resourceArn=arn, tags=T(one="more")), "InvalidParameterException", "50")
    assert len(tags_of(ecs, arn)) == 50 and "one" not in by_key(tags_of(ecs, arn))
    ecs.tag_resource(resourceArn=arn, tags=T(k0="overwritten"))  # an overwrite is no new tag
    assert by_key(tags_of(ecs, arn))["k0"] == "overwritten"
    expect_error(lambda: ecs.tag_resource(resourceArn=arn, tags=T(**{f"n{i}": "v" for i in range(51)})),
                 "InvalidParameterException", "at most 50 tags")
    # reserved keys cannot be removed either
    expect_error(lambda: ecs.untag_resource(resourceArn=arn, tagKeys=["keep", "aws:ecs:clusterName"]),
                 "InvalidParameterException", "tagKeys[1]")
    assert "keep" in by_key(tags_of(ecs, arn)), "a refused UntagResource removed a tag"
    # a create with bad tags creates nothing
    name = unique("badtags")
    expect_error(lambda: ecs.create_cluster(clusterName=name, tags=T(**{"aws:x": "1"})), "InvalidParameterException")
    assert ecs.describe_clusters(clusters=[name])["failures"][0]["reason"] == "MISSING"


def test_arns_that_name_nothing(server):
    ecs, c = setup(server)
    bad = ["not-an-arn", "arn:aws:ecr:us-east-1:123456789012:repository/x", ARN + "nonsense/x",
           ARN + "task-definition/family-without-revision", ARN + "cluster/"]
    for a in bad:
        expect_error(lambda: ecs.list_tags_for_resource(resourceArn=a), "InvalidParameterException",
                     "The ARN provided is invalid.")
        expect_error(lambda: ecs.tag_resource(resourceArn=a, tags=T(a="1")), "InvalidParameterException")
    missing = [(ARN + "cluster/" + unique("none"), "ClusterNotFoundException"),
               (ARN + "service/" + c["clusterName"] + "/nosvc", "ServiceNotFoundException"),
               (ARN + "service/" + unique("nosvc"), "ServiceNotFoundException"),
               (ARN + "service/" + unique("nocluster") + "/svc", "ClusterNotFoundException"),
               (ARN + "task/" + c["clusterName"] + "/0123456789abcdef0123456789abcdef", "ResourceNotFoundException"),
               (ARN + "task/6f9b0c4e-0000-4000-8000-000000000000", "ResourceNotFoundException"),
               (ARN + "container-instance/6f9b0c4e-0000-4000-8000-000000000000", "ResourceNotFoundException"),
               (ARN + "task-definition/" + unique("fam") + ":1", "ResourceNotFoundException"),
               (ARN + "capacity-provider/FARGATE", "ResourceNotFoundException")]
    for a, code in missing:
        expect_error(lambda: ecs.list_tags_for_resource(resourceArn=a), code)
        expect_error(lambda: ecs.tag_resource(resourceArn=a, tags=T(a="1")), code)
        expect_error(lambda: ecs.untag_resource(resourceArn=a, tagKeys=["a"]), code)
    # an ARN of another region or account names nothing the caller can see
    other_region = c["clusterArn"].replace(REGION, "eu-west-3")
    expect_error(lambda: ecs.tag_resource(resourceArn=other_region, tags=T(a="1")), "ClusterNotFoundException")
    other = server.client(key=(KEY_ID2, SECRET2))
    expect_error(lambda: other.list_tags_for_resource(resourceArn=c["clusterArn"]), "ClusterNotFoundException")
    foreign = other.create_cluster(clusterName=c["clusterName"], tags=T(theirs="yes"))["cluster"]
    assert foreign["clusterArn"].split(":")[4] == ACCOUNT2
    expect_error(lambda: ecs.tag_resource(resourceArn=foreign["clusterArn"], tags=T(a="1")), "ClusterNotFoundException")
    assert tags_of(other, foreign["clusterArn"]) == T(theirs="yes") and tags_of(ecs, c["clusterArn"]) == []


def test_deleted_cluster_takes_its_tags(server):
    ecs, c = setup(server, tags=T(old="1"))
    ecs.delete_cluster(cluster=c["clusterName"])
    expect_error(lambda: ecs.tag_resource(resourceArn=c["clusterArn"], tags=T(a="1")), "ClusterNotFoundException",
                 "The referenced cluster was inactive.")
    assert tags_of(ecs, c["clusterArn"]) == []
    again = ecs.create_cluster(clusterName=c["clusterName"], tags=T(new="2"))["cluster"]
    assert again["tags"] == T(new="2") and tags_of(ecs, c["clusterArn"]) == T(new="2")


# ---- task definitions ------------------------------------------------------------

def test_task_definition_tags(server):
    ecs = server.client()
    fam = unique("tdtags")
    r = ecs.register_task_definition(family=fam, containerDefinitions=TD, tags=T(app="shop", tier="web"))
    assert r["tags"] == T(app="shop", tier="web"), r  # beside taskDefinition,
    assert "tags" not in r["taskDefinition"], r        # never inside it
    arn = r["taskDefinition"]["taskDefinitionArn"]
    d = ecs.describe_task_definition(taskDefinition=fam)
    assert d["tags"] == [] and "tags" not in d["taskDefinition"], d
    d = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
    assert d["tags"] == T(app="shop", tier="web") and "tags" not in d["taskDefinition"], d
    ecs.tag_resource(resourceArn=arn, tags=T(tier="api"))
    assert tags_of(ecs, arn) == T(app="shop", tier="api")
    ecs.untag_resource(resourceArn=arn, tagKeys=["app"])
    assert ecs.describe_task_definition(taskDefinition=fam + ":1", include=["TAGS"])["tags"] == T(tier="api")
    # a revision without tags, and one with an empty list (ECS refuses it)
    r2 = ecs.register_task_definition(family=fam, containerDefinitions=TD)
    assert r2["tags"] == [] and tags_of(ecs, r2["taskDefinition"]["taskDefinitionArn"]) == []
    expect_error(lambda: ecs.register_task_definition(family=fam, containerDefinitions=TD, tags=[]),
                 "ClientException", "Tags can not be empty.")
    expect_error(lambda: ecs.register_task_definition(family=fam, containerDefinitions=TD, tags=T(**{"aws:a": "b"})),
                 "InvalidParameterException")
    assert ecs.list_task_definitions(familyPrefix=fam)["taskDefinitionArns"][-1].endswith(":2"), \
        "a refused registration took a revision"
    # deregistered: still taggable, and the answer carries no tags inside the definition
    dr = ecs.deregister_task_definition(taskDefinition=arn)
    assert "tags" not in dr["taskDefinition"]
    assert tags_of(ecs, arn) == T(tier="api")
    cli = server.cli("describe-task-definition", "--task-definition", arn, "--include", "TAGS")
    assert cli["tags"] == T(tier="api")


# ---- container instances -------------------------------------------------------------

def test_container_instance_tags(server):
    ecs, c = setup(server)
    cluster = c["clusterName"]
    agent = FakeAgent(server, cluster)
    reg = ecs.register_container_instance(
        cluster=cluster, totalResources=[{"name": "CPU", "type": "INTEGER", "integerValue": 1024},
                                         {"name": "MEMORY", "type": "INTEGER", "integerValue": 2048}],
        tags=T(rack="r1"))["containerInstance"]
    assert reg["tags"] == T(rack="r1")
    arn = reg["containerInstanceArn"]
    iid = arn.rsplit("/", 1)[1]
    d = ecs.describe_container_instances(cluster=cluster, containerInstances=[arn])["containerInstances"][0]
    assert "tags" not in d, d
    d = ecs.describe_container_instances(cluster=cluster, containerInstances=[iid], include=["TAGS"])
    assert d["containerInstances"][0]["tags"] == T(rack="r1")
    long_arn = f"{ARN}container-instance/{cluster}/{iid}"
    ecs.tag_resource(resourceArn=long_arn, tags=T(zone="a"))
    assert tags_of(ecs, arn) == T(rack="r1", zone="a") == tags_of(ecs, long_arn)
    expect_error(lambda: ecs.list_tags_for_resource(resourceArn=f"{ARN}container-instance/{unique('x')}/{iid}"),
                 "ClusterNotFoundException")
    other = ecs.create_cluster(clusterName=unique("other"))["cluster"]["clusterName"]
    expect_error(lambda: ecs.list_tags_for_resource(resourceArn=f"{ARN}container-instance/{other}/{iid}"),
                 "ResourceNotFoundException")
    # a re-registration adds its tags to the instance's
    again = ecs.register_container_instance(
        cluster=cluster, containerInstanceArn=arn, tags=T(zone="b", os="linux"),
        totalResources=[{"name": "CPU", "type": "INTEGER", "integerValue": 1024},
                        {"name": "MEMORY", "type": "INTEGER", "integerValue": 2048}])["containerInstance"]
    assert again["tags"] == T(rack="r1", zone="b", os="linux")
    # tags change nothing of its capacity: a task still fits
    td = ecs.register_task_definition(family=unique("fam"), containerDefinitions=TD)["taskDefinition"]
    assert ecs.start_task(cluster=cluster, taskDefinition=td["taskDefinitionArn"], containerInstances=[arn])["tasks"]
    del agent


# ---- tasks ---------------------------------------------------------------------

def test_task_tags_propagation_and_managed(server):
    ecs, c = setup(server)
    cluster = c["clusterName"]
    agent = FakeAgent(server, cluster).register()
    fam = unique("fam")
    ecs.register_task_definition(family=fam, containerDefinitions=TD, tags=T(team="td", cost="42"))
    r = ecs.run_task(cluster=cluster, taskDefinition=fam, count=2, tags=T(team="run", job="nightly"),
                     propagateTags="TASK_DEFINITION", enableECSManagedTags=True)
    want = T(team="run", cost="42", job="nightly", **{MANAGED_CLUSTER: cluster})
    assert len(r["tasks"]) == 2 and all(t["tags"] == want for t in r["tasks"]), r["tasks"]
    arn = r["tasks"][0]["taskArn"]
    tid = arn.rsplit("/", 1)[1]
    assert tags_of(ecs, arn) == want
    d = ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]
    assert d["tags"] == [], d  # ECS answers [] without include
    d = ecs.describe_tasks(cluster=cluster, tasks=[tid], include=["TAGS"])["tasks"][0]
    assert d["tags"] == want
    # both ARN formats name it; another cluster's long ARN names nothing
    long_arn = f"{ARN}task/{cluster}/{tid}"
    ecs.tag_resource(resourceArn=long_arn, tags=T(extra="1"))
    assert by_key(tags_of(ecs, arn))["extra"] == "1"
    other = ecs.create_cluster(clusterName=unique("other"))["cluster"]["clusterName"]
    expect_error(lambda: ecs.tag_resource(resourceArn=f"{ARN}task/{other}/{tid}", tags=T(a="1")),
                 "ResourceNotFoundException")
    # the managed tag is ECS's: a client can neither change nor remove it
    expect_error(lambda: ecs.untag_resource(resourceArn=arn, tagKeys=[MANAGED_CLUSTER]), "InvalidParameterException")
    expect_error(lambda: ecs.tag_resource(resourceArn=arn, tags=T(**{MANAGED_CLUSTER: "x"})),
                 "InvalidParameterException")
    assert by_key(tags_of(ecs, arn))[MANAGED_CLUSTER] == cluster
    # no propagation, no managed tags: the task's own only; none at all: []
    t = ecs.run_task(cluster=cluster, taskDefinition=fam, tags=T(only="me"))["tasks"][0]
    assert t["tags"] == T(only="me") and tags_of(ecs, t["taskArn"]) == T(only="me")
    t = ecs.run_task(cluster=cluster, taskDefinition=fam)["tasks"][0]
    assert t["tags"] == [] and tags_of(ecs, t["taskArn"]) == []
    # RunTask cannot propagate from a service; bad tags start nothing
    before = len(ecs.list_tasks(cluster=cluster)["taskArns"])
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=fam, propagateTags="SERVICE"),
                 "InvalidParameterException", "propagateTags")
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=fam, tags=T(**{"aws:ecs:clusterName": "x"})),
                 "InvalidParameterException")
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=fam, propagateTags="TASK_DEFINITION",
                                      tags=T(**{f"k{i}": "v" for i in range(49)})),
                 "InvalidParameterException", "50")  # 49 + the task definition's 2
    assert len(ecs.list_tasks(cluster=cluster)["taskArns"]) == before, "a refused RunTask started a task"
    # StartTask takes the same members
    s = ecs.start_task(cluster=cluster, taskDefinition=fam, containerInstances=[agent.arn], tags=T(s="1"),
                       propagateTags="TASK_DEFINITION", enableECSManagedTags=True)["tasks"][0]
    assert s["tags"] == T(team="td", cost="42", s="1", **{MANAGED_CLUSTER: cluster})
    # the CLI
    out = server.cli("run-task", "--cluster", cluster, "--task-definition", fam, "--tags", "key=cli,value=yes")
    assert out["tasks"][0]["tags"] == T(cli="yes")
    got = server.cli("describe-tasks", "--cluster", cluster, "--tasks", out["tasks"][0]["taskArn"], "--include", "TAGS")
    assert got["tasks"][0]["tags"] == T(cli="yes")


# ---- services ---------------------------------------------------------------------

def test_service_tags_and_propagation(server):
    ecs, c = setup(server)
    cluster = c["clusterName"]
    FakeAgent(server, cluster, memory=4096).register()
    fam = unique("fam")
    ecs.register_task_definition(family=fam, containerDefinitions=TD, tags=T(src="td"))
    name = unique("svc")
    s = ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=fam, desiredCount=1,
                           tags=T(src="svc", team="web"), propagateTags="SERVICE", enableECSManagedTags=True)["service"]
    assert s["tags"] == T(src="svc", team="web") and s["propagateTags"] == "SERVICE" and s["enableECSManagedTags"] is True
    arn = s["serviceArn"]
    d = ecs.describe_services(cluster=cluster, services=[name])["services"][0]
    assert "tags" not in d and d["propagateTags"] == "SERVICE" and d["enableECSManagedTags"] is True, d
    d = ecs.describe_services(cluster=cluster, services=[name], include=["TAGS"])["services"][0]
    assert d["tags"] == T(src="svc", team="web")
    # the scheduler's task gets the service's tags and both managed ones
    arns = wait_for(lambda: ecs.list_tasks(cluster=cluster, serviceName=name)["taskArns"], what="a service task")
    t = ecs.describe_tasks(cluster=cluster, tasks=arns, include=["TAGS"])["tasks"][0]
    assert t["tags"] == T(src="svc", team="web", **{MANAGED_CLUSTER: cluster, MANAGED_SERVICE: name}), t
    # the long ARN and the old one (one cluster has a service of this name) both name it
    long_arn = f"{ARN}service/{cluster}/{name}"
    ecs.tag_resource(resourceArn=long_arn, tags=T(more="1"))
    assert tags_of(ecs, arn) == tags_of(ecs, long_arn) == T(src="svc", team="web", more="1")
    # UpdateService: tasks started from now on follow the new choice
    u = ecs.update_service(cluster=cluster, service=name, propagateTags="TASK_DEFINITION", enableECSManagedTags=False,
                           desiredCount=2)["service"]
    assert u["propagateTags"] == "TASK_DEFINITION" and u["enableECSManagedTags"] is False and "tags" not in u
    arns2 = wait_for(lambda: [a for a in ecs.list_tasks(cluster=cluster, serviceName=name)["taskArns"]
                              if a not in arns], what="a second service task")
    t2 = ecs.describe_tasks(cluster=cluster, tasks=arns2, include=["TAGS"])["tasks"][0]
    assert t2["tags"] == T(src="td"), t2
    # defaults of a service without them
    plain = ecs.create_service(cluster=cluster, serviceName=unique("plain"), taskDefinition=fam,
                               desiredCount=0)["service"]
    assert plain["propagateTags"] == "NONE" and plain["enableECSManagedTags"] is False and "tags" not in plain
    expect_error(lambda: ecs.create_service(cluster=cluster, serviceName=unique("bad"), taskDefinition=fam,
                                            desiredCount=0, tags=T(**{"AWS:x": "1"})), "InvalidParameterException")
    # two clusters with a service of one name: the old ARN is ambiguous
    c2 = ecs.create_cluster(clusterName=unique("tags2"))["cluster"]["clusterName"]
    ecs.create_service(cluster=c2, serviceName=name, taskDefinition=fam, desiredCount=0)
    expect_error(lambda: ecs.tag_resource(resourceArn=f"{ARN}service/{name}", tags=T(a="1")),
                 "InvalidParameterException", "Long arn format must be used for tagging operations")
    assert "a" not in by_key(tags_of(ecs, long_arn))
    # a deleted service takes no tags, and has none
    ecs.tag_resource(resourceArn=f"{ARN}service/{c2}/{name}", tags=T(gone="soon"))
    ecs.delete_service(cluster=c2, service=name)
    assert tags_of(ecs, f"{ARN}service/{c2}/{name}") == []
    expect_error(lambda: ecs.tag_resource(resourceArn=f"{ARN}service/{c2}/{name}", tags=T(a="1")),
                 "ServiceNotFoundException")
    cli = server.cli("describe-services", "--cluster", cluster, "--services", name, "--include", "TAGS")
    assert cli["services"][0]["tags"] == T(src="svc", team="web", more="1")


def test_old_arn_format(server):
    """Resources made with the long formats disabled (account settings) have
    the old ARNs: task/ID, container-instance/ID, service/NAME; the tag
    operations take those too. The second account, so that the settings
    change nothing for the other tests."""
    ecs = server.client(key=(KEY_ID2, SECRET2))
    for name in ("taskLongArnFormat", "containerInstanceLongArnFormat", "serviceLongArnFormat"):
        ecs.put_account_setting(name=name, value="disabled")
    arn2 = f"arn:aws:ecs:{REGION}:{ACCOUNT2}:"
    cluster = ecs.create_cluster(clusterName=unique("old"))["cluster"]["clusterName"]
    reg = ecs.register_container_instance(
        cluster=cluster, totalResources=[{"name": "CPU", "type": "INTEGER", "integerValue": 1024},
                                         {"name": "MEMORY", "type": "INTEGER", "integerValue": 2048}],
        tags=T(host="h1"))["containerInstance"]
    iarn = reg["containerInstanceArn"]
    assert iarn.count("/") == 1, iarn
    fam = unique("fam")
    ecs.register_task_definition(family=fam, containerDefinitions=TD)
    task = ecs.run_task(cluster=cluster, taskDefinition=fam, tags=T(a="1"))["tasks"][0]
    tarn = task["taskArn"]
    assert tarn.count("/") == 1 and task["tags"] == T(a="1"), task
    ecs.tag_resource(resourceArn=tarn, tags=T(b="2"))
    tid = tarn.rsplit("/", 1)[1]
    assert tags_of(ecs, tarn) == T(a="1", b="2") == tags_of(ecs, f"{arn2}task/{cluster}/{tid}")
    ecs.untag_resource(resourceArn=iarn, tagKeys=["host"])
    assert tags_of(ecs, iarn) == []
    name = unique("svc")
    sarn = ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=fam, desiredCount=0,
                              tags=T(s="1"))["service"]["serviceArn"]
    assert sarn == f"{arn2}service/{name}", sarn
    ecs.tag_resource(resourceArn=sarn, tags=T(t="2"))
    assert tags_of(ecs, sarn) == T(s="1", t="2") == tags_of(ecs, f"{arn2}service/{cluster}/{name}")
