"""Clusters of today (issue 10, point 5) with boto3 and the aws CLI:
settings (containerInsights), configuration (executeCommandConfiguration,
managedStorageConfiguration), capacityProviders and
defaultCapacityProviderStrategy, serviceConnectDefaults; DescribeClusters
include (each part only when asked for); UpdateCluster,
UpdateClusterSettings and PutClusterCapacityProviders round trips; every
refused request changes nothing.
"""
from fake_agent import FakeAgent
from harness import ACCOUNT, ACCOUNT2, KEY_ID2, REGION, SECRET2, expect_error, unique

INSIGHTS = lambda v: [{"name": "containerInsights", "value": v}]  # noqa: E731
NS_ARN = f"arn:aws:servicediscovery:{REGION}:{ACCOUNT}:namespace/"
EXEC = {"executeCommandConfiguration": {"kmsKeyId": "alias/exec", "logging": "OVERRIDE",
                                        "logConfiguration": {"cloudWatchLogGroupName": "/ecs/exec",
                                                             "cloudWatchEncryptionEnabled": True,
                                                             "s3BucketName": "bucket", "s3EncryptionEnabled": False,
                                                             "s3KeyPrefix": "exec/"}}}
STORAGE = {"managedStorageConfiguration": {"kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k1",
                                           "fargateEphemeralStorageKmsKeyId": "alias/eph"}}


def describe(ecs, name, include=None):
    r = ecs.describe_clusters(clusters=[name], **({"include": include} if include is not None else {}))
    assert not r["failures"], r
    return r["clusters"][0]


def test_defaults(server):
    ecs = server.client()
    name = unique("plain")
    c = ecs.create_cluster(clusterName=name)["cluster"]
    assert c["settings"] == INSIGHTS("disabled"), c  # ECS's default, shown by the answers of writes
    assert (c["capacityProviders"], c["defaultCapacityProviderStrategy"], c["statistics"], c["tags"]) == ([], [], [], [])
    assert "configuration" not in c and "serviceConnectDefaults" not in c and "attachments" not in c
    d = describe(ecs, name)
    assert d["settings"] == [] and d["statistics"] == [] and d["tags"] == [], d  # only when asked for
    assert describe(ecs, name, ["SETTINGS"])["settings"] == INSIGHTS("disabled")
    assert "configuration" not in describe(ecs, name, ["CONFIGURATIONS"])
    assert describe(ecs, name, ["ATTACHMENTS"])["attachments"] == []


def test_account_setting_gives_the_default(server):
    ecs = server.client(key=(KEY_ID2, SECRET2))  # the other account: the setting stays its own
    ecs.put_account_setting_default(name="containerInsights", value="enhanced")
    c = ecs.create_cluster(clusterName=unique("acct"))["cluster"]
    assert c["settings"] == INSIGHTS("enhanced")
    c2 = ecs.create_cluster(clusterName=unique("acct"), settings=INSIGHTS("disabled"))["cluster"]
    assert c2["settings"] == INSIGHTS("disabled"), "a cluster's own setting wins over the account's"
    assert server.client().create_cluster(clusterName=unique("mine"))["cluster"]["settings"] == INSIGHTS("disabled")
    ecs.delete_account_setting(name="containerInsights", principalArn=f"arn:aws:iam::{ACCOUNT2}:root")


