"""Account settings (issue 10, point 6): PutAccountSetting,
PutAccountSettingDefault, DeleteAccountSetting, ListAccountSettings with
ECS's names, values, defaults, principals, effectiveSettings and paging,
and their effect: the ARN format of resources created afterwards. Each
test has a server of its own: settings are account-wide."""
import re

from fake_agent import FakeAgent, unique
from harness import ACCOUNT, ACCOUNT2, KEY_ID2, REGION, SECRET2, expect_error

FRESH_SERVER = True
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/ci/deployer"
PREFIX = f"arn:aws:ecs:{REGION}:{ACCOUNT}:"
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
DEFAULTS = {
    "awsvpcTrunking": "disabled", "containerInsights": "disabled", "containerInstanceLongArnFormat": "enabled",
    "defaultLogDriverMode": "non-blocking", "dualStackIPv6": "disabled", "fargateEventWindows": "disabled",
    "fargateFIPSMode": "disabled", "fargateTaskRetirementWaitPeriod": "7", "guardDutyActivate": "disabled",
    "serviceLongArnFormat": "enabled", "tagResourceAuthorization": "on", "taskLongArnFormat": "enabled",
}


def effective(ecs, **kw):
    """Every page of ListAccountSettings(effectiveSettings=True) as {name: setting}."""
    out, token = {}, None
    while True:
        r = ecs.list_account_settings(effectiveSettings=True, **kw, **({"nextToken": token} if token else {}))
        for s in r["settings"]:
            assert s["name"] not in out, s
            out[s["name"]] = s
        token = r.get("nextToken")
        if not token:
            return out


