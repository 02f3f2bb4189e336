"""Secrets Manager on ecsd's endpoint (issue 13, part 3), driven with boto3's
`secretsmanager` client and the aws CLI's `aws secretsmanager` commands:
CreateSecret (ARNs with the 6-character suffix), GetSecretValue by
VersionId and VersionStage (AWSCURRENT/AWSPREVIOUS), PutSecretValue and
staging labels, UpdateSecret, DescribeSecret, ListSecrets (filters,
paging, planned deletions), DeleteSecret with a recovery window or at once,
RestoreSecret; errors by name; scopes; values never in clear in the file.
"""
import json
import os
import re
import subprocess

import boto3
import botocore.config

from harness import ACCOUNT, KEY_ID, KEY_ID2, REGION, SECRET, SECRET2, Server, expect_error, unique

ARN_RE = re.compile(rf"^arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:(.+)-([A-Za-z0-9]{{6}})$")


def sm(server, region=REGION, key=(KEY_ID, SECRET), validate=True):
    return boto3.client("secretsmanager", endpoint_url=server.endpoint, region_name=region,
                        aws_access_key_id=key[0], aws_secret_access_key=key[1],
                        config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"},
                                                      parameter_validation=validate))


def cli(server, *args, check=True):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_DEFAULT_REGION=REGION,
               AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
    p = subprocess.run(["aws", "--endpoint-url", server.endpoint, "--output", "json", "secretsmanager"] + list(args),
                       capture_output=True, text=True, env=env, timeout=60)
    if not check:
        return p
    assert p.returncode == 0, f"aws secretsmanager {' '.join(args)} failed: {p.stderr}"
    return json.loads(p.stdout) if p.stdout.strip() else {}


def test_create_get_and_arn(server):
    c = sm(server)
    name = unique("prod/db")
    got = c.create_secret(Name=name, SecretString='{"user":"u","pass":"p"}', Description="db",
                          Tags=[{"Key": "team", "Value": "a"}])
    m = ARN_RE.match(got["ARN"])
    assert m and m.group(1) == name and got["Name"] == name and len(got["VersionId"]) == 36
    v = c.get_secret_value(SecretId=name)
    assert v["SecretString"] == '{"user":"u","pass":"p"}' and v["VersionStages"] == ["AWSCURRENT"]
    assert v["ARN"] == got["ARN"] and v["VersionId"] == got["VersionId"] and v["CreatedDate"].year >= 2024
    assert c.get_secret_value(SecretId=got["ARN"])["Name"] == name  # full ARN
    assert c.get_secret_value(SecretId=got["ARN"][:-7])["Name"] == name  # partial ARN, no suffix
    expect_error(lambda: c.get_secret_value(SecretId=got["ARN"][:-6] + "ZZZZZZ"), "ResourceNotFoundException",
                 "can't find the specified secret")
    expect_error(lambda: c.create_secret(Name=name, SecretString="x"), "ResourceExistsException", "already exists")
    # a second secret of the same name elsewhere would get another suffix; a new one here does
    other = c.create_secret(Name=unique("other"))
    assert "VersionId" not in other
    expect_error(lambda: c.get_secret_value(SecretId=other["Name"]), "ResourceNotFoundException",
                 "staging label: AWSCURRENT")
    b = c.create_secret(Name=unique("bin"), SecretBinary=b"\x00\x01binary\xff")
    assert c.get_secret_value(SecretId=b["ARN"])["SecretBinary"] == b"\x00\x01binary\xff"
    expect_error(lambda: c.create_secret(Name=unique("both"), SecretString="a", SecretBinary=b"b"),
                 "InvalidParameterException", "both")
    expect_error(lambda: c.create_secret(Name="bad name!"), "InvalidParameterException", "Invalid name")
    token = "a" * 40
    t = c.create_secret(Name=unique("tok"), SecretString="v", ClientRequestToken=token)
    assert t["VersionId"] == token


