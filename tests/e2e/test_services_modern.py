"""Services of today (issue 12, point 1) with boto3: every member of
CreateService / UpdateService stored, checked as ECS checks it and returned
by DescribeServices (include TAGS); each refusal by exception and message,
and a refused request changes nothing; what cannot act here (a Fargate
launch type, EBS volumes) fails clearly in the service's events.
"""
import time

from harness import ACCOUNT, REGION, expect_error, unique

TD = [{"name": "web", "image": "nginx", "memory": 64, "portMappings": [{"containerPort": 80}]}]
NET = {"awsvpcConfiguration": {"subnets": ["subnet-1", "subnet-2"], "securityGroups": ["sg-1"]}}
TG = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/web/0123456789abcdef"


def setup(server, **td):
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("msvc"), capacityProviders=["FARGATE"])["cluster"]["clusterName"]
    family = unique("mapp")
    ecs.register_task_definition(family=family, containerDefinitions=TD, **td)
    return ecs, cluster, family


def fargate_family(ecs):
    family = unique("mfg")
    ecs.register_task_definition(family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                                 cpu="256", memory="512", containerDefinitions=TD)
    return family


def describe(ecs, cluster, name, **kw):
    r = ecs.describe_services(cluster=cluster, services=[name], **kw)
    assert not r["failures"], r["failures"]
    return r["services"][0]


