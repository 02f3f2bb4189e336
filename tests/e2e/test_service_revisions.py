"""Service revisions and the stop of a service deployment (issue 12):
DescribeServiceRevisions for the revisions ListServiceDeployments,
DescribeServiceDeployments and DescribeServices name; StopServiceDeployment
ROLLBACK (ROLLBACK_REQUESTED -> ROLLBACK_IN_PROGRESS -> ROLLBACK_SUCCESSFUL)
and ABORT (STOP_REQUESTED -> STOPPED) with ECS's errors; ListServices'
launchType / schedulingStrategy / resourceManagementType filters;
ListServicesByNamespace. Hosts are AutoAgents (svc_agents.py)."""
import time

from harness import expect_error, unique
from svc_agents import AutoAgent
from test_deployments import completed, describe, setup, wait_for

SC = {"enabled": True, "namespace": "shop.local",
      "services": [{"portName": "web", "clientAliases": [{"port": 80}]}]}


def sd_status(ecs, arn):
    return ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"][0]


def test_revisions_follow_the_deployments(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster):
        name = unique("rev")
        s = ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=f"{family}:1", desiredCount=1,
                               propagateTags="SERVICE")["service"]
        rev1 = s["currentServiceRevisions"][0]["arn"]
        assert rev1.startswith("arn:aws:ecs:") and f":service-revision/{cluster}/{name}/" in rev1
        wait_for(lambda: completed(ecs, cluster, name, 1), what="v1")
        [sd1] = ecs.list_service_deployments(cluster=cluster, service=name)["serviceDeployments"]
        assert sd1["targetServiceRevisionArn"] == rev1
        r = ecs.describe_service_revisions(serviceRevisionArns=[rev1])
        assert r["failures"] == []
        [rv] = r["serviceRevisions"]
        assert rv["serviceRevisionArn"] == rev1 and rv["serviceArn"] == s["serviceArn"]
        assert rv["clusterArn"] == s["clusterArn"] and rv["taskDefinition"].endswith(f"/{family}:1")
        assert rv["launchType"] == "EC2" and rv["containerImages"] == [{"containerName": "web", "image": "nginx"}]
        assert "createdAt" in rv
        u = ecs.update_service(cluster=cluster, service=name, taskDefinition=f"{family}:2")["service"]
        rev2 = [x["arn"] for x in u["currentServiceRevisions"] if x["arn"] != rev1][0]
        sd2 = sd_status(ecs, u["currentServiceDeployment"])
        assert sd2["targetServiceRevision"]["arn"] == rev2
        assert [x["arn"] for x in sd2["sourceServiceRevisions"]] == [rev1]
        r = ecs.describe_service_revisions(serviceRevisionArns=[rev2, rev1, rev1[:-1] + "x", "nope"])
        assert [x["taskDefinition"].rsplit(":", 1)[1] for x in r["serviceRevisions"]] == ["2", "1", "1"][:2]
        assert r["failures"] == [{"arn": rev1[:-1] + "x", "reason": "MISSING"}, {"arn": "nope", "reason": "MISSING"}]
        expect_error(lambda: ecs.describe_service_revisions(serviceRevisionArns=[]), "InvalidParameterException",
                     "serviceRevisionArns")
        expect_error(lambda: ecs.describe_service_revisions(serviceRevisionArns=[rev1] * 21),
                     "InvalidParameterException", "at most 20")
        ecs.delete_service(cluster=cluster, service=name, force=True)


