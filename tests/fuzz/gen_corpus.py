#!/usr/bin/env python3
"""Writes the seed corpus of the libFuzzer targets (tests/fuzz/corpus/<target>/).

  validate/  one request body per served operation, serialised
             by botocore's own JSON serializer from parameters botocore's
             validator accepts, plus a few that only pass the type check.
  dispatch/  the same bodies as single requests (target, content type, body)
             and a few sequences that build state and use it (cluster, task
             definition, container instance, task, state reports), in
             fuzz_dispatch.c's input format; plus faults of the envelope.
  sigv4/     requests signed by botocore, taken from the SigV4 known-answer
             vectors (tests/unit/data/sigv4_vectors.json) signed at the clock
             fuzz_sigv4.c uses, in its text form.

File names are stable (derived from the content's purpose), so re-running
rewrites the same files. Reproducers of fixed bugs are kept in the corpus as
files named repro-*; this script does not touch them.

Usage: tests/fuzz/gen_corpus.py   (from the repo root)
"""
import base64
import json
import os
import sys

import botocore.session
from botocore import serialize, validate

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")
JSON11 = "application/x-amz-json-1.1"
FUZZ_NOW = 1795974462  # fuzz_sigv4.c's clock
REGION, ACCOUNT = "us-east-1", "100000000000"

CDEF = {"name": "web", "image": "nginx:1.27", "cpu": 128, "memory": 256, "essential": True,
        "portMappings": [{"containerPort": 80, "hostPort": 8080, "protocol": "tcp"}],
        "environment": [{"name": "MODE", "value": "prod"}],
        "mountPoints": [{"sourceVolume": "data", "containerPath": "/data", "readOnly": False}],
        "command": ["nginx", "-g", "daemon off;"]}
SIDECAR = {"name": "side", "image": "busybox", "memory": 64, "essential": False,
           "links": ["web"], "volumesFrom": [{"sourceContainer": "web", "readOnly": True}],
           "entryPoint": ["sh", "-c"], "privileged": False}
# Members ecsd does not implement (refused unless they carry ECS's default).
NEWER = dict(CDEF, name="newer", dockerLabels={"team": "web"}, workingDirectory="/", user="nobody",
             ulimits=[{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}],
             logConfiguration={"logDriver": "json-file", "options": {"max-size": "10m"}})
# Today's members of a task definition, every kind the checks look at.
MODERN_APP = dict(CDEF, name="app", memoryReservation=128, image=f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/app:1",
                  portMappings=[{"containerPort": 80, "name": "http", "appProtocol": "http"},
                                {"containerPortRange": "9000-9010", "protocol": "udp"}],
                  healthCheck={"command": ["CMD-SHELL", "true"], "interval": 10, "timeout": 3, "retries": 2,
                               "startPeriod": 5},
                  dependsOn=[{"containerName": "side", "condition": "START"}], startTimeout=30, stopTimeout=10,
                  linuxParameters={"initProcessEnabled": True, "maxSwap": 64, "swappiness": 10,
                                   "tmpfs": [{"containerPath": "/run", "size": 8}]},
                  restartPolicy={"enabled": True, "restartAttemptPeriod": 60},
                  secrets=[{"name": "P", "valueFrom": "/p"}], dockerSecurityOptions=["label:type:x"],
                  logConfiguration={"logDriver": "json-file", "options": {"mode": "non-blocking"}})
MODERN_SIDE = dict(SIDECAR, links=[], volumesFrom=[], healthCheck={"command": ["NONE"]})
MODERN_TD = {"family": "modern", "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/r", "pidMode": "host",
             "ipcMode": "none", "cpu": "1 vCPU", "memory": "1GB", "ephemeralStorage": {"sizeInGiB": 30},
             "containerDefinitions": [MODERN_APP, MODERN_SIDE],
             "volumes": [{"name": "data", "dockerVolumeConfiguration": {"scope": "shared", "autoprovision": True,
                                                                        "driver": "rexray"}},
                         {"name": "efs", "efsVolumeConfiguration": {"fileSystemId": "fs-1",
                                                                    "transitEncryption": "ENABLED",
                                                                    "authorizationConfig": {"iam": "ENABLED"}}}]}