def test_defaults_as_ecs_shows_them(server):
    ecs, cluster, family = setup(server)
    name = unique("d")
    s = ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=0)["service"]
    assert s["deploymentConfiguration"] == {"deploymentCircuitBreaker": {"enable": False, "rollback": False},
                                            "maximumPercent": 200, "minimumHealthyPercent": 100,
                                            "strategy": "ROLLING", "bakeTimeInMinutes": 0}
    assert s["deploymentController"] == {"type": "ECS"} and s["schedulingStrategy"] == "REPLICA"
    assert s["launchType"] == "EC2" and "capacityProviderStrategy" not in s and "platformVersion" not in s
    assert (s["placementConstraints"], s["placementStrategy"], s["serviceRegistries"], s["loadBalancers"]) == (
        [], [], [], [])
    assert (s["enableECSManagedTags"], s["propagateTags"], s["enableExecuteCommand"]) == (False, "NONE", False)
    assert s["availabilityZoneRebalancing"] == "ENABLED" and s["resourceManagementType"] == "CUSTOMER"
    assert s["createdBy"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert "healthCheckGracePeriodSeconds" not in s and "networkConfiguration" not in s and "tags" not in s
    [d] = s["deployments"]
    assert (d["failedTasks"], d["rolloutState"], d["launchType"]) == (0, "IN_PROGRESS", "EC2")
    assert d["rolloutStateReason"] == f"ECS deployment {d['id']} in progress."
    moving = ("tags", "events", "deployments")  # the scheduler completes the rollout meanwhile
    got = describe(ecs, cluster, name)
    assert {k: v for k, v in got.items() if k not in moving} == {k: v for k, v in s.items() if k not in moving}
    assert [x["id"] for x in got["deployments"]] == [d["id"]]


def test_every_member_round_trips(server):
    ecs, cluster, family = setup(server)
    name = unique("full")
    dc = {"deploymentCircuitBreaker": {"enable": True, "rollback": True}, "maximumPercent": 150,
          "minimumHealthyPercent": 50, "alarms": {"alarmNames": ["high-5xx"], "enable": True, "rollback": False},
          "strategy": "ROLLING", "bakeTimeInMinutes": 5}
    pc = [{"type": "distinctInstance"}, {"type": "memberOf", "expression": "attribute:ecs.os-type == linux"}]
    ps = [{"type": "spread", "field": "instanceId"}, {"type": "binpack", "field": "memory"}]
    regs = [{"registryArn": f"arn:aws:servicediscovery:{REGION}:{ACCOUNT}:service/srv-1", "containerName": "web",
             "containerPort": 80}]
    lbs = [{"targetGroupArn": TG, "containerName": "web", "containerPort": 80}]
    sc = {"enabled": True, "namespace": "internal", "services": [{"portName": "http", "discoveryName": "web",
                                                                  "clientAliases": [{"port": 80}]}]}
    tags = [{"key": "team", "value": "infra"}]
    s = ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=0, launchType="EC2",
                           deploymentConfiguration=dc, deploymentController={"type": "ECS"},
                           schedulingStrategy="REPLICA", healthCheckGracePeriodSeconds=30, placementConstraints=pc,
                           placementStrategy=ps, propagateTags="SERVICE", enableECSManagedTags=True,
                           enableExecuteCommand=True, loadBalancers=lbs, role="ecs-svc", serviceRegistries=regs,
                           serviceConnectConfiguration=sc, availabilityZoneRebalancing="DISABLED", tags=tags)["service"]
    want = {"deploymentConfiguration": dc, "deploymentController": {"type": "ECS"}, "schedulingStrategy": "REPLICA",
            "healthCheckGracePeriodSeconds": 30, "placementConstraints": pc, "placementStrategy": ps,
            "propagateTags": "SERVICE", "enableECSManagedTags": True, "enableExecuteCommand": True,
            "loadBalancers": lbs, "serviceRegistries": regs, "availabilityZoneRebalancing": "DISABLED",
            "tags": tags, "launchType": "EC2", "roleArn": f"arn:aws:iam::{ACCOUNT}:role/ecs-svc"}
    got = describe(ecs, cluster, name, include=["TAGS"])
    for view in (s, got):
        assert {k: view.get(k) for k in want} == want, view
        assert view["deployments"][0]["serviceConnectConfiguration"] == sc
        assert "serviceConnectConfiguration" not in view  # ECS shows it per deployment only
    assert "tags" not in describe(ecs, cluster, name)
    # UpdateService: each member changes; members that a deployment carries make a new deployment
    first = got["deployments"][0]["id"]
    u = ecs.update_service(cluster=cluster, service=name, healthCheckGracePeriodSeconds=60,
                           deploymentConfiguration={"deploymentCircuitBreaker": {"enable": False, "rollback": False}},
                           placementConstraints=[], placementStrategy=[{"type": "random"}], propagateTags="NONE",
                           enableECSManagedTags=False, enableExecuteCommand=False,
                           availabilityZoneRebalancing="ENABLED")["service"]
    assert u["healthCheckGracePeriodSeconds"] == 60 and u["placementConstraints"] == []
    assert u["placementStrategy"] == [{"type": "random"}] and u["propagateTags"] == "NONE"
    assert (u["enableECSManagedTags"], u["enableExecuteCommand"], u["availabilityZoneRebalancing"]) == (
        False, False, "ENABLED")
    assert u["deploymentConfiguration"] == dict(dc, deploymentCircuitBreaker={"enable": False, "rollback": False})
    assert [d["id"] for d in u["deployments"]] == [first], "none of these starts a deployment"
    u = ecs.update_service(cluster=cluster, service=name, forceNewDeployment=True)["service"]
    assert len(u["deployments"]) == 2 and u["deployments"][1]["id"] == first
    assert [d["status"] for d in u["deployments"]] == ["PRIMARY", "ACTIVE"]
    sc2 = {"enabled": False}
    forced = u["deployments"][0]["id"]
    u = ecs.update_service(cluster=cluster, service=name, serviceConnectConfiguration=sc2)["service"]
    assert u["deployments"][0]["id"] not in (first, forced), "a new Service Connect configuration: a new deployment"
    assert u["deployments"][0]["serviceConnectConfiguration"] == sc2