def test_everything_round_trips_and_include_shows_each_part(server):
    ecs = server.client()
    name = unique("full")
    strategy = [{"capacityProvider": "FARGATE", "weight": 1, "base": 2}, {"capacityProvider": "FARGATE_SPOT",
                                                                         "weight": 4}]
    c = ecs.create_cluster(clusterName=name, settings=INSIGHTS("enhanced"), configuration={**EXEC, **STORAGE},
                           capacityProviders=["FARGATE", "FARGATE_SPOT"], defaultCapacityProviderStrategy=strategy,
                           serviceConnectDefaults={"namespace": "shop"}, tags=[{"key": "k", "value": "v"}])["cluster"]
    want_strategy = [{"capacityProvider": "FARGATE", "weight": 1, "base": 2},
                     {"capacityProvider": "FARGATE_SPOT", "weight": 4, "base": 0}]  # base 0 filled, as ECS
    assert c["settings"] == INSIGHTS("enhanced") and c["configuration"] == {**EXEC, **STORAGE}, c
    assert c["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"] and c["defaultCapacityProviderStrategy"] == want_strategy
    ns = c["serviceConnectDefaults"]["namespace"]
    assert ns.startswith(NS_ARN + "ns-") and len(ns) == len(NS_ARN) + 19, ns
    assert c["tags"] == [{"key": "k", "value": "v"}] and c["status"] == "ACTIVE"
    # without include: the members every answer has, and empty parts
    d = describe(ecs, name)
    assert d["capacityProviders"] == c["capacityProviders"] and d["defaultCapacityProviderStrategy"] == want_strategy
    assert d["serviceConnectDefaults"] == c["serviceConnectDefaults"]
    assert d["settings"] == [] and d["tags"] == [] and d["statistics"] == [] and "configuration" not in d
    # each include shows its own part only
    assert describe(ecs, name, ["SETTINGS"])["settings"] == INSIGHTS("enhanced")
    cfg = describe(ecs, name, ["CONFIGURATIONS"])
    assert cfg["configuration"] == {**EXEC, **STORAGE} and cfg["settings"] == [] and cfg["tags"] == []
    assert describe(ecs, name, ["TAGS"])["tags"] == [{"key": "k", "value": "v"}]
    every = describe(ecs, name, ["ATTACHMENTS", "CONFIGURATIONS", "SETTINGS", "STATISTICS", "TAGS"])
    assert every["settings"] and every["configuration"] and every["tags"] and every["attachments"] == []
    assert {s["name"] for s in every["statistics"]} == {
        "runningEC2TasksCount", "runningFargateTasksCount", "pendingEC2TasksCount", "pendingFargateTasksCount",
        "activeEC2ServiceCount", "activeFargateServiceCount", "drainingEC2ServiceCount", "drainingFargateServiceCount"}
    # the same namespace name gives the same ARN; a namespace ARN is kept as given
    other = ecs.create_cluster(clusterName=unique("ns"), serviceConnectDefaults={"namespace": "shop"})["cluster"]
    assert other["serviceConnectDefaults"]["namespace"] == ns
    given = NS_ARN + "ns-abcdefghijklmnop"
    third = ecs.create_cluster(clusterName=unique("ns"), serviceConnectDefaults={"namespace": given})["cluster"]
    assert third["serviceConnectDefaults"] == {"namespace": given}


def test_statistics_count_tasks_and_services(server):
    ecs = server.client()
    name = unique("stats")
    ecs.create_cluster(clusterName=name)
    FakeAgent(server, name).register()
    fam = unique("fam")
    ecs.register_task_definition(family=fam, containerDefinitions=[{"name": "a", "image": "b", "memory": 64}])
    ecs.run_task(cluster=name, taskDefinition=fam, count=2)
    ecs.create_service(cluster=name, serviceName=unique("svc"), taskDefinition=fam, desiredCount=0)
    stats = {s["name"]: s["value"] for s in describe(ecs, name, ["STATISTICS"])["statistics"]}
    assert stats["pendingEC2TasksCount"] == "2" and stats["activeEC2ServiceCount"] == "1", stats
    assert stats["runningFargateTasksCount"] == "0" and stats["pendingFargateTasksCount"] == "0"