RESOURCES = [{"name": "CPU", "type": "INTEGER", "integerValue": 2048},
             {"name": "MEMORY", "type": "INTEGER", "integerValue": 4096},
             {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ["22", "2375", "2376", "51678"]},
             {"name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": []}]
VERSION = {"agentVersion": "1.5.0", "agentHash": "fakeagt", "dockerVersion": "DockerVersion: 1.7.1"}

# One request per operation: what an SDK user (or the agent) sends.
REQUESTS = [
    ("CreateCluster", {"clusterName": "fz"}),
    ("ListClusters", {"maxResults": 5}),
    ("DescribeClusters", {"clusters": ["fz", "missing", f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/fz"]}),
    ("DeleteCluster", {"cluster": "fz"}),
    ("RegisterTaskDefinition", {"family": "fz", "containerDefinitions": [CDEF, SIDECAR],
                                "volumes": [{"name": "data", "host": {"sourcePath": "/srv/data"}}]}),
    ("DeregisterTaskDefinition", {"taskDefinition": "fz:1"}),
    ("DescribeTaskDefinition", {"taskDefinition": "fz"}),
    ("ListTaskDefinitions", {"familyPrefix": "fz", "status": "ACTIVE", "sort": "DESC", "maxResults": 2}),
    ("ListTaskDefinitionFamilies", {"familyPrefix": "f", "maxResults": 10}),
    ("DeleteTaskDefinitions", {"taskDefinitions": ["fz:1", f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/fz:2",
                                                   "fz", "nope:7"]}),
    ("RegisterContainerInstance", {"cluster": "fz", "totalResources": RESOURCES, "versionInfo": VERSION,
                                   "instanceIdentityDocument": json.dumps({"instanceId": "i-0123456789abcdef0",
                                                                           "region": REGION})}),
    ("DeregisterContainerInstance", {"cluster": "fz", "containerInstance": "$instance", "force": True}),
    ("DescribeContainerInstances", {"cluster": "fz", "containerInstances": ["$instance"]}),
    ("ListContainerInstances", {"cluster": "fz", "maxResults": 10}),
    ("RunTask", {"cluster": "fz", "taskDefinition": "fz:1", "count": 2, "startedBy": "fuzz",
                 "overrides": {"containerOverrides": [{"name": "web", "command": ["true"],
                                                       "environment": [{"name": "A", "value": "b"}]}]}}),
    ("StartTask", {"cluster": "fz", "taskDefinition": "fz", "containerInstances": ["$instance"],
                   "startedBy": "fuzz"}),
    ("StopTask", {"cluster": "fz", "task": "$task", "reason": "fuzzing"}),
    ("DescribeTasks", {"cluster": "fz", "tasks": ["$task"]}),
    ("ListTasks", {"cluster": "fz", "containerInstance": "$instance", "family": "fz",
                   "desiredStatus": "RUNNING", "maxResults": 10}),
    ("CreateService", {"cluster": "fz", "serviceName": "svc", "taskDefinition": "fz:1", "desiredCount": 2}),
    ("UpdateService", {"cluster": "fz", "service": "svc", "desiredCount": 1, "taskDefinition": "fz"}),
    ("DeleteService", {"cluster": "fz", "service": "svc"}),
    ("DescribeServices", {"cluster": "fz", "services": ["svc"]}),
    ("ListServices", {"cluster": "fz", "maxResults": 10}),
    ("DiscoverPollEndpoint", {"cluster": "fz", "containerInstance": "$instance"}),
    ("SubmitContainerStateChange", {"cluster": "fz", "task": "$task", "containerName": "web",
                                    "status": "RUNNING", "exitCode": 0, "reason": "started",
                                    "networkBindings": [{"bindIP": "0.0.0.0", "containerPort": 80,
                                                         "hostPort": 8080, "protocol": "tcp"}]}),
    ("SubmitTaskStateChange", {"cluster": "fz", "task": "$task", "status": "RUNNING", "reason": "ok"}),
    ("PutAccountSetting", {"name": "taskLongArnFormat", "value": "disabled",
                           "principalArn": f"arn:aws:iam::{ACCOUNT}:user/fz"}),
    ("PutAccountSettingDefault", {"name": "serviceLongArnFormat", "value": "disabled"}),
    ("DeleteAccountSetting", {"name": "taskLongArnFormat", "principalArn": f"arn:aws:iam::{ACCOUNT}:root"}),
    ("ListAccountSettings", {"effectiveSettings": True, "maxResults": 3, "name": "containerInsights",
                             "value": "enabled"}),
]

# Requests that pass the type check but not the handlers' rules.
ODD = [
    ("RegisterTaskDefinition", {"family": "bad name!", "containerDefinitions": [
        {"name": "a", "image": "b", "memory": 0, "cpu": -1, "portMappings": [{"containerPort": 70000}],
         "links": ["nope"], "volumesFrom": [{"sourceContainer": "nope"}]}]}),
    ("RunTask", {"cluster": "fz", "taskDefinition": "fz:999", "count": 11}),
    ("ListTasks", {"cluster": "fz", "nextToken": "bm90IGEgdG9rZW4=", "maxResults": 101}),
    ("DescribeClusters", {"clusters": ["c%d" % i for i in range(101)]}),
    ("RegisterTaskDefinition", {"family": "newer", "containerDefinitions": [NEWER], "networkMode": "bridge",
                                "requiresCompatibilities": ["EC2"], "tags": []}),
    ("PutAccountSetting", {"name": "fargateTaskRetirementWaitPeriod", "value": "3",
                           "principalArn": "arn:aws:iam::999999999999:role/x"}),
    ("ListContainerInstances", {"cluster": "fz", "status": "DRAINING", "filter": "attribute:ecs.os-type == linux"}),
    # today's members, each broken one way (taskdef_check.c)
    ("RegisterTaskDefinition", dict(MODERN_TD, containerDefinitions=[
        dict(MODERN_APP, healthCheck={"command": ["curl"], "interval": 1, "timeout": 999, "retries": 0}),
        dict(MODERN_SIDE, dependsOn=[{"containerName": "app", "condition": "HEALTHY"}])])),
    ("RegisterTaskDefinition", dict(MODERN_TD, networkMode="awsvpc", containerDefinitions=[
        dict(MODERN_APP, portMappings=[{"containerPortRange": "10-5"}, {"containerPort": 80, "hostPort": 81,
                                                                         "name": "-x"}],
             ulimits=[{"name": "nofile", "softLimit": 9, "hardLimit": 1}], links=["side"]), MODERN_SIDE])),
    ("RegisterTaskDefinition", dict(MODERN_TD, ephemeralStorage={"sizeInGiB": 500}, volumes=[
        {"name": "v", "host": {}, "dockerVolumeConfiguration": {"autoprovision": True}}])),
    ("DeleteTaskDefinitions", {"taskDefinitions": ["a:%d" % i for i in range(11)]}),
]


def botocore_body(model, op, params):
    """The body botocore sends for op(**params), after botocore's own validation.
    Placeholders ($task, $instance) are plain strings to it."""
    om = model.operation_model(op)
    report = validate.ParamValidator().validate(params, om.input_shape)
    if report.has_errors():
        raise SystemExit(f"{op}: botocore refuses the seed: {report.generate_report()}")
    body = serialize.create_serializer("json").serialize_to_request(params, om)["body"]
    return body if isinstance(body, bytes) else body.encode()


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def dispatch_input(steps):
    """fuzz_dispatch.c's format: target line, content type line, body; '--' between."""
    parts = []
    for target, body, *ct in steps:
        parts.append(target.encode() + b"\n" + (ct[0] if ct else JSON11).encode() + b"\n" + body)
    return b"\n--\n".join(parts)


def main():
    model = botocore.session.get_session().get_service_model("ecs")
    bodies = {}
    for op, params in REQUESTS:
        bodies[op] = botocore_body(model, op, params)
        write("validate", f"op-{op}.json", bodies[op])
        write("dispatch", f"op-{op}", dispatch_input([(op, bodies[op])]))
    for i, (op, params) in enumerate(ODD):
        body = botocore_body(model, op, params)
        write("validate", f"odd-{i}-{op}.json", body)
        write("dispatch", f"odd-{i}-{op}", dispatch_input([("CreateCluster", bodies["CreateCluster"]),
                                                          (op, body)]))
    # Type faults and deep values for the validator.
    write("validate", "type-faults.json", json.dumps(
        {"family": 5, "containerDefinitions": [{"name": ["x"], "memory": "64", "essential": "yes",
                                                "dockerLabels": {"k": 1}, "ulimits": {}}],
         "maxResults": 4294967296, "clusters": "c", "include": ["STATISTICS"], "launchType": "FARGATE",
         "tags": [{"key": "k"}]}).encode())
    write("validate", "not-an-object.json", b'[{"clusterName": "a"}, 1, 2.5, null, true, "s"]')

    # Sequences: state built, then used.
    td = bodies["RegisterTaskDefinition"]
    life = [("CreateCluster", bodies["CreateCluster"]), ("RegisterTaskDefinition", td),
            ("RegisterContainerInstance", bodies["RegisterContainerInstance"]),
            ("RunTask", bodies["RunTask"]), ("SubmitContainerStateChange", bodies["SubmitContainerStateChange"]),
            ("SubmitTaskStateChange", bodies["SubmitTaskStateChange"]), ("DescribeTasks", bodies["DescribeTasks"]),
            ("ListTasks", bodies["ListTasks"]), ("StopTask", bodies["StopTask"]),
            ("DescribeContainerInstances", bodies["DescribeContainerInstances"]),
            ("DeregisterContainerInstance", bodies["DeregisterContainerInstance"]),
            ("DeleteCluster", bodies["DeleteCluster"])]
    write("dispatch", "seq-task-life", dispatch_input(life))
    write("dispatch", "seq-start-task", dispatch_input(
        [("CreateCluster", bodies["CreateCluster"]), ("RegisterTaskDefinition", td),
         ("RegisterContainerInstance", bodies["RegisterContainerInstance"]),
         ("DiscoverPollEndpoint", bodies["DiscoverPollEndpoint"]), ("StartTask", bodies["StartTask"]),
         ("ListContainerInstances", bodies["ListContainerInstances"]), ("ListTasks", b"{}")]))
    write("dispatch", "seq-arn-formats", dispatch_input(
        [("CreateCluster", bodies["CreateCluster"]), ("RegisterTaskDefinition", td),
         ("PutAccountSettingDefault", b'{"name": "containerInstanceLongArnFormat", "value": "disabled"}'),
         ("RegisterContainerInstance", bodies["RegisterContainerInstance"]),
         ("PutAccountSetting", b'{"name": "taskLongArnFormat", "value": "disabled"}'),
         ("RunTask", bodies["RunTask"]), ("ListTasks", b'{"cluster": "fz", "launchType": "EC2"}'),
         ("DescribeTasks", bodies["DescribeTasks"]), ("ListAccountSettings", b'{"effectiveSettings": true}')]))
    write("dispatch", "seq-taskdefs", dispatch_input(
        [("RegisterTaskDefinition", td), ("RegisterTaskDefinition", td),
         ("ListTaskDefinitions", bodies["ListTaskDefinitions"]),
         ("ListTaskDefinitionFamilies", bodies["ListTaskDefinitionFamilies"]),
         ("DeregisterTaskDefinition", bodies["DeregisterTaskDefinition"]),
         ("DescribeTaskDefinition", bodies["DescribeTaskDefinition"]),
         ("ListTaskDefinitions", b'{"status": "INACTIVE"}')]))
    modern = botocore_body(model, "RegisterTaskDefinition", MODERN_TD)
    write("validate", "modern-RegisterTaskDefinition.json", modern)
    write("dispatch", "seq-taskdef-modern-delete", dispatch_input(
        [("RegisterTaskDefinition", modern), ("RegisterTaskDefinition", modern),
         ("DescribeTaskDefinition", b'{"taskDefinition": "modern:1", "include": ["TAGS"]}'),
         ("DeleteTaskDefinitions", b'{"taskDefinitions": ["modern:1"]}'),
         ("DeregisterTaskDefinition", b'{"taskDefinition": "modern:1"}'),
         ("DeleteTaskDefinitions", b'{"taskDefinitions": ["modern:1", "modern:1", "modern", "modern:3"]}'),
         ("DescribeTaskDefinition", b'{"taskDefinition": "modern:1"}'),
         ("ListTaskDefinitions", b'{"familyPrefix": "modern", "status": "DELETE_IN_PROGRESS"}'),
         ("ListTaskDefinitionFamilies", b'{"status": "ALL"}'),
         ("RunTask", b'{"cluster": "fz", "taskDefinition": "modern:1"}'),
         ("DeleteTaskDefinitions", b'{"taskDefinitions": []}')]))
    write("dispatch", "seq-services", dispatch_input(
        [("CreateCluster", bodies["CreateCluster"]), ("RegisterTaskDefinition", td),
         ("CreateService", bodies["CreateService"]), ("DescribeServices", bodies["DescribeServices"]),
         ("UpdateService", bodies["UpdateService"]), ("ListServices", bodies["ListServices"]),
         ("UpdateService", b'{"cluster": "fz", "service": "svc", "desiredCount": 0}'),
         ("DeleteService", bodies["DeleteService"]), ("DescribeServices", bodies["DescribeServices"])]))
    write("dispatch", "seq-clusters-pages", dispatch_input(
        [("CreateCluster", b'{"clusterName": "a"}'), ("CreateCluster", b'{"clusterName": "b"}'),
         ("CreateCluster", b"{}"), ("ListClusters", b'{"maxResults": 1}'),
         ("DescribeClusters", bodies["DescribeClusters"]), ("DeleteCluster", b'{"cluster": "a"}')]))
    # Attributes on an instance, placement against requiresAttributes and
    # awsvpc, health in the agent's reports (ecsd's own members).
    attrs = json.dumps({"cluster": "fz", "totalResources": RESOURCES, "versionInfo": VERSION, "attributes": [
        {"name": "ecs.os-type", "value": "linux"}, {"name": "ecs.capability.container-health-check"},
        {"name": "stack", "value": "prod a@b:c", "targetType": "container-instance"}]}).encode()
    write("dispatch", "seq-attributes-health", dispatch_input(
        [("CreateCluster", bodies["CreateCluster"]), ("RegisterTaskDefinition", td),
         ("RegisterContainerInstance", attrs), ("RunTask", b'{"cluster": "fz", "taskDefinition": "fz"}'),
         ("SubmitContainerStateChange", b'{"cluster": "fz", "task": "$task", "containerName": "web", '
                                        b'"status": "RUNNING", "healthStatus": "HEALTHY", "taskHealthStatus": "HEALTHY"}'),
         ("SubmitContainerStateChange", b'{"cluster": "fz", "task": "$task", "containerName": "web", '
                                        b'"status": "RUNNING", "healthStatus": "BAD", "taskHealthStatus": 7}'),
         ("DescribeTasks", b'{"cluster": "fz", "tasks": ["$task"]}'),
         ("RegisterContainerInstance", b'{"cluster": "fz", "totalResources": [], "attributes": '
                                       b'[{"name": "bad name"}, {"name": "x", "value": " y"}]}'),
         ("RegisterTaskDefinition", b'{"family": "vpc", "networkMode": "awsvpc", "containerDefinitions": '
                                    b'[{"name": "a", "image": "i", "memory": 8}]}'),
         ("RunTask", b'{"cluster": "fz", "taskDefinition": "vpc"}'),
         ("DescribeContainerInstances", bodies["DescribeContainerInstances"])]))
    # The envelope: no target, another service's, no content type, JSON 1.0, odd bodies.
    write("dispatch", "envelope", dispatch_input(
        [("-", b"{}"), ("DynamoDB_20120810.ListTables", b"{}"), ("ListClusters", b"{}", "-"),
         ("ListClusters", b"{}", "application/x-amz-json-1.0"), ("ListClusters", b"", "application/json"),
         ("ListClusters", b"[]"), ("ListClusters", b'{"a": [[[[{}]]]]}'), ("CreateCluster", b'{"clusterName": 1}'),
         ("CreateCluster", b'{"clusterName": "\\ud800"}'), ("CreateCluster", b'{"clusterName": "a\\u0000"}'),
         ("ListClusters", b'{"maxResults": 1e400}')]))

    # SigV4: botocore-signed vectors at the fuzzer's clock, as text requests.
    with open(os.path.join(REPO, "tests/unit/data/sigv4_vectors.json")) as f:
        vectors = json.load(f)
    n = 0
    for v in vectors:
        if v["now"] != FUZZ_NOW or v["region"] != "us-west-2" or v["service"] != "ecs":
            continue
        target = v["path"] + ("?" + v["query"] if v["query"] is not None else "")
        text = (v["method"] + " " + target + "\n").encode()
        for name, value in v["headers"]:
            text += name.encode() + b": " + value.encode() + b"\n"
        text += b"\n" + base64.b64decode(v["body"])
        write("sigv4", f"{v['name']}.req", text)
        n += 1
    # Parameter Store and Secrets Manager on the same dispatch path
    J = lambda o: json.dumps(o).encode()
    write("dispatch", "seq-ssm-parameters", dispatch_input([
        ("AmazonSSM.PutParameter", J({"Name": "/a/b", "Value": "v", "Type": "SecureString"})),
        ("AmazonSSM.PutParameter", J({"Name": "/a/b", "Value": "w", "Overwrite": True})),
        ("AmazonSSM.PutParameter", J({"Name": "/a/c/d", "Value": "1,2", "Type": "StringList",
                                      "AllowedPattern": "^[0-9,]+$"})),
        ("AmazonSSM.GetParameter", J({"Name": "/a/b:1", "WithDecryption": True})),
        ("AmazonSSM.GetParameters", J({"Names": ["/a/b", "arn:aws:ssm:us-east-1:100000000000:parameter/a/b", "/x"]})),
        ("AmazonSSM.GetParametersByPath", J({"Path": "/a", "Recursive": True, "MaxResults": 1})),
        ("AmazonSSM.DescribeParameters", J({"ParameterFilters": [{"Key": "Path", "Option": "Recursive",
                                                                  "Values": ["/a"]}]})),
        ("AmazonSSM.DeleteParameters", J({"Names": ["/a/b", "/q"]}))]))
    write("dispatch", "seq-secretsmanager", dispatch_input([
        ("secretsmanager.CreateSecret", J({"Name": "db", "SecretString": '{"k":"v"}', "Tags": [{"Key": "a", "Value": "b"}]})),
        ("secretsmanager.PutSecretValue", J({"SecretId": "db", "SecretString": "two",
                                             "VersionStages": ["AWSCURRENT", "X"]})),
        ("secretsmanager.GetSecretValue", J({"SecretId": "db", "VersionStage": "AWSPREVIOUS"})),
        ("secretsmanager.UpdateSecret", J({"SecretId": "db", "Description": "d", "SecretBinary": "AAEC"})),
        ("secretsmanager.DescribeSecret", J({"SecretId": "arn:aws:secretsmanager:us-east-1:100000000000:secret:db"})),
        ("secretsmanager.ListSecrets", J({"Filters": [{"Key": "all", "Values": ["!x"]}], "SortOrder": "desc",
                                          "MaxResults": 1})),
        ("secretsmanager.DeleteSecret", J({"SecretId": "db", "RecoveryWindowInDays": 7})),
        ("secretsmanager.RestoreSecret", J({"SecretId": "db"})),
        ("secretsmanager.DeleteSecret", J({"SecretId": "db", "ForceDeleteWithoutRecovery": True}))]))
    # environment files (fuzz_envfile)
    write("envfile", "basic.env", b"# comment\nA=1\nB= spaced \"quoted\" \n\nC=x=y\r\nnoequals\n=empty\nA=dup\n")
    write("envfile", "repro-invalid-line-then-its-name.env", b"B=\xff\nB=ok\n")
    write("envfile", "odd.env", b"\xff\xfe=bad utf8\nK=\x00nul\n#only\n\r\n=\n==\nLAST=no newline")
    print(f"corpus: validate {len(os.listdir(os.path.join(CORPUS, 'validate')))}, "
          f"dispatch {len(os.listdir(os.path.join(CORPUS, 'dispatch')))}, sigv4 {n} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