def test_awsvpc_network_configuration(server):
    ecs, cluster, family = setup(server, networkMode="awsvpc")
    name = unique("vpc")
    base = dict(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=0)
    expect_error(lambda: ecs.create_service(**base), "InvalidParameterException",
                 "Network Configuration must be provided when networkMode 'awsvpc' is specified.")
    expect_error(lambda: ecs.create_service(**base, networkConfiguration={"awsvpcConfiguration": {"subnets": []}}),
                 "InvalidParameterException", "subnets can not be empty.")
    many = {"awsvpcConfiguration": {"subnets": [f"subnet-{i}" for i in range(17)]}}
    expect_error(lambda: ecs.create_service(**base, networkConfiguration=many), "InvalidParameterException",
                 "subnets can have at most 16 items.")
    pub = {"awsvpcConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": "ENABLED"}}
    expect_error(lambda: ecs.create_service(**base, networkConfiguration=pub), "InvalidParameterException",
                 "Assign public IP is not supported for this launch type.")
    assert ecs.list_services(cluster=cluster)["serviceArns"] == [], "refused requests made nothing"
    s = ecs.create_service(**base, networkConfiguration=NET)["service"]
    want = {"awsvpcConfiguration": dict(NET["awsvpcConfiguration"], assignPublicIp="DISABLED")}
    assert s["networkConfiguration"] == want and s["deployments"][0]["networkConfiguration"] == want
    bridge = unique("br")
    ecs.register_task_definition(family=bridge, containerDefinitions=TD)
    expect_error(lambda: ecs.create_service(cluster=cluster, serviceName=unique("b"), taskDefinition=bridge,
                                            desiredCount=0, networkConfiguration=NET), "InvalidParameterException",
                 "Network Configuration is not valid for the given networkMode of this task definition.")
    net2 = {"awsvpcConfiguration": {"subnets": ["subnet-3"], "securityGroups": ["sg-2"], "assignPublicIp": "DISABLED"}}
    u = ecs.update_service(cluster=cluster, service=name, networkConfiguration=net2)["service"]
    assert u["networkConfiguration"] == net2 and u["deployments"][0]["networkConfiguration"] == net2
    assert len(u["deployments"]) == 2, "a new network configuration is a new deployment"


def test_launch_types_and_capacity_providers(server):
    ecs, cluster, family = setup(server)
    base = dict(cluster=cluster, taskDefinition=family, desiredCount=0)
    cps = [{"capacityProvider": "FARGATE", "weight": 1}]
    expect_error(lambda: ecs.create_service(serviceName=unique("x"), launchType="EC2", capacityProviderStrategy=cps,
                                            **base), "InvalidParameterException",
                 "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try "
                 "again.")
    expect_error(lambda: ecs.create_service(serviceName=unique("x"), capacityProviderStrategy=[
        {"capacityProvider": "FARGATE_SPOT", "weight": 1}], **base), "InvalidParameterException",
                 "The specified capacity provider strategy cannot contain a capacity provider that is not associated "
                 "with the cluster.")
    expect_error(lambda: ecs.create_service(serviceName=unique("x"), platformVersion="1.4.0", **base),
                 "InvalidParameterException", "The platform version must be null when specifying an EC2 launch type.")
    s = ecs.create_service(serviceName=unique("cp"), capacityProviderStrategy=cps, **base)["service"]
    assert s["capacityProviderStrategy"] == [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
    assert "launchType" not in s and s["platformVersion"] == "LATEST"
    assert s["deployments"][0]["capacityProviderStrategy"] == s["capacityProviderStrategy"]
    expect_error(lambda: ecs.create_service(serviceName=unique("fg"), launchType="FARGATE", **base),
                 "InvalidParameterException", "Task definition does not support launch_type FARGATE.")
    fg = fargate_family(ecs)
    fbase = dict(base, taskDefinition=fg, networkConfiguration=NET)
    for kw, msg in [(dict(placementConstraints=[{"type": "distinctInstance"}]), "Placement constraints"),
                    (dict(placementStrategy=[{"type": "random"}]), "Placement strategies")]:
        expect_error(lambda: ecs.create_service(serviceName=unique("fg"), launchType="FARGATE", **fbase, **kw),
                     "InvalidParameterException", msg + " are not supported with FARGATE launch type.")
    f = ecs.create_service(serviceName=unique("fg"), launchType="FARGATE", platformVersion="1.4.0",
                           **fbase)["service"]
    assert (f["launchType"], f["platformVersion"], f["platformFamily"]) == ("FARGATE", "1.4.0", "Linux")


def test_fargate_service_fails_clearly_at_placement(server):
    """A Fargate service on a cluster whose instances offer no Fargate
    capacity (a fake agent without ecs.capability.fargate): its tasks are
    never placed, and its events say why (test_fargate.py places them)."""
    from svc_agents import AutoAgent
    ecs, cluster, _ = setup(server)
    family = fargate_family(ecs)
    with AutoAgent(server, cluster):
        name = unique("fg")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=1,
                           launchType="FARGATE", networkConfiguration=NET)
        deadline = time.time() + 10
        while time.time() < deadline:
            s = describe(ecs, cluster, name)
            if s["events"]:
                break
            time.sleep(0.2)
        assert s["runningCount"] == 0 and s["pendingCount"] == 0
        assert s["events"][0]["message"].startswith(f"(service {name}) was unable to place a task"), s["events"]
        assert "is missing an attribute required by your task" in s["events"][0]["message"], s["events"]
        ecs.delete_service(cluster=cluster, service=name, force=True)


