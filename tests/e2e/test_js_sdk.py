"""The AWS SDK for JavaScript v3 (npm @aws-sdk/client-ecs) against a real ecsd
(issue 10, Tests): a cluster, a task definition with today's fields
(requiresCompatibilities, task cpu/memory, json-file logConfiguration,
healthCheck, tags) registered, described back as it was sent, listed.

The SDK is installed by scripts/setup.sh into tmp/js-sdk (ignored by git); when
it is missing this test installs it there. It is skipped, saying so, only when
npm cannot reach its registry."""
import json
import os
import shutil
import subprocess

import harness
from harness import ACCOUNT, KEY_ID, REGION, SECRET

SDK_DIR = os.environ.get("ECSD_JS_SDK", os.path.join(harness.REPO, "tmp", "js-sdk"))
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js", "ecs_round_trip.cjs")
NETWORK_ERRORS = ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENETUNREACH",
                  "network request", "getaddrinfo", "proxy")


def sdk_ready():
    """True when the SDK is installed; installs it if npm can. Raises
    AssertionError on an install failure that is not the registry being away;
    returns False (skip) when it is."""
    if os.path.exists(os.path.join(SDK_DIR, "node_modules", "@aws-sdk", "client-ecs", "package.json")):
        return True
    assert shutil.which("node") and shutil.which("npm"), \
        "node and npm are needed (scripts/setup.sh installs them from Debian)"
    os.makedirs(SDK_DIR, exist_ok=True)
    pkg = os.path.join(SDK_DIR, "package.json")
    if not os.path.exists(pkg):
        with open(pkg, "w") as f:
            f.write('{"name": "ecsd-js-sdk-test", "private": true}\n')
    p = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "@aws-sdk/client-ecs"], cwd=SDK_DIR,
                       capture_output=True, text=True, timeout=600)
    if p.returncode == 0:
        return True
    out = p.stdout + p.stderr
    if any(e in out for e in NETWORK_ERRORS):
        print("SKIP test_js_sdk: npm cannot reach its registry to install @aws-sdk/client-ecs:\n" + out[-1500:],
              flush=True)
        return False
    raise AssertionError("npm install @aws-sdk/client-ecs failed:\n" + out[-4000:])


def run_script(server, name):
    env = dict(os.environ, ECSD_JS_SDK=SDK_DIR, ECSD_ENDPOINT=server.endpoint, ECSD_KEY=KEY_ID,
               ECSD_SECRET=SECRET, ECSD_REGION=REGION, ECSD_NAME=name)
    for k in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(k, None)
    p = subprocess.run(["node", SCRIPT], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, f"node {SCRIPT} failed ({p.returncode}):\n{p.stderr[-4000:]}"
    return json.loads(p.stdout)


def test_modern_task_definition_round_trip(server):
    if not sdk_ready():
        return
    name = harness.unique("js")
    r = run_script(server, name)
    sent = r["sent"]
    arn_cluster = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{name}"
    assert r["createCluster"]["cluster"]["clusterArn"] == arn_cluster, r["createCluster"]
    assert r["createCluster"]["cluster"]["status"] == "ACTIVE"

    td_arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{name}:1"
    for key in ("register", "describe", "describeNoTags"):
        td = r[key]["taskDefinition"]
        assert td["taskDefinitionArn"] == td_arn and td["revision"] == 1 and td["status"] == "ACTIVE", (key, td)
        # what was sent comes back (ECS's defaults may be added)
        for member in ("family", "requiresCompatibilities", "networkMode", "cpu", "memory"):
            assert td.get(member) == sent[member], (key, member, td.get(member), sent[member])
        c, want = td["containerDefinitions"][0], sent["containerDefinitions"][0]
        for member in ("name", "image", "essential", "command", "environment", "logConfiguration", "healthCheck"):
            assert c.get(member) == want[member], (key, member, c.get(member), want[member])
        assert c["portMappings"][0]["containerPort"] == 8080 and c["portMappings"][0]["protocol"] == "tcp", c
        assert "EC2" in td.get("compatibilities", []), (key, td.get("compatibilities"))
        assert td.get("registeredAt"), td
    # tags come back with include=["TAGS"] only, as on ECS
    assert sorted(map(json.dumps, r["describe"].get("tags", []))) == sorted(map(json.dumps, sent["tags"])), r
    assert not r["describeNoTags"].get("tags"), r["describeNoTags"]
    assert r["list"]["taskDefinitionArns"] == [td_arn], r["list"]
    assert arn_cluster in r["listClusters"]["clusterArns"], r["listClusters"]
    assert r["describeClusters"]["clusters"][0]["clusterName"] == name and r["describeClusters"]["failures"] == []
    # errors reach the SDK by name, as ECS's do
    err = r["error"]
    assert err and err["name"] == "ClientException" and err["status"] == 400, err
    assert "Unable to describe task definition." in err["message"], err
    # DeleteTaskDefinitions: the INACTIVE revision goes DELETE_IN_PROGRESS, the ACTIVE one fails
    deleted = r["deleteTd"]
    assert [t["taskDefinitionArn"] for t in deleted["taskDefinitions"]] == [f"{td_arn[:-2]}-del:1"], deleted
    assert deleted["taskDefinitions"][0]["status"] == "DELETE_IN_PROGRESS", deleted
    assert deleted["failures"] == [{"arn": f"{name}-del:2", "reason": "The specified task definition is still in "
                                    "ACTIVE status. Please deregister the target and try again."}], deleted
    assert r["describeDeleted"]["taskDefinition"]["status"] == "DELETE_IN_PROGRESS", r["describeDeleted"]


def test_the_same_definition_through_boto3_matches(server):
    """What the JS SDK registered reads back the same through boto3 (one model,
    two clients)."""
    if not sdk_ready():
        return
    name = harness.unique("js2")
    r = run_script(server, name)
    b = server.client().describe_task_definition(taskDefinition=name, include=["TAGS"])
    js = r["describe"]["taskDefinition"]
    bt = b["taskDefinition"]
    assert bt["containerDefinitions"] == js["containerDefinitions"], (bt["containerDefinitions"],
                                                                       js["containerDefinitions"])
    for member in ("family", "revision", "cpu", "memory", "requiresCompatibilities", "networkMode"):
        assert bt.get(member) == js.get(member), member
    assert sorted(t["key"] for t in b.get("tags", [])) == ["env", "team"], b.get("tags")
