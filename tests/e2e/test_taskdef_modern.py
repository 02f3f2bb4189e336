"""Today's task definitions with boto3 (issue 10, task-definition part): a
definition with every member of today's model round-trips exactly (what was
sent comes back, plus ECS's defaults: requiresAttributes, registeredBy,
registeredAt, compatibilities, ...), each check of the newer members by
exception and message, and DeleteTaskDefinitions (DELETE_IN_PROGRESS, the
failures ECS gives, removal once nothing uses the revision).

The tests share one server; each uses families of its own.
"""
import time

from fake_agent import FakeAgent, unique
from harness import ACCOUNT, REGION, expect_error

TD_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"

SIDECAR = {
    "name": "sidecar", "image": "busybox:1.36", "memory": 32, "essential": False,
    "healthCheck": {"command": ["CMD-SHELL", "true"], "interval": 10, "timeout": 3, "retries": 2, "startPeriod": 5},
    "firelensConfiguration": {"type": "fluentbit", "options": {"enable-ecs-log-metadata": "true"}},
}
APP = {
    "name": "app", "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/app:1.2",
    "repositoryCredentials": {"credentialsParameter": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:reg"},
    "cpu": 256, "memory": 512, "memoryReservation": 256, "links": ["sidecar:side"],
    "portMappings": [{"containerPort": 8080, "hostPort": 0, "protocol": "tcp", "name": "http", "appProtocol": "http"},
                     {"containerPortRange": "9000-9010", "protocol": "udp"}],
    "essential": True,
    "restartPolicy": {"enabled": True, "ignoredExitCodes": [0], "restartAttemptPeriod": 60},
    "entryPoint": ["/bin/sh", "-c"], "command": ["exec app"],
    "environment": [{"name": "MODE", "value": "prod"}],
    "environmentFiles": [{"value": "arn:aws:s3:::bucket/app.env", "type": "s3"}],
    "mountPoints": [{"sourceVolume": "data", "containerPath": "/data", "readOnly": False},
                    {"sourceVolume": "cache", "containerPath": "/cache", "readOnly": True}],
    "volumesFrom": [{"sourceContainer": "sidecar", "readOnly": True}],
    "linuxParameters": {"capabilities": {"add": ["NET_ADMIN"], "drop": ["MKNOD"]},
                        "devices": [{"hostPath": "/dev/fuse", "containerPath": "/dev/fuse", "permissions": ["read"]}],
                        "initProcessEnabled": True, "sharedMemorySize": 64,
                        "tmpfs": [{"containerPath": "/run", "size": 16, "mountOptions": ["noexec"]}],
                        "maxSwap": 128, "swappiness": 10},
    "secrets": [{"name": "PASSWORD", "valueFrom": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/pw"}],
    "dependsOn": [{"containerName": "sidecar", "condition": "HEALTHY"}],
    "startTimeout": 60, "stopTimeout": 20, "versionConsistency": "disabled",
    "hostname": "app", "user": "1000:1000", "workingDirectory": "/srv", "disableNetworking": False,
    "privileged": False, "readonlyRootFilesystem": True,
    "dnsServers": ["10.0.0.2"], "dnsSearchDomains": ["example.internal"],
    "extraHosts": [{"hostname": "db", "ipAddress": "10.0.0.9"}],
    "dockerSecurityOptions": ["no-new-privileges"], "interactive": False, "pseudoTerminal": False,
    "dockerLabels": {"team": "web"},
    "ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}],
    "logConfiguration": {"logDriver": "json-file", "options": {"max-size": "10m"},
                         "secretOptions": [{"name": "TOKEN", "valueFrom": "/log/token"}]},
    "systemControls": [{"namespace": "net.core.somaxconn", "value": "1024"}],
    "resourceRequirements": [{"value": "1", "type": "GPU"}],
    "credentialSpecs": ["credentialspecdomainless:arn:aws:s3:::bucket/spec.json"],
}
MODERN = {
    "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/app", "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/exec",
    "networkMode": "bridge", "containerDefinitions": [APP, SIDECAR],
    "volumes": [{"name": "data", "host": {"sourcePath": "/srv/data"}},
                {"name": "cache", "dockerVolumeConfiguration": {"scope": "shared", "autoprovision": True,
                                                                 "driver": "local", "driverOpts": {"type": "tmpfs"},
                                                                 "labels": {"purpose": "cache"}}},
                {"name": "efs", "efsVolumeConfiguration": {"fileSystemId": "fs-12345678", "rootDirectory": "/",
                                                           "transitEncryption": "ENABLED",
                                                           "authorizationConfig": {"iam": "ENABLED"}}}],
    "placementConstraints": [{"type": "memberOf", "expression": "attribute:ecs.os-type == linux"}],
    "requiresCompatibilities": ["EC2"], "cpu": "1024", "memory": "2048",
    "pidMode": "host", "ipcMode": "none",
    "inferenceAccelerators": [{"deviceName": "eia", "deviceType": "eia2.medium"}],
    "ephemeralStorage": {"sizeInGiB": 30},
    "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
    "enableFaultInjection": False,
}
REQUIRED = {
    "com.amazonaws.ecs.capability.docker-remote-api.1.18", "com.amazonaws.ecs.capability.docker-remote-api.1.19",
    "com.amazonaws.ecs.capability.docker-remote-api.1.21", "com.amazonaws.ecs.capability.docker-remote-api.1.24",
    "com.amazonaws.ecs.capability.docker-remote-api.1.25", "com.amazonaws.ecs.capability.docker-remote-api.1.29",
    "com.amazonaws.ecs.capability.logging-driver.json-file", "com.amazonaws.ecs.capability.ecr-auth",
    "com.amazonaws.ecs.capability.task-iam-role", "com.amazonaws.ecs.capability.private-registry-authentication"
    ".secretsmanager", "ecs.capability.execution-role-ecr-pull", "ecs.capability.container-health-check",
    "ecs.capability.container-ordering", "ecs.capability.container-restart-policy",
    "ecs.capability.network.container-port-range", "ecs.capability.secrets.ssm.environment-variables",
    "ecs.capability.secrets.ssm.bootstrap.log-driver", "ecs.capability.env-files.s3",
    "ecs.capability.firelens.fluentbit", "ecs.capability.pid-ipc-namespace-sharing", "ecs.capability.efs",
    "ecs.capability.efsAuth",
}


def contains(got, sent, path="taskDefinition"):
    """Every member sent is in got with the same value (lists: same length, item by item)."""
    if isinstance(sent, dict):
        assert isinstance(got, dict), (path, got)
        for k, v in sent.items():
            assert k in got, f"{path}.{k} missing from {sorted(got)}"
            contains(got[k], v, f"{path}.{k}")
    elif isinstance(sent, list):
        assert isinstance(got, list) and len(got) == len(sent), (path, got, sent)
        for i, (g, s) in enumerate(zip(got, sent)):
            contains(g, s, f"{path}[{i}]")
    else:
        assert got == sent, (path, got, sent)


def c(name="a", **kw):
    return dict({"name": name, "image": "busybox", "memory": 64}, **kw)


def test_full_modern_definition_round_trips(server):
    ecs = server.client()
    family = unique("modern")
    tags = [{"key": "team", "value": "web"}]
    r = ecs.register_task_definition(family=family, tags=tags, **MODERN)
    for td in (r["taskDefinition"],
               ecs.describe_task_definition(taskDefinition=family)["taskDefinition"],
               ecs.describe_task_definition(taskDefinition=f"{TD_ARN}{family}:1", include=["TAGS"])["taskDefinition"]):
        contains(td, dict(MODERN, family=family))
        assert td["taskDefinitionArn"] == f"{TD_ARN}{family}:1" and td["revision"] == 1 and td["status"] == "ACTIVE"
        assert td["registeredBy"] == ROOT, td["registeredBy"]
        assert abs(td["registeredAt"].timestamp() - time.time()) < 60, td["registeredAt"]
        assert "deregisteredAt" not in td and "deleteRequestedAt" not in td
        assert td["compatibilities"] == ["EC2", "EXTERNAL"], td["compatibilities"]
        names = [a["name"] for a in td["requiresAttributes"]]
        assert len(names) == len(set(names)), names
        assert set(names) == REQUIRED, (set(names) ^ REQUIRED)
        # ECS's defaults on the containers
        app = td["containerDefinitions"][0]
        assert app["portMappings"][1].get("containerPort") is None
        assert td["containerDefinitions"][1]["cpu"] == 0 and td["containerDefinitions"][1]["portMappings"] == []
    assert r["tags"] == tags
    assert ecs.describe_task_definition(taskDefinition=family, include=["TAGS"])["tags"] == tags
    # deregistered: deregisteredAt, still the same members
    td = ecs.deregister_task_definition(taskDefinition=f"{family}:1")["taskDefinition"]
    assert td["status"] == "INACTIVE" and td["deregisteredAt"] >= td["registeredAt"]
    contains(td, dict(MODERN, family=family))
    # a plain definition requires nothing
    plain = ecs.register_task_definition(family=unique("plain"), containerDefinitions=[c()])["taskDefinition"]
    assert plain["requiresAttributes"] == [] and plain["registeredBy"] == ROOT


def test_newer_members_are_checked(server):
    ecs = server.client()
    family = unique("bad")
    HC = {"command": ["CMD-SHELL", "true"]}
    cases = [
        ([c(healthCheck=dict(HC, interval=301))],
         "Invalid 'healthCheck' setting for container 'a'. interval must be from 5 to 300 seconds (got 301)."),
        ([c(healthCheck=dict(HC, timeout=1))], "timeout must be from 2 to 60 seconds (got 1)."),
        ([c(healthCheck=dict(HC, retries=11))], "retries must be from 1 to 10 (got 11)."),
        ([c(healthCheck=dict(HC, startPeriod=400))], "startPeriod must be from 0 to 300 seconds (got 400)."),
        ([c(healthCheck={"command": ["sh", "-c", "true"]})], "command must start with CMD, CMD-SHELL or NONE"),
        ([c(dependsOn=[{"containerName": "nope", "condition": "START"}])],
         "Invalid 'dependsOn' setting for container 'a'. containerName 'nope' is not a container"),
        ([c(dependsOn=[{"containerName": "a", "condition": "START"}])], "A container cannot depend on itself."),
        ([c("a"), c("b", dependsOn=[{"containerName": "a", "condition": "HEALTHY"}])],
         "condition HEALTHY needs a healthCheck in container 'a'"),
        ([c("a"), c("b", dependsOn=[{"containerName": "a", "condition": "COMPLETE"}])],
         "condition COMPLETE cannot be set on an essential container"),
        ([c("a", dependsOn=[{"containerName": "b", "condition": "START"}]),
          c("b", dependsOn=[{"containerName": "a", "condition": "START"}])], "in a cycle"),
        ([c(startTimeout=-5)], "Invalid 'startTimeout' setting for container 'a'."),
        ([c(memoryReservation=128)], "memoryReservation 128 MiB must not be more than memory 64 MiB."),
        ([c(portMappings=[{"containerPortRange": "100-50"}])], "containerPortRange '100-50'"),
        ([c(portMappings=[{"containerPortRange": "100-150"}, {"containerPortRange": "120-200"}])],
         "containerPortRange 120-200 overlaps 100-150."),
        ([c(portMappings=[{"containerPort": 80, "name": "-web"}])], "name '-web' must be 1 to 64 lowercase"),
        ([c("a", portMappings=[{"containerPort": 80, "name": "web"}]),
          c("b", portMappings=[{"containerPort": 81, "name": "web"}])], "name 'web' is used by more than one"),
        ([c(ulimits=[{"name": "nofile", "softLimit": 9, "hardLimit": 1}])], "softLimit 9 is more than hardLimit 1."),
        ([c(linuxParameters={"maxSwap": -1})], "maxSwap must be from 0 to"),
        ([c(linuxParameters={"maxSwap": 10, "swappiness": 200})], "swappiness must be from 0 to 100 (got 200)."),
        ([c(linuxParameters={"tmpfs": [{"containerPath": "/t", "size": 0}]})], "tmpfs size"),
    ]
    for containers, message in cases:
        expect_error(lambda: ecs.register_task_definition(family=family, containerDefinitions=containers),
                     "ClientException", message)
    task_level = [
        (dict(networkMode="awsvpc", containerDefinitions=[c(portMappings=[{"containerPort": 80, "hostPort": 8080}])]),
         "When networkMode=awsvpc, the host ports and container ports in port mappings must match."),
        (dict(networkMode="host", containerDefinitions=[c(portMappings=[{"containerPort": 80, "hostPort": 8080}])]),
         "When networkMode=host, the host ports and container ports in port mappings must match."),
        (dict(networkMode="host", containerDefinitions=[c(portMappings=[{"containerPortRange": "80-90"}])]),
         "containerPortRange needs networkMode bridge or awsvpc (the task has host)."),
        (dict(networkMode="awsvpc", containerDefinitions=[c("a"), c("b", links=["a"])]),
         "Links are not supported when networkMode=awsvpc."),
        (dict(ephemeralStorage={"sizeInGiB": 201}, containerDefinitions=[c()]),
         "Invalid 'ephemeralStorage' setting. sizeInGiB must be from 21 to 200 GiB."),
        (dict(volumes=[{"name": "v", "host": {"sourcePath": "/x"},
                        "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}], containerDefinitions=[c()]),
         "Invalid 'volumes' setting for volume 'v'. Only one of host and efsVolumeConfiguration can be given."),
        (dict(volumes=[{"name": "v", "dockerVolumeConfiguration": {"autoprovision": True}}],
              containerDefinitions=[c()]),
         "autoprovision can only be true when scope is shared."),
        (dict(volumes=[{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-1",
                                                                  "authorizationConfig": {"iam": "ENABLED"}}}],
              containerDefinitions=[c()]),
         "authorizationConfig (iam or accessPointId) needs transitEncryption ENABLED."),
        (dict(volumes=[{"name": "v", "host": {}}],
              containerDefinitions=[c(mountPoints=[{"sourceVolume": "w", "containerPath": "/w"}])]),
         "Unknown volume 'w' referenced by container 'a'."),
        (dict(containerDefinitions=[c(volumesFrom=[{"sourceContainer": "ghost"}])]),
         "sourceContainer 'ghost' is not another container of this task definition."),
    ]
    for kw, message in task_level:
        expect_error(lambda: ecs.register_task_definition(family=family, **kw), "ClientException", message)
    # an unknown ulimit name or condition is the model's enum: InvalidParameterException
    expect_error(lambda: ecs.register_task_definition(family=family, containerDefinitions=[
        c(ulimits=[{"name": "files", "softLimit": 1, "hardLimit": 1}])]), "InvalidParameterException", "ulimits")
    # nothing was registered by the refused calls
    assert ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"] == []


def test_delete_task_definitions(server):
    ecs = server.client()
    family = unique("del")
    for _ in range(3):
        ecs.register_task_definition(family=family, containerDefinitions=[c()])
    ecs.deregister_task_definition(taskDefinition=f"{family}:1")
    ecs.deregister_task_definition(taskDefinition=f"{family}:2")
    r = ecs.delete_task_definitions(taskDefinitions=[f"{family}:1", f"{TD_ARN}{family}:2", f"{family}:3",
                                                     f"{family}:9", family, "no such thing"])
    assert [t["taskDefinitionArn"] for t in r["taskDefinitions"]] == [f"{TD_ARN}{family}:1", f"{TD_ARN}{family}:2"]
    for t in r["taskDefinitions"]:
        assert t["status"] == "DELETE_IN_PROGRESS" and t["deleteRequestedAt"] >= t["deregisteredAt"], t
    assert r["failures"] == [
        {"arn": f"{family}:3", "reason": "The specified task definition is still in ACTIVE status. "
                                         "Please deregister the target and try again."},
        {"arn": f"{family}:9", "reason": "The specified task definition does not exist. "
                                         "Specify a valid account, family, revision and try again."},
        {"arn": family, "reason": "The specified task definition identifier is invalid. "
                                  "Specify a valid name or ARN and try again."},
        {"arn": "no such thing", "reason": "The specified task definition identifier is invalid. "
                                           "Specify a valid name or ARN and try again."},
    ], r["failures"]
    # still describable and listable with that status; no longer listed as INACTIVE; no new tasks
    assert ecs.describe_task_definition(taskDefinition=f"{family}:1")["taskDefinition"]["status"] == \
        "DELETE_IN_PROGRESS"
    assert ecs.list_task_definitions(familyPrefix=family, status="DELETE_IN_PROGRESS")["taskDefinitionArns"] == [
        f"{TD_ARN}{family}:1", f"{TD_ARN}{family}:2"]
    assert ecs.list_task_definitions(familyPrefix=family, status="INACTIVE")["taskDefinitionArns"] == []
    cluster = unique("delc")
    ecs.create_cluster(clusterName=cluster)
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=f"{family}:1"), "InvalidParameterException",
                 "TaskDefinition is inactive")
    # asked again: the same answer, deleteRequestedAt kept
    again = ecs.delete_task_definitions(taskDefinitions=[f"{family}:1"])
    assert again["failures"] == [] and again["taskDefinitions"][0]["deleteRequestedAt"] == \
        r["taskDefinitions"][0]["deleteRequestedAt"]
    # the request's own limits: InvalidParameterException, nothing changed
    expect_error(lambda: ecs.delete_task_definitions(taskDefinitions=[f"{family}:{i}" for i in range(1, 12)]),
                 "InvalidParameterException", "at most 10")
    expect_error(lambda: ecs.delete_task_definitions(taskDefinitions=[]), "InvalidParameterException",
                 "taskDefinitions can not be empty.")
    assert ecs.describe_task_definition(taskDefinition=f"{family}:3")["taskDefinition"]["status"] == "ACTIVE"


def test_deleted_revisions_go_once_unused(server):
    """The janitor (every 60 s) removes a DELETE_IN_PROGRESS revision that no
    task and no service uses; one a task still runs stays; a family with no
    revision left is no longer listed, and its revisions are never reused."""
    ecs = server.client()
    cluster = unique("gone")
    ecs.create_cluster(clusterName=cluster)
    agent = FakeAgent(server, cluster).register()
    agent.poll(index=0)
    used, unused = unique("used"), unique("unused")
    ecs.register_task_definition(family=used, containerDefinitions=[c()])
    ecs.register_task_definition(family=unused, containerDefinitions=[c()])
    r = ecs.run_task(cluster=cluster, taskDefinition=f"{used}:1")
    assert not r["failures"], r
    for f in (used, unused):
        ecs.deregister_task_definition(taskDefinition=f"{f}:1")
        assert not ecs.delete_task_definitions(taskDefinitions=[f"{f}:1"])["failures"]
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            ecs.describe_task_definition(taskDefinition=f"{unused}:1")
        except ecs.exceptions.ClientException as e:
            assert "Unable to describe task definition." in str(e)
            break
        time.sleep(1)
    else:
        raise AssertionError("the unused DELETE_IN_PROGRESS revision was not removed within 90 s")
    assert ecs.list_task_definitions(familyPrefix=unused, status="DELETE_IN_PROGRESS")["taskDefinitionArns"] == []
    families = ecs.list_task_definition_families(familyPrefix=unused, status="ALL")["families"]
    assert families == [], families
    assert ecs.list_task_definition_families(familyPrefix=unused, status="INACTIVE")["families"] == []
    # the one a task runs is still there, and its family listed
    assert ecs.describe_task_definition(taskDefinition=f"{used}:1")["taskDefinition"]["status"] == \
        "DELETE_IN_PROGRESS"
    assert ecs.list_task_definition_families(familyPrefix=used, status="INACTIVE")["families"] == [used]
    # the name is kept: the next revision is 2
    assert ecs.register_task_definition(family=unused, containerDefinitions=[c()])["taskDefinition"]["revision"] == 2
    assert ecs.list_task_definition_families(familyPrefix=unused)["families"] == [unused]


def test_cli_delete_task_definitions(server):
    """The aws CLI's delete-task-definitions: the INACTIVE revision is deleted,
    the ACTIVE one is a failure of the answer; describe-task-definition shows
    the status afterwards."""
    ecs = server.client()
    family = unique("clidel")
    for _ in range(2):
        ecs.register_task_definition(family=family, containerDefinitions=[c()])
    server.cli("deregister-task-definition", "--task-definition", f"{family}:1")
    out = server.cli("delete-task-definitions", "--task-definitions", f"{family}:1", f"{family}:2")
    assert [t["taskDefinitionArn"] for t in out["taskDefinitions"]] == [f"{TD_ARN}{family}:1"], out
    assert out["taskDefinitions"][0]["status"] == "DELETE_IN_PROGRESS", out
    assert [f["arn"] for f in out["failures"]] == [f"{family}:2"], out
    got = server.cli("describe-task-definition", "--task-definition", f"{family}:1")
    assert got["taskDefinition"]["status"] == "DELETE_IN_PROGRESS", got