def test_refusals_by_member(server):
    ecs, cluster, family = setup(server)
    ok = dict(cluster=cluster, taskDefinition=family, desiredCount=0)

    def bad(msg, **kw):
        expect_error(lambda: ecs.create_service(serviceName=unique("bad"), **dict(ok, **kw)),
                     "InvalidParameterException", msg)

    bad("deploymentConfiguration.strategy: ecsd does rolling updates only (ROLLING); BLUE_GREEN",
        deploymentConfiguration={"strategy": "BLUE_GREEN"})
    bad("deploymentConfiguration.canaryConfiguration:",
        deploymentConfiguration={"canaryConfiguration": {"canaryPercent": 10.0}})
    bad("bakeTimeInMinutes must be between 0 and 1440.", deploymentConfiguration={"bakeTimeInMinutes": 1441})
    bad("deploymentController.type: CODE_DEPLOY is not supported", deploymentController={"type": "CODE_DEPLOY"})
    bad("healthCheckGracePeriodSeconds must be between 0 and 2147483647.", healthCheckGracePeriodSeconds=-1)
    bad("placementConstraints can have at most 10 items.", placementConstraints=[{"type": "distinctInstance"}] * 11)
    bad("placementConstraints[0]: a memberOf constraint needs an expression.", placementConstraints=[
        {"type": "memberOf"}])
    bad("placementStrategy can have at most 5 items.", placementStrategy=[{"type": "random"}] * 6)
    bad("placementStrategy[0]: the binpack field must be cpu or memory.", placementStrategy=[
        {"type": "binpack", "field": "disk"}])
    bad("serviceRegistries can have at most 1 items.", serviceRegistries=[{"registryArn": "a"}, {"registryArn": "b"}])
    bad("volumeConfigurations[0]: the task definition has no volume named 'data'", volumeConfigurations=[
        {"name": "data", "managedEBSVolume": {"roleArn": "arn:aws:iam::123456789012:role/ebs"}}])
    daemon = dict(cluster=cluster, taskDefinition=family, schedulingStrategy="DAEMON")
    expect_error(lambda: ecs.create_service(serviceName=unique("dm"), desiredCount=1, **daemon),
                 "InvalidParameterException",
                 "The daemon scheduling strategy does not support a desired count for services.")
    expect_error(lambda: ecs.create_service(serviceName=unique("dm"), placementStrategy=[{"type": "random"}],
                                            **daemon), "InvalidParameterException",
                 "The daemon scheduling strategy does not support placement strategies.")
    expect_error(lambda: ecs.create_service(serviceName=unique("dm"), deploymentConfiguration={"maximumPercent": 200},
                                            **daemon), "InvalidParameterException",
                 "The daemon scheduling strategy does not support values above 100 for maximumPercent.")
    assert ecs.list_services(cluster=cluster)["serviceArns"] == []
    # a refused UpdateService changes nothing
    name = unique("keep")
    before = ecs.create_service(serviceName=name, healthCheckGracePeriodSeconds=10, **ok)["service"]
    expect_error(lambda: ecs.update_service(cluster=cluster, service=name, healthCheckGracePeriodSeconds=20,
                                            deploymentController={"type": "CODE_DEPLOY"}),
                 "InvalidParameterException", "CODE_DEPLOY is not supported")
    expect_error(lambda: ecs.update_service(cluster=cluster, service=name, placementStrategy=[{"type": "binpack"}]),
                 "InvalidParameterException", "binpack field")
    after = describe(ecs, cluster, name)
    assert {k: v for k, v in after.items() if k not in ("events", "deployments")} == {
        k: v for k, v in before.items() if k not in ("tags", "events", "deployments")}
    assert [d["id"] for d in after["deployments"]] == [d["id"] for d in before["deployments"]]


def test_volume_configurations_fail_clearly(server):
    ecs, cluster, family = setup(server, volumes=[{"name": "data", "configuredAtLaunch": True}])
    name = unique("ebs")
    vc = [{"name": "data", "managedEBSVolume": {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/ebs", "sizeInGiB": 10}}]
    s = ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=0,
                           volumeConfigurations=vc)["service"]
    assert s["deployments"][0]["volumeConfigurations"] == vc and "volumeConfigurations" not in s