def test_update_cluster_settings(server):
    ecs = server.client()
    name = unique("upd")
    ecs.create_cluster(clusterName=name)
    u = ecs.update_cluster_settings(cluster=name, settings=INSIGHTS("enabled"))["cluster"]
    assert u["settings"] == INSIGHTS("enabled") and u["clusterName"] == name
    assert describe(ecs, name, ["SETTINGS"])["settings"] == INSIGHTS("enabled")
    for bad in ("on", "ENABLED", ""):
        expect_error(lambda: ecs.update_cluster_settings(cluster=name, settings=INSIGHTS(bad)),
                     "InvalidParameterException", "Invalid setting 'value'")
    expect_error(lambda: ecs.update_cluster_settings(cluster=name, settings=[{"name": "containerInsights"}]),
                 "InvalidParameterException", "Invalid setting 'value'")
    assert describe(ecs, name, ["SETTINGS"])["settings"] == INSIGHTS("enabled"), "a refused update changed it"
    expect_error(lambda: ecs.update_cluster_settings(cluster=unique("none"), settings=INSIGHTS("enabled")),
                 "ClusterNotFoundException")
    # the CLI
    out = server.cli("update-cluster-settings", "--cluster", name, "--settings", "name=containerInsights,value=enhanced")
    assert out["cluster"]["settings"] == INSIGHTS("enhanced")
    got = server.cli("describe-clusters", "--clusters", name, "--include", "SETTINGS")
    assert got["clusters"][0]["settings"] == INSIGHTS("enhanced")


def test_update_cluster(server):
    ecs = server.client()
    name = unique("upc")
    ecs.create_cluster(clusterName=name, configuration=STORAGE, capacityProviders=["FARGATE"])
    u = ecs.update_cluster(cluster=name, settings=INSIGHTS("enabled"), configuration=EXEC,
                           serviceConnectDefaults={"namespace": "orders"})["cluster"]
    # configuration: each of its two parts replaces its own, the other stays
    assert u["configuration"] == {**STORAGE, **EXEC}, u
    assert u["settings"] == INSIGHTS("enabled") and u["capacityProviders"] == ["FARGATE"]
    assert u["serviceConnectDefaults"]["namespace"].startswith(NS_ARN + "ns-")
    d = describe(ecs, name, ["CONFIGURATIONS", "SETTINGS"])
    assert d["configuration"] == u["configuration"] and d["settings"] == u["settings"]
    # a namespace of another account, or a name with a slash: refused, nothing changes
    expect_error(lambda: ecs.update_cluster(cluster=name, serviceConnectDefaults={
        "namespace": f"arn:aws:servicediscovery:{REGION}:{ACCOUNT2}:namespace/ns-abcdefghijklmnop"}),
        "NamespaceNotFoundException")
    expect_error(lambda: ecs.update_cluster(cluster=name, serviceConnectDefaults={"namespace": "a/b"}),
                 "InvalidParameterException", "serviceConnectDefaults.namespace")
    # logging OVERRIDE needs a logConfiguration
    expect_error(lambda: ecs.update_cluster(cluster=name, configuration={
        "executeCommandConfiguration": {"logging": "OVERRIDE"}}), "InvalidParameterException", "logConfiguration")
    expect_error(lambda: ecs.update_cluster(cluster=name, settings=INSIGHTS("bogus"), configuration=STORAGE),
                 "InvalidParameterException")
    assert describe(ecs, name, ["CONFIGURATIONS", "SETTINGS"]) == d, "a refused update changed the cluster"
    # "" removes the default namespace
    r = ecs.update_cluster(cluster=name, serviceConnectDefaults={"namespace": ""})["cluster"]
    assert "serviceConnectDefaults" not in r and "serviceConnectDefaults" not in describe(ecs, name)
    # an INACTIVE cluster is not updated
    ecs.delete_cluster(cluster=name)
    expect_error(lambda: ecs.update_cluster(cluster=name, settings=INSIGHTS("disabled")), "ClusterNotFoundException",
                 "The referenced cluster was inactive.")
    out = server.cli("create-cluster", "--cluster-name", unique("cli"), "--settings",
                     "name=containerInsights,value=enabled", "--configuration",
                     "executeCommandConfiguration={logging=DEFAULT}")
    cname = out["cluster"]["clusterName"]
    out = server.cli("update-cluster", "--cluster", cname, "--service-connect-defaults", "namespace=test")
    assert out["cluster"]["serviceConnectDefaults"]["namespace"].startswith(NS_ARN)
    assert out["cluster"]["configuration"] == {"executeCommandConfiguration": {"logging": "DEFAULT"}}