def test_stop_rollback_returns_to_the_last_completed_revision(server):
    ecs, cluster, family = setup(server)
    # revision 2 never gets RUNNING: it stays IN_PROGRESS (no breaker)
    stuck = lambda task: task["taskDefinitionArn"].endswith(f"/{family}:2")  # noqa: E731
    with AutoAgent(server, cluster) as a:
        orig = a._handle

        def handle(task):
            if task["desiredStatus"] == "RUNNING" and stuck(task):
                return  # PENDING for ever (a slow pull)
            orig(task)
        a._handle = handle
        name = unique("stop")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=f"{family}:1", desiredCount=1,
                           deploymentConfiguration={"minimumHealthyPercent": 100, "maximumPercent": 200})
        wait_for(lambda: completed(ecs, cluster, name, 1), what="v1")
        first = ecs.list_service_deployments(cluster=cluster, service=name)["serviceDeployments"][0]
        expect_error(lambda: ecs.stop_service_deployment(serviceDeploymentArn=first["serviceDeploymentArn"]),
                     "ConflictException", "SUCCESSFUL")
        u = ecs.update_service(cluster=cluster, service=name, taskDefinition=f"{family}:2")["service"]
        sd = u["currentServiceDeployment"]
        assert sd_status(ecs, sd)["status"] == "IN_PROGRESS"
        r = ecs.stop_service_deployment(serviceDeploymentArn=sd, stopType="ROLLBACK")
        assert r["serviceDeploymentArn"] == sd
        # asked again while it rolls back: it continues, no error
        ecs.stop_service_deployment(serviceDeploymentArn=sd, stopType="ROLLBACK")
        x = wait_for(lambda: (lambda v: v if v["status"] == "ROLLBACK_SUCCESSFUL" else None)(sd_status(ecs, sd)),
                     what="ROLLBACK_SUCCESSFUL")
        assert x["rollback"]["reason"] == "Service deployment rollback requested."
        s = wait_for(lambda: completed(ecs, cluster, name, 1), what="rolled back")
        assert s["taskDefinition"].endswith(f"/{family}:1")
        assert any("deployment rolled back by a StopServiceDeployment request" in e["message"] for e in s["events"])
        [back] = ecs.describe_service_revisions(serviceRevisionArns=[x["rollback"]["serviceRevisionArn"]])[
            "serviceRevisions"]
        assert back["taskDefinition"].endswith(f"/{family}:1")
        expect_error(lambda: ecs.stop_service_deployment(serviceDeploymentArn=sd), "ConflictException",
                     "ROLLBACK_SUCCESSFUL")
        ecs.delete_service(cluster=cluster, service=name, force=True)


def test_stop_abort_and_errors(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster, fail_starts=False) as a:
        orig = a._handle

        def handle(task):
            if task["desiredStatus"] == "RUNNING" and task["taskDefinitionArn"].endswith(f"/{family}:2"):
                return
            orig(task)
        a._handle = handle
        name = unique("abort")
        s = ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=f"{family}:1",
                               desiredCount=1)["service"]
        first_sd = s["currentServiceDeployment"]
        # the first deployment has no revision to roll back to
        expect_error(lambda: ecs.stop_service_deployment(serviceDeploymentArn=first_sd, stopType="ROLLBACK"),
                     "ConflictException", "no previous service revision")
        wait_for(lambda: completed(ecs, cluster, name, 1), what="v1")
        sd = ecs.update_service(cluster=cluster, service=name, taskDefinition=f"{family}:2")["service"][
            "currentServiceDeployment"]
        ecs.stop_service_deployment(serviceDeploymentArn=sd, stopType="ABORT")
        st = sd_status(ecs, sd)["status"]
        assert st in ("STOP_REQUESTED", "STOPPED"), st
        x = wait_for(lambda: (lambda v: v if v["status"] == "STOPPED" else None)(sd_status(ecs, sd)), what="STOPPED")
        assert x["statusReason"] == "ECS deployment stopped by request." and "stoppedAt" in x
        s = describe(ecs, cluster, name)
        assert s["deployments"][0]["rolloutState"] == "FAILED"
        started = len(a.started)
        time.sleep(1.5)
        assert len(a.started) == started, "a stopped deployment launches no new tasks"
        assert describe(ecs, cluster, name)["runningCount"] == 1
        bad = sd.rsplit("/", 1)[0] + "/nope"
        expect_error(lambda: ecs.stop_service_deployment(serviceDeploymentArn=bad),
                     "ServiceDeploymentNotFoundException")
        expect_error(lambda: ecs.stop_service_deployment(serviceDeploymentArn="nope"),
                     "ServiceDeploymentNotFoundException")
        expect_error(lambda: ecs.stop_service_deployment(serviceDeploymentArn=sd, stopType="PAUSE"),
                     "InvalidParameterException", "stopType")
        ecs.delete_service(cluster=cluster, service=name, force=True)