def test_versions_and_stages(server):
    c = sm(server)
    name = unique("rot")
    v1 = c.create_secret(Name=name, SecretString="one")["VersionId"]
    v2 = c.put_secret_value(SecretId=name, SecretString="two")
    assert v2["VersionStages"] == ["AWSCURRENT"]
    assert c.get_secret_value(SecretId=name)["SecretString"] == "two"
    prev = c.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")
    assert prev["SecretString"] == "one" and prev["VersionId"] == v1 and prev["VersionStages"] == ["AWSPREVIOUS"]
    assert c.get_secret_value(SecretId=name, VersionId=v1)["SecretString"] == "one"
    assert c.get_secret_value(SecretId=name, VersionId=v2["VersionId"], VersionStage="AWSCURRENT")["SecretString"] == "two"
    expect_error(lambda: c.get_secret_value(SecretId=name, VersionId=v1, VersionStage="AWSCURRENT"),
                 "ResourceNotFoundException")
    expect_error(lambda: c.get_secret_value(SecretId=name, VersionId="f" * 36), "ResourceNotFoundException",
                 "VersionId")
    v3 = c.put_secret_value(SecretId=name, SecretString="three")["VersionId"]
    stages = c.describe_secret(SecretId=name)["VersionIdsToStages"]
    assert stages == {v2["VersionId"]: ["AWSPREVIOUS"], v3: ["AWSCURRENT"]}  # v1 lost its label
    # a custom stage leaves AWSCURRENT where it is
    pend = c.put_secret_value(SecretId=name, SecretString="four", VersionStages=["AWSPENDING"])["VersionId"]
    assert c.get_secret_value(SecretId=name)["SecretString"] == "three"
    assert c.get_secret_value(SecretId=name, VersionStage="AWSPENDING")["VersionId"] == pend
    # the same token again: idempotent with the same value, refused with another
    tok = "b" * 32
    c.put_secret_value(SecretId=name, SecretString="five", ClientRequestToken=tok)
    assert c.put_secret_value(SecretId=name, SecretString="five", ClientRequestToken=tok)["VersionId"] == tok
    expect_error(lambda: c.put_secret_value(SecretId=name, SecretString="six", ClientRequestToken=tok),
                 "ResourceExistsException", "existing version")
    expect_error(lambda: c.put_secret_value(SecretId=name), "InvalidRequestException", "SecretString or SecretBinary")
    expect_error(lambda: c.put_secret_value(SecretId=unique("none"), SecretString="x"), "ResourceNotFoundException")


def test_update_and_describe(server):
    c = sm(server)
    name = unique("upd")
    arn = c.create_secret(Name=name, SecretString="a", Tags=[{"Key": "k", "Value": "v"}])["ARN"]
    got = c.update_secret(SecretId=name, Description="new desc", KmsKeyId="alias/mine")
    assert got["ARN"] == arn and "VersionId" not in got
    got = c.update_secret(SecretId=arn, SecretString="b")
    assert got["VersionId"]
    d = c.describe_secret(SecretId=name)
    assert d["ARN"] == arn and d["Name"] == name and d["Description"] == "new desc" and d["KmsKeyId"] == "alias/mine"
    assert d["Tags"] == [{"Key": "k", "Value": "v"}] and "DeletedDate" not in d
    assert sorted(d["VersionIdsToStages"].values()) == [["AWSCURRENT"], ["AWSPREVIOUS"]]
    assert d["CreatedDate"] <= d["LastChangedDate"]
    c.get_secret_value(SecretId=name)
    assert "LastAccessedDate" in c.describe_secret(SecretId=name)
    expect_error(lambda: c.update_secret(SecretId=unique("nope"), Description="x"), "ResourceNotFoundException")
    expect_error(lambda: c.describe_secret(SecretId=unique("nope")), "ResourceNotFoundException")