def test_capacity_providers(server):
    ecs = server.client()
    # an unknown provider: refused, and no cluster is made
    name = unique("cp")
    expect_error(lambda: ecs.create_cluster(clusterName=name, capacityProviders=["FARGATE", "my-asg"]),
                 "InvalidParameterException", "The specified capacity provider was not found.")
    assert ecs.describe_clusters(clusters=[name])["failures"][0]["reason"] == "MISSING"
    expect_error(lambda: ecs.create_cluster(clusterName=name, capacityProviders=["FARGATE"],
                                            defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT"}]),
                 "InvalidParameterException", "not associated with the cluster")
    bad_strategies = [
        ([{"capacityProvider": "FARGATE", "weight": 1001}], "weight"),
        ([{"capacityProvider": "FARGATE", "base": 100001}], "base"),
        ([{"capacityProvider": "FARGATE", "base": 1}, {"capacityProvider": "FARGATE_SPOT", "base": 1}], "base"),
        ([{"capacityProvider": "FARGATE"}, {"capacityProvider": "FARGATE"}], "once"),
    ]
    for strategy, word in bad_strategies:
        expect_error(lambda: ecs.create_cluster(clusterName=name, capacityProviders=["FARGATE", "FARGATE_SPOT"],
                                                defaultCapacityProviderStrategy=strategy),
                     "InvalidParameterException", word)
    expect_error(lambda: ecs.create_cluster(clusterName=name, capacityProviders=["FARGATE", "FARGATE"]),
                 "InvalidParameterException", "twice")
    assert ecs.describe_clusters(clusters=[name])["failures"], "a refused CreateCluster made the cluster"
    # made with one; CreateCluster again: the same is answered, another is refused
    c = ecs.create_cluster(clusterName=name, capacityProviders=["FARGATE"])["cluster"]
    assert ecs.create_cluster(clusterName=name, capacityProviders=["FARGATE"])["cluster"]["clusterArn"] == c["clusterArn"]
    assert ecs.create_cluster(clusterName=name)["cluster"]["capacityProviders"] == ["FARGATE"]
    expect_error(lambda: ecs.create_cluster(clusterName=name, capacityProviders=["FARGATE_SPOT"]),
                 "InvalidParameterException",
                 "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).")
    # PutClusterCapacityProviders replaces both lists
    p = ecs.put_cluster_capacity_providers(cluster=name, capacityProviders=["FARGATE", "FARGATE_SPOT"],
                                           defaultCapacityProviderStrategy=[
                                               {"capacityProvider": "FARGATE_SPOT", "weight": 3}])["cluster"]
    assert p["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    assert p["defaultCapacityProviderStrategy"] == [{"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0}]
    expect_error(lambda: ecs.put_cluster_capacity_providers(cluster=name, capacityProviders=["FARGATE"],
                                                            defaultCapacityProviderStrategy=[
                                                                {"capacityProvider": "FARGATE_SPOT"}]),
                 "InvalidParameterException", "not associated with the cluster")
    assert describe(ecs, name)["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"], "a refused put changed it"
    e = ecs.put_cluster_capacity_providers(cluster=name, capacityProviders=[], defaultCapacityProviderStrategy=[])
    assert e["cluster"]["capacityProviders"] == [] and e["cluster"]["defaultCapacityProviderStrategy"] == []
    out = server.cli("put-cluster-capacity-providers", "--cluster", name, "--capacity-providers", "FARGATE",
                     "--default-capacity-provider-strategy", "capacityProvider=FARGATE,weight=1")
    assert out["cluster"]["defaultCapacityProviderStrategy"] == [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