def test_defaults_and_paging(server):
    ecs = server.client()
    assert ecs.list_account_settings()["settings"] == []  # nothing set explicitly
    eff = effective(ecs)
    assert {n: s["value"] for n, s in eff.items()} == DEFAULTS
    assert all(s["principalArn"] == ROOT for s in eff.values())
    assert eff["guardDutyActivate"]["type"] == "aws_managed" and eff["taskLongArnFormat"]["type"] == "user"
    # at most 10 a page by default, in name order; maxResults 1..10
    first = ecs.list_account_settings(effectiveSettings=True)
    assert len(first["settings"]) == 10 and "nextToken" in first
    assert [s["name"] for s in first["settings"]] == sorted(DEFAULTS)[:10]
    pages, token = [], None
    while True:
        r = ecs.list_account_settings(effectiveSettings=True, maxResults=5, **({"nextToken": token} if token else {}))
        pages.append([s["name"] for s in r["settings"]])
        token = r.get("nextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [5, 5, 2] and sum(pages, []) == sorted(DEFAULTS)
    for bad in (0, 11):
        expect_error(lambda: ecs.list_account_settings(maxResults=bad), "InvalidParameterException", "maxResults")
    expect_error(lambda: ecs.list_account_settings(nextToken="garbage"), "InvalidParameterException", "nextToken")
    # filters: name, then name and value
    r = ecs.list_account_settings(effectiveSettings=True, name="taskLongArnFormat")
    assert r["settings"] == [{"name": "taskLongArnFormat", "value": "enabled", "principalArn": ROOT, "type": "user"}]
    assert ecs.list_account_settings(effectiveSettings=True, name="taskLongArnFormat", value="disabled")[
        "settings"] == []
    expect_error(lambda: ecs.list_account_settings(value="enabled"), "InvalidParameterException", "name")
    out = server.cli("list-account-settings", "--effective-settings")
    assert {s["name"]: s["value"] for s in out["settings"]} == DEFAULTS  # the CLI follows the pages


def test_put_delete_and_principals(server):
    ecs = server.client()
    r = ecs.put_account_setting(name="containerInsights", value="enhanced")["setting"]
    assert r == {"name": "containerInsights", "value": "enhanced", "principalArn": ROOT, "type": "user"}
    r = ecs.put_account_setting(name="containerInsights", value="disabled", principalArn=ALICE)["setting"]
    assert r["principalArn"] == ALICE and r["value"] == "disabled"
    ecs.put_account_setting(name="awsvpcTrunking", value="enabled", principalArn=DEPLOYER)
    # the root's setting is every principal's default; a principal's own wins
    assert ecs.list_account_settings(principalArn=ALICE)["settings"] == [
        {"name": "containerInsights", "value": "disabled", "principalArn": ALICE, "type": "user"}]
    eff_alice = effective(ecs, principalArn=ALICE)
    assert eff_alice["containerInsights"]["value"] == "disabled" and eff_alice["containerInsights"][
        "principalArn"] == ALICE
    assert eff_alice["awsvpcTrunking"]["value"] == "disabled"  # the deployer's is its own
    eff_deployer = effective(ecs, principalArn=DEPLOYER)
    assert eff_deployer["containerInsights"] == {"name": "containerInsights", "value": "enhanced",
                                                 "principalArn": ROOT, "type": "user"}
    assert eff_deployer["awsvpcTrunking"]["value"] == "enabled"
    assert effective(ecs)["containerInsights"]["value"] == "enhanced"
    assert [s["name"] for s in ecs.list_account_settings()["settings"]] == ["containerInsights"]
    # PutAccountSettingDefault writes the root's
    r = ecs.put_account_setting_default(name="containerInsights", value="enabled")["setting"]
    assert r["principalArn"] == ROOT and effective(ecs, principalArn=DEPLOYER)["containerInsights"]["value"] == \
        "enabled"
    # delete: answers the removed setting; the principal falls back to the root's
    r = ecs.delete_account_setting(name="containerInsights", principalArn=ALICE)["setting"]
    assert (r["principalArn"], r["value"]) == (ALICE, "disabled")
    assert effective(ecs, principalArn=ALICE)["containerInsights"]["value"] == "enabled"
    assert ecs.list_account_settings(principalArn=ALICE)["settings"] == []
    r = ecs.delete_account_setting(name="containerInsights")["setting"]
    assert (r["principalArn"], r["value"]) == (ROOT, "enabled")
    assert effective(ecs)["containerInsights"]["value"] == "disabled"  # ECS's default again
    r = ecs.delete_account_setting(name="containerInsights")["setting"]  # nothing set: answered, idempotent
    assert r["value"] == "disabled"
    # the aws CLI
    out = server.cli("put-account-setting-default", "--name", "dualStackIPv6", "--value", "enabled")
    assert out["setting"] == {"name": "dualStackIPv6", "value": "enabled", "principalArn": ROOT, "type": "user"}
    out = server.cli("list-account-settings", "--name", "dualStackIPv6", "--effective-settings")
    assert [s["value"] for s in out["settings"]] == ["enabled"]


def test_validation(server):
    ecs = server.client()
    bad = [
        (dict(name="taskLongArnFormat", value="on"), "valid values are enabled, disabled"),
        (dict(name="containerInsights", value="ENABLED"), "valid values are enabled, disabled, enhanced"),
        (dict(name="tagResourceAuthorization", value="enabled"), "valid values are on, off"),
        (dict(name="fargateTaskRetirementWaitPeriod", value="3"), "valid values are 0, 7, 14"),
        (dict(name="defaultLogDriverMode", value="async"), "blocking, non-blocking"),
        (dict(name="guardDutyActivate", value="enabled"), "read-only"),
        (dict(name="fargateFIPSMode", value="enabled"), "PutAccountSettingDefault"),
        (dict(name="fargateTaskRetirementWaitPeriod", value="14", principalArn=ALICE), "root"),
        (dict(name="awsvpcTrunking", value="enabled", principalArn=f"arn:aws:iam::{ACCOUNT2}:user/bob"),
         "not a principal of account"),
        (dict(name="awsvpcTrunking", value="enabled", principalArn=f"arn:aws:sts::{ACCOUNT}:assumed-role/r/s"),
         "principalArn"),
        (dict(name="awsvpcTrunking", value="enabled", principalArn=f"arn:aws:iam::{ACCOUNT}:group/devs"),
         "principalArn"),
        (dict(name="awsvpcTrunking", value="enabled", principalArn="alice"), "principalArn"),
        (dict(name="noSuchSetting", value="enabled"), "name"),
    ]
    for kw, message in bad:
        try:
            expect_error(lambda: ecs.put_account_setting(**kw), "InvalidParameterException", message)
        except AssertionError as e:
            raise AssertionError(f"{kw}: {e}") from None
    expect_error(lambda: ecs.put_account_setting_default(name="guardDutyActivate", value="enabled"),
                 "InvalidParameterException", "read-only")
    expect_error(lambda: ecs.delete_account_setting(name="guardDutyActivate"), "InvalidParameterException")
    expect_error(lambda: ecs.put_account_setting_default(name="serviceLongArnFormat", value="off"),
                 "InvalidParameterException", "valid values")
    # nothing above was stored
    assert ecs.list_account_settings()["settings"] == []
    assert ecs.list_account_settings(principalArn=ALICE)["settings"] == []
    # what ECS allows
    assert ecs.put_account_setting(name="fargateTaskRetirementWaitPeriod", value="14")["setting"]["value"] == "14"
    assert ecs.put_account_setting_default(name="fargateFIPSMode", value="enabled")["setting"]["value"] == "enabled"
    assert ecs.put_account_setting(name="dualStackIPv6", value="enabled")["setting"]["name"] == "dualStackIPv6"
    assert ecs.put_account_setting(name="tagResourceAuthorization", value="off", principalArn=DEPLOYER)


def test_settings_are_per_account_and_region(server):
    ecs = server.client()
    ecs.put_account_setting_default(name="awsvpcTrunking", value="enabled")
    assert effective(ecs)["awsvpcTrunking"]["value"] == "enabled"
    assert effective(server.client(region="eu-west-1"))["awsvpcTrunking"]["value"] == "disabled"
    other = server.client(key=(KEY_ID2, SECRET2))
    eff = effective(other)
    assert eff["awsvpcTrunking"]["value"] == "disabled"
    assert eff["awsvpcTrunking"]["principalArn"] == f"arn:aws:iam::{ACCOUNT2}:root"
    assert other.list_account_settings()["settings"] == []


def test_arn_formats_follow_the_settings(server):
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("fmt"))["cluster"]["clusterName"]
    family = unique("fam")
    ecs.register_task_definition(family=family, containerDefinitions=[{"name": "c", "image": "busybox",
                                                                       "memory": 32}])
    long_agent = FakeAgent(server, cluster).register()
    long_task = ecs.run_task(cluster=cluster, taskDefinition=family)["tasks"][0]
    ecs.create_service(cluster=cluster, serviceName="long", taskDefinition=family, desiredCount=0)
    # opt out, each kind on its own
    for name in ("taskLongArnFormat", "containerInstanceLongArnFormat", "serviceLongArnFormat"):
        ecs.put_account_setting(name=name, value="disabled")
    short_agent = FakeAgent(server, cluster).register()
    assert re.fullmatch(f"{PREFIX}container-instance/{UUID}", short_agent.arn), short_agent.arn
    short_task = ecs.start_task(cluster=cluster, taskDefinition=family,
                                containerInstances=[short_agent.arn])["tasks"][0]
    m = re.fullmatch(f"{PREFIX}task/({UUID})", short_task["taskArn"])
    assert m, short_task["taskArn"]
    assert re.fullmatch(f"{PREFIX}container/{UUID}", short_task["containers"][0]["containerArn"])
    assert short_task["containerInstanceArn"] == short_agent.arn
    svc = ecs.create_service(cluster=cluster, serviceName="short", taskDefinition=family, desiredCount=0)["service"]
    assert svc["serviceArn"] == f"{PREFIX}service/short"
    # resources of before keep their ARNs; listings show each in its own format
    assert sorted(ecs.list_tasks(cluster=cluster)["taskArns"]) == sorted([long_task["taskArn"],
                                                                          short_task["taskArn"]])
    assert sorted(ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]) == \
        sorted([long_agent.arn, short_agent.arn])
    assert sorted(ecs.list_services(cluster=cluster)["serviceArns"]) == sorted(
        [f"{PREFIX}service/{cluster}/long", svc["serviceArn"]])
    # both are found by ARN and by id
    r = ecs.describe_tasks(cluster=cluster, tasks=[short_task["taskArn"], m.group(1), long_task["taskArn"]])
    assert [t["taskArn"] for t in r["tasks"]] == [short_task["taskArn"]] * 2 + [long_task["taskArn"]]
    assert ecs.describe_services(cluster=cluster, services=[svc["serviceArn"]])["services"][0]["serviceName"] == \
        "short"
    # a setting for another principal changes nothing for the caller (the root)
    ecs.put_account_setting(name="taskLongArnFormat", value="enabled", principalArn=ALICE)
    assert re.fullmatch(f"{PREFIX}task/{UUID}", ecs.run_task(cluster=cluster, taskDefinition=family)["tasks"][0][
        "taskArn"])
    # opt in again: the long format for what comes next
    ecs.put_account_setting_default(name="taskLongArnFormat", value="enabled")
    again = ecs.run_task(cluster=cluster, taskDefinition=family)["tasks"][0]
    assert re.fullmatch(f"{PREFIX}task/{cluster}/[0-9a-f]{{32}}", again["taskArn"]), again["taskArn"]
    # a service's tasks follow the setting at the time they start
    ecs.put_account_setting(name="taskLongArnFormat", value="disabled")
    ecs.update_service(cluster=cluster, service="short", desiredCount=1)
    import time
    deadline = time.time() + 20
    arns = []
    while time.time() < deadline and not arns:
        arns = ecs.list_tasks(cluster=cluster, serviceName="short")["taskArns"]
        time.sleep(0.1)
    assert len(arns) == 1 and re.fullmatch(f"{PREFIX}task/{UUID}", arns[0]), arns