def test_delete_restore_and_force(server):
    c = sm(server)
    name = unique("del")
    arn = c.create_secret(Name=name, SecretString="v")["ARN"]
    expect_error(lambda: c.delete_secret(SecretId=name, RecoveryWindowInDays=6), "InvalidParameterException",
                 "between 7 and 30")
    expect_error(lambda: c.delete_secret(SecretId=name, RecoveryWindowInDays=31), "InvalidParameterException")
    expect_error(lambda: c.delete_secret(SecretId=name, RecoveryWindowInDays=7, ForceDeleteWithoutRecovery=True),
                 "InvalidParameterException", "ForceDeleteWithoutRecovery")
    got = c.delete_secret(SecretId=name, RecoveryWindowInDays=7)
    assert got["ARN"] == arn and got["Name"] == name
    import datetime
    days = (got["DeletionDate"] - datetime.datetime.now(got["DeletionDate"].tzinfo)).total_seconds() / 86400
    assert 6.9 < days < 7.1
    expect_error(lambda: c.get_secret_value(SecretId=name), "InvalidRequestException", "marked for deletion")
    expect_error(lambda: c.put_secret_value(SecretId=name, SecretString="x"), "InvalidRequestException")
    expect_error(lambda: c.delete_secret(SecretId=name), "InvalidRequestException", "already scheduled")
    expect_error(lambda: c.create_secret(Name=name, SecretString="x"), "InvalidRequestException",
                 "scheduled for deletion")
    assert "DeletedDate" in c.describe_secret(SecretId=name)
    assert name not in [s["Name"] for s in c.list_secrets()["SecretList"]]
    assert name in [s["Name"] for s in c.list_secrets(IncludePlannedDeletion=True)["SecretList"]]
    got = c.restore_secret(SecretId=name)
    assert got["ARN"] == arn and got["Name"] == name
    assert "DeletedDate" not in c.describe_secret(SecretId=name)
    assert c.get_secret_value(SecretId=name)["SecretString"] == "v"
    # without recovery: gone at once, the name free again with a new ARN
    c.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    expect_error(lambda: c.describe_secret(SecretId=name), "ResourceNotFoundException")
    expect_error(lambda: c.restore_secret(SecretId=name), "ResourceNotFoundException")
    again = c.create_secret(Name=name, SecretString="w")["ARN"]
    assert again != arn and ARN_RE.match(again)
    expect_error(lambda: c.get_secret_value(SecretId=arn), "ResourceNotFoundException")
    # the default window is 30 days
    got = c.delete_secret(SecretId=name)
    days = (got["DeletionDate"] - datetime.datetime.now(got["DeletionDate"].tzinfo)).total_seconds() / 86400
    assert 29.9 < days < 30.1