def test_list_services_filters_and_namespace(server):
    ecs, cluster, family = setup(server)
    other = ecs.create_cluster(clusterName=unique("ns2"))["cluster"]["clusterName"]
    rep = ecs.create_service(cluster=cluster, serviceName=unique("rep"), taskDefinition=f"{family}:1",
                             desiredCount=0, serviceConnectConfiguration=SC)["service"]["serviceArn"]
    dmn = ecs.create_service(cluster=cluster, serviceName=unique("dmn"), taskDefinition=f"{family}:1",
                             schedulingStrategy="DAEMON")["service"]["serviceArn"]
    vpc = unique("vpc")
    ecs.register_task_definition(family=vpc, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256",
                                 memory="512", containerDefinitions=[{"name": "web", "image": "nginx"}])
    far = ecs.create_service(cluster=cluster, serviceName=unique("far"), taskDefinition=vpc,
                             desiredCount=0, launchType="FARGATE",
                             networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-1"]}}
                             )["service"]["serviceArn"]
    o = ecs.create_service(cluster=other, serviceName=unique("o"), taskDefinition=f"{family}:1", desiredCount=0,
                           serviceConnectConfiguration=SC)["service"]["serviceArn"]
    ls = lambda **kw: sorted(ecs.list_services(cluster=cluster, **kw)["serviceArns"])  # noqa: E731
    assert ls() == sorted([rep, dmn, far])
    assert ls(launchType="EC2") == sorted([rep, dmn])
    assert ls(launchType="FARGATE") == [far]
    assert ls(launchType="EXTERNAL") == []
    assert ls(schedulingStrategy="DAEMON") == [dmn]
    assert ls(schedulingStrategy="REPLICA", launchType="EC2") == [rep]
    assert ls(resourceManagementType="CUSTOMER") == sorted([rep, dmn, far])
    assert ls(resourceManagementType="ECS") == []
    # paging through a filter
    p1 = ecs.list_services(cluster=cluster, launchType="EC2", maxResults=1)
    assert len(p1["serviceArns"]) == 1 and "nextToken" in p1
    p2 = ecs.list_services(cluster=cluster, launchType="EC2", maxResults=1, nextToken=p1["nextToken"])
    assert sorted(p1["serviceArns"] + p2["serviceArns"]) == sorted([rep, dmn]) and "nextToken" not in p2
    expect_error(lambda: ecs.list_services(cluster=cluster, launchType="BOAT"), "InvalidParameterException",
                 "launchType")
    # ListServicesByNamespace: across clusters, only services whose Service Connect names it
    assert sorted(ecs.list_services_by_namespace(namespace="shop.local")["serviceArns"]) == sorted([rep, o])
    assert ecs.list_services_by_namespace(namespace="other.local")["serviceArns"] == []
    p = ecs.list_services_by_namespace(namespace="shop.local", maxResults=1)
    assert len(p["serviceArns"]) == 1 and "nextToken" in p
    expect_error(lambda: ecs.list_services_by_namespace(namespace=""), "InvalidParameterException", "namespace")
    for c, s in ((cluster, rep), (cluster, dmn), (cluster, far), (other, o)):
        ecs.delete_service(cluster=c, service=s, force=True)
    assert ecs.list_services_by_namespace(namespace="shop.local")["serviceArns"] == []