def test_list_filters_and_paging(server):
    c = sm(server)
    base = unique("list")
    for i in range(5):
        c.create_secret(Name=f"{base}/s{i}", Description=f"desc {i}",
                        Tags=[{"Key": "env", "Value": "prod" if i % 2 else "dev"}])
    flt = [{"Key": "name", "Values": [base]}]
    got = c.list_secrets(Filters=flt)["SecretList"]
    assert [s["Name"] for s in got] == [f"{base}/s{i}" for i in range(5)]
    assert "SecretVersionsToStages" in got[0] and got[0]["Tags"] == [{"Key": "env", "Value": "dev"}]
    prod = c.list_secrets(Filters=flt + [{"Key": "tag-value", "Values": ["prod"]}])["SecretList"]
    assert [s["Name"] for s in prod] == [f"{base}/s1", f"{base}/s3"]
    neg = c.list_secrets(Filters=flt + [{"Key": "tag-value", "Values": ["!prod"]}])["SecretList"]
    assert len(neg) == 3
    assert len(c.list_secrets(Filters=[{"Key": "description", "Values": ["desc 4"]}, *flt])["SecretList"]) == 1
    assert len(c.list_secrets(Filters=[{"Key": "description", "Values": ["DESC 4"]}, *flt])["SecretList"]) == 1
    assert c.list_secrets(Filters=[{"Key": "name", "Values": [base.upper()]}])["SecretList"] == []
    seen, token = [], None
    while True:
        kw = {"NextToken": token} if token else {}
        page = c.list_secrets(Filters=flt, MaxResults=2, **kw)
        seen += [s["Name"] for s in page["SecretList"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == [f"{base}/s{i}" for i in range(5)]
    desc = c.list_secrets(Filters=flt, SortOrder="desc")["SecretList"]
    assert [s["Name"] for s in desc] == [f"{base}/s{i}" for i in reversed(range(5))]
    expect_error(lambda: c.list_secrets(Filters=[{"Key": "color", "Values": ["x"]}]), "InvalidParameterException")
    expect_error(lambda: c.list_secrets(NextToken="not-a-token"), "InvalidNextTokenException")


def test_scopes(server):
    name = unique("scoped")
    sm(server).create_secret(Name=name, SecretString="mine")
    expect_error(lambda: sm(server, key=(KEY_ID2, SECRET2)).get_secret_value(SecretId=name),
                 "ResourceNotFoundException")
    eu = sm(server, region="eu-west-1")
    expect_error(lambda: eu.get_secret_value(SecretId=name), "ResourceNotFoundException")
    arn = eu.create_secret(Name=name, SecretString="eu")["ARN"]
    assert arn.startswith("arn:aws:secretsmanager:eu-west-1:")
    assert sm(server).get_secret_value(SecretId=name)["SecretString"] == "mine"
    expect_error(lambda: sm(server).get_secret_value(SecretId=arn), "ResourceNotFoundException")
    expect_error(lambda: sm(server).rotate_secret(SecretId=name), "UnknownOperationException")


def test_cli_every_operation(server):
    name = unique("cli/app")
    created = cli(server, "create-secret", "--name", name, "--secret-string", '{"k":"v1"}')
    assert ARN_RE.match(created["ARN"])
    assert cli(server, "get-secret-value", "--secret-id", name)["SecretString"] == '{"k":"v1"}'
    cli(server, "put-secret-value", "--secret-id", name, "--secret-string", '{"k":"v2"}')
    prev = cli(server, "get-secret-value", "--secret-id", name, "--version-stage", "AWSPREVIOUS")
    assert prev["SecretString"] == '{"k":"v1"}'
    cli(server, "update-secret", "--secret-id", name, "--description", "from the cli")
    assert cli(server, "describe-secret", "--secret-id", created["ARN"])["Description"] == "from the cli"
    listed = cli(server, "list-secrets", "--filters", f"Key=name,Values={name}")["SecretList"]
    assert [s["Name"] for s in listed] == [name]
    deleted = cli(server, "delete-secret", "--secret-id", name, "--recovery-window-in-days", "7")
    assert deleted["Name"] == name and "DeletionDate" in deleted
    p = cli(server, "get-secret-value", "--secret-id", name, check=False)
    assert p.returncode != 0 and "InvalidRequestException" in p.stderr
    cli(server, "restore-secret", "--secret-id", name)
    cli(server, "delete-secret", "--secret-id", name, "--force-delete-without-recovery")
    p = cli(server, "get-secret-value", "--secret-id", name, check=False)
    assert p.returncode != 0 and "ResourceNotFoundException" in p.stderr


def test_values_never_stored_in_clear(_server):
    s = Server().start()
    try:
        c = sm(s)
        marker = "Secret-Marker-" + unique("x")
        c.create_secret(Name="clear/a", SecretString=marker)
        c.put_secret_value(SecretId="clear/a", SecretString=marker + "-v2")
        c.create_secret(Name="clear/b", SecretBinary=marker.encode())
        import base64
        for path in [os.path.join(s.data_dir, "secrets.db"), os.path.join(s.data_dir, "secrets.db-wal")]:
            if os.path.exists(path):
                data = open(path, "rb").read()
                assert marker.encode() not in data and base64.b64encode(marker.encode())[:16] not in data, path
        assert s.stop() == 0
        s.start()
        assert sm(s).get_secret_value(SecretId="clear/a")["SecretString"] == marker + "-v2"
    finally:
        s.stop()
        s.cleanup()
