"""Parameter Store on ecsd's endpoint (issue 13, part 3), driven with boto3's
`ssm` client and the aws CLI's `aws ssm` commands: every served operation
(PutParameter with Overwrite and versions, GetParameter with selectors and
ARNs, GetParameters and its InvalidParameters, GetParametersByPath with
Recursive and paging, DeleteParameter(s), DescribeParameters with filters),
String/StringList/SecureString with WithDecryption, errors by name, (account,
region) scopes, and SecureString values never in clear in the store's file.
"""
import base64
import json
import os
import sqlite3
import subprocess

import boto3
import botocore.config

from harness import ACCOUNT, ACCOUNT2, KEY_ID, KEY_ID2, REGION, SECRET, SECRET2, expect_error, own_server, unique


def ssm(server, region=REGION, key=(KEY_ID, SECRET), validate=True):
    return boto3.client("ssm", endpoint_url=server.endpoint, region_name=region, aws_access_key_id=key[0],
                        aws_secret_access_key=key[1],
                        config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"},
                                                      parameter_validation=validate))


def cli(server, *args, check=True):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_DEFAULT_REGION=REGION,
               AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
    p = subprocess.run(["aws", "--endpoint-url", server.endpoint, "--output", "json", "ssm"] + list(args),
                       capture_output=True, text=True, env=env, timeout=60)
    if not check:
        return p
    assert p.returncode == 0, f"aws ssm {' '.join(args)} failed: {p.stderr}"
    return json.loads(p.stdout) if p.stdout.strip() else {}


def arn(name, region=REGION, account=ACCOUNT):
    return f"arn:aws:ssm:{region}:{account}:parameter{'' if name.startswith('/') else '/'}{name}"


def test_put_get_versions_and_overwrite(server):
    c = ssm(server)
    name = "/" + unique("app") + "/db/host"
    got = c.put_parameter(Name=name, Value="h1", Type="String", Description="the host")
    assert got["Version"] == 1 and got["Tier"] == "Standard"
    expect_error(lambda: c.put_parameter(Name=name, Value="h2", Type="String"), "ParameterAlreadyExists",
                 "set the overwrite option")
    assert c.put_parameter(Name=name, Value="h2", Overwrite=True)["Version"] == 2  # type kept
    assert c.put_parameter(Name=name, Value="h3", Type="String", Overwrite=True)["Version"] == 3
    p = c.get_parameter(Name=name)["Parameter"]
    assert p["Name"] == name and p["Value"] == "h3" and p["Version"] == 3 and p["Type"] == "String"
    assert p["ARN"] == arn(name) and p["DataType"] == "text" and p["LastModifiedDate"].year >= 2024
    old = c.get_parameter(Name=name + ":1")["Parameter"]
    assert old["Value"] == "h1" and old["Version"] == 1 and old["Selector"] == ":1"
    expect_error(lambda: c.get_parameter(Name=name + ":9"), "ParameterVersionNotFound", "version 9")
    assert c.get_parameter(Name=arn(name))["Parameter"]["Value"] == "h3"
    expect_error(lambda: c.get_parameter(Name=name + "-none"), "ParameterNotFound")
    # another account's ARN is not found, whatever exists there
    expect_error(lambda: c.get_parameter(Name=arn(name, account=ACCOUNT2)), "ParameterNotFound")
    # a name without a slash, and its ARN
    flat = unique("flat")
    c.put_parameter(Name=flat, Value="v", Type="String")
    assert c.get_parameter(Name=arn(flat))["Parameter"]["Name"] == flat
    # the description is kept across overwrites that do not set one
    d = c.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"]
    assert len(d) == 1 and d[0]["Description"] == "the host" and d[0]["Version"] == 3


def test_types_and_secure_string(server):
    c = ssm(server)
    base = "/" + unique("t")
    c.put_parameter(Name=base + "/list", Value="a,b,c", Type="StringList")
    c.put_parameter(Name=base + "/secret", Value="hunter2-value", Type="SecureString")
    c.put_parameter(Name=base + "/keyed", Value="k", Type="SecureString", KeyId="alias/mine")
    assert c.get_parameter(Name=base + "/list")["Parameter"]["Value"] == "a,b,c"
    hidden = c.get_parameter(Name=base + "/secret")["Parameter"]
    assert hidden["Type"] == "SecureString" and hidden["Value"] != "hunter2-value"
    assert b"hunter2" not in base64.b64decode(hidden["Value"])
    shown = c.get_parameter(Name=base + "/secret", WithDecryption=True)["Parameter"]
    assert shown["Value"] == "hunter2-value"
    meta = {p["Name"]: p for p in c.describe_parameters(
        ParameterFilters=[{"Key": "Path", "Option": "OneLevel", "Values": [base]}])["Parameters"]}
    assert meta[base + "/secret"]["KeyId"] == "alias/aws/ssm" and meta[base + "/keyed"]["KeyId"] == "alias/mine"
    assert "KeyId" not in meta[base + "/list"]
    expect_error(lambda: c.put_parameter(Name=base + "/x", Value="v", Type="String", KeyId="alias/k"),
                 "ValidationException", "SecureString")
    expect_error(lambda: ssm(server, validate=False).put_parameter(Name=base + "/x", Value="v", Type="Binary"),
                 "ValidationException", "Type")
    expect_error(lambda: c.put_parameter(Name=base + "/x", Value="v"), "ValidationException", "type is required")


def test_get_parameters_invalid_list(server):
    c = ssm(server)
    a, b = "/" + unique("gp") + "/a", "/" + unique("gp") + "/b"
    c.put_parameter(Name=a, Value="1", Type="String")
    c.put_parameter(Name=b, Value="s", Type="SecureString")
    got = c.get_parameters(Names=[a, b, "/missing/x", a + ":7"], WithDecryption=True)
    assert sorted(p["Name"] for p in got["Parameters"]) == sorted([a, b])
    assert {p["Name"]: p["Value"] for p in got["Parameters"]}[b] == "s"
    assert got["InvalidParameters"] == ["/missing/x", a + ":7"]
    expect_error(lambda: c.get_parameters(Names=[f"/n{i}" for i in range(11)]), "ValidationException", "10")


def test_by_path_recursive_and_paging(server):
    c = ssm(server)
    root = "/" + unique("tree")
    names = [f"{root}/a", f"{root}/b", f"{root}/sub/c", f"{root}/sub/deep/d", f"{root}x/other"]
    for n in names:
        c.put_parameter(Name=n, Value=n[-1], Type="String")
    one = c.get_parameters_by_path(Path=root)["Parameters"]
    assert [p["Name"] for p in one] == [f"{root}/a", f"{root}/b"]
    assert [p["Name"] for p in c.get_parameters_by_path(Path=root + "/")["Parameters"]] == [f"{root}/a", f"{root}/b"]
    seen, token, pages = [], None, 0
    while True:
        kw = {"NextToken": token} if token else {}
        page = c.get_parameters_by_path(Path=root, Recursive=True, MaxResults=1, **kw)
        seen += [p["Name"] for p in page["Parameters"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert seen == names[:4] and pages >= 4
    typed = c.get_parameters_by_path(Path=root, Recursive=True,
                                     ParameterFilters=[{"Key": "Type", "Option": "Equals", "Values": ["StringList"]}])
    assert typed["Parameters"] == []
    expect_error(lambda: c.get_parameters_by_path(Path="no-slash"), "ValidationException", "forward slash")
    expect_error(lambda: c.get_parameters_by_path(Path=root, MaxResults=11), "ValidationException", "maxResults")
    # the paginator of the SDK walks it too
    pag = c.get_paginator("get_parameters_by_path")
    assert [p["Name"] for pg in pag.paginate(Path=root, Recursive=True, PaginationConfig={"PageSize": 2})
            for p in pg["Parameters"]] == names[:4]


def test_delete_parameter_and_parameters(server):
    c = ssm(server)
    a, b = "/" + unique("del") + "/a", "/" + unique("del") + "/b"
    c.put_parameter(Name=a, Value="1", Type="String")
    c.put_parameter(Name=a, Value="2", Type="String", Overwrite=True)
    c.put_parameter(Name=b, Value="1", Type="String")
    c.delete_parameter(Name=a)
    expect_error(lambda: c.get_parameter(Name=a), "ParameterNotFound")
    expect_error(lambda: c.get_parameter(Name=a + ":1"), "ParameterNotFound")
    expect_error(lambda: c.delete_parameter(Name=a), "ParameterNotFound")
    got = c.delete_parameters(Names=[b, a])
    assert got["DeletedParameters"] == [b] and got["InvalidParameters"] == [a]
    # a deleted name starts again at version 1
    assert c.put_parameter(Name=a, Value="new", Type="String")["Version"] == 1


def test_describe_parameters_filters_and_paging(server):
    c = ssm(server)
    base = "/" + unique("desc")
    for i in range(5):
        c.put_parameter(Name=f"{base}/p{i}", Value="v", Type="SecureString" if i % 2 else "String")
    flt = [{"Key": "Name", "Option": "BeginsWith", "Values": [base]}]
    all_ = c.describe_parameters(ParameterFilters=flt)["Parameters"]
    assert [p["Name"] for p in all_] == [f"{base}/p{i}" for i in range(5)]
    p0 = all_[0]
    assert p0["ARN"] == arn(p0["Name"]) and p0["Tier"] == "Standard" and p0["Version"] == 1
    assert p0["LastModifiedUser"] == f"arn:aws:iam::{ACCOUNT}:root" and "Value" not in p0
    secure = c.describe_parameters(ParameterFilters=flt + [{"Key": "Type", "Values": ["SecureString"]}])
    assert [p["Name"] for p in secure["Parameters"]] == [f"{base}/p1", f"{base}/p3"]
    old = c.describe_parameters(Filters=[{"Key": "Name", "Values": [base + "/p4"]}])["Parameters"]
    assert [p["Name"] for p in old] == [f"{base}/p4"]
    page = c.describe_parameters(ParameterFilters=flt, MaxResults=2)
    assert len(page["Parameters"]) == 2 and page["NextToken"]
    rest = c.describe_parameters(ParameterFilters=flt, MaxResults=50, NextToken=page["NextToken"])
    assert [p["Name"] for p in rest["Parameters"]] == [f"{base}/p{i}" for i in range(2, 5)]
    expect_error(lambda: c.describe_parameters(ParameterFilters=[{"Key": "tag:team", "Values": ["a"]}]),
                 "InvalidFilterKey")
    expect_error(lambda: c.describe_parameters(Filters=[{"Key": "Name", "Values": ["x"]}], ParameterFilters=flt),
                 "ValidationException")


def test_validation_errors_by_name(server):
    c = ssm(server)
    base = "/" + unique("v")
    expect_error(lambda: c.put_parameter(Name="/aws/reserved", Value="v", Type="String"), "ValidationException",
                 "reserved")
    expect_error(lambda: c.put_parameter(Name="relative/path", Value="v", Type="String"), "ValidationException",
                 "fully qualified")
    expect_error(lambda: c.put_parameter(Name=base + "/bad name", Value="v", Type="String"), "ValidationException")
    deep = base + "".join(f"/l{i}" for i in range(15))
    expect_error(lambda: c.put_parameter(Name=deep, Value="v", Type="String"), "HierarchyLevelLimitExceededException")
    expect_error(lambda: c.put_parameter(Name=base + "/big", Value="x" * 4097, Type="String"), "ValidationException",
                 "4096")
    assert c.put_parameter(Name=base + "/big", Value="x" * 4097, Type="String", Tier="Advanced")["Tier"] == "Advanced"
    expect_error(lambda: c.put_parameter(Name=base + "/pat", Value="abc", Type="String", AllowedPattern="^[0-9]+$"),
                 "ParameterPatternMismatchException")
    c.put_parameter(Name=base + "/pat", Value="123", Type="String", AllowedPattern="^[0-9]+$")
    expect_error(lambda: c.put_parameter(Name=base + "/pat", Value="x", Overwrite=True),
                 "ParameterPatternMismatchException")
    expect_error(lambda: c.put_parameter(Name=base + "/t", Value="v", Type="String", Overwrite=True,
                                         Tags=[{"Key": "a", "Value": "b"}]), "ValidationException", "tags and overwrite")
    expect_error(lambda: ssm(server, validate=False).get_parameter(), "ValidationException", "Name")
    # a rejected request changed nothing
    expect_error(lambda: c.get_parameter(Name=base + "/t"), "ParameterNotFound")
    assert c.get_parameter(Name=base + "/pat")["Parameter"]["Value"] == "123"


def test_scopes_account_and_region(server):
    name = "/" + unique("scope")
    ssm(server).put_parameter(Name=name, Value="mine", Type="String")
    expect_error(lambda: ssm(server, key=(KEY_ID2, SECRET2)).get_parameter(Name=name), "ParameterNotFound")
    expect_error(lambda: ssm(server, region="eu-west-1").get_parameter(Name=name), "ParameterNotFound")
    ssm(server, region="eu-west-1").put_parameter(Name=name, Value="eu", Type="String")
    assert ssm(server, region="eu-west-1").get_parameter(Name=name)["Parameter"]["ARN"] == arn(name, "eu-west-1")
    assert ssm(server).get_parameter(Name=name)["Parameter"]["Value"] == "mine"


def test_unsigned_and_wrong_service_refused(server):
    import urllib.error
    import urllib.request
    req = urllib.request.Request(server.endpoint + "/", data=b"{}", method="POST", headers={
        "X-Amz-Target": "AmazonSSM.DescribeParameters", "Content-Type": "application/x-amz-json-1.1"})
    try:
        urllib.request.urlopen(req, timeout=10)
        raise AssertionError("an unsigned request was served")
    except urllib.error.HTTPError as e:
        assert e.code in (400, 403)
    # signed for "ecs", not "ssm"
    from harness import sign_headers
    h = sign_headers(server.endpoint + "/", "POST", {"X-Amz-Target": "AmazonSSM.DescribeParameters",
                                                      "Content-Type": "application/x-amz-json-1.1"}, b"{}")
    try:
        urllib.request.urlopen(urllib.request.Request(server.endpoint + "/", data=b"{}", method="POST", headers=h),
                               timeout=10)
        raise AssertionError("a request signed for ecs was served as ssm")
    except urllib.error.HTTPError as e:
        assert e.code in (400, 403)
    expect_error(lambda: ssm(server).label_parameter_version(Name="/x", Labels=["a"]), "UnknownOperationException")


def test_cli_put_get_path_delete(server):
    base = "/" + unique("cli")
    assert cli(server, "put-parameter", "--name", base + "/db/pass", "--value", "cli-s3cret",
               "--type", "SecureString")["Version"] == 1
    cli(server, "put-parameter", "--name", base + "/db/user", "--value", "admin", "--type", "String")
    assert cli(server, "put-parameter", "--name", base + "/db/user", "--value", "root", "--overwrite")["Version"] == 2
    got = cli(server, "get-parameter", "--name", base + "/db/pass", "--with-decryption")["Parameter"]
    assert got["Value"] == "cli-s3cret" and got["Type"] == "SecureString"
    many = cli(server, "get-parameters", "--names", base + "/db/user", base + "/nope")
    assert [p["Value"] for p in many["Parameters"]] == ["root"] and many["InvalidParameters"] == [base + "/nope"]
    tree = cli(server, "get-parameters-by-path", "--path", base, "--recursive", "--with-decryption")
    assert sorted(p["Name"] for p in tree["Parameters"]) == [base + "/db/pass", base + "/db/user"]
    desc = cli(server, "describe-parameters", "--parameter-filters", f"Key=Name,Option=BeginsWith,Values={base}")
    assert len(desc["Parameters"]) == 2
    p = cli(server, "put-parameter", "--name", base + "/db/user", "--value", "x", "--type", "String", check=False)
    assert p.returncode != 0 and "ParameterAlreadyExists" in p.stderr
    cli(server, "delete-parameter", "--name", base + "/db/pass")
    p = cli(server, "get-parameter", "--name", base + "/db/pass", check=False)
    assert p.returncode != 0 and "ParameterNotFound" in p.stderr
    got = cli(server, "delete-parameters", "--names", base + "/db/user", base + "/db/pass")
    assert got["DeletedParameters"] == [base + "/db/user"] and got["InvalidParameters"] == [base + "/db/pass"]


def test_secure_string_never_stored_in_clear(_server):
    from harness import Server
    s = Server().start()
    try:
        c = ssm(s)
        marker = "Plain-Marker-" + unique("v")
        c.put_parameter(Name="/clear/secure", Value=marker, Type="SecureString")
        c.put_parameter(Name="/clear/secure", Value=marker + "-2", Overwrite=True)
        c.put_parameter(Name="/clear/string", Value=marker + "-string", Type="String")
        key = os.path.join(s.data_dir, "secrets.key")
        assert oct(os.stat(key).st_mode & 0o777) == "0o600" and os.path.getsize(key) == 32
        db = os.path.join(s.data_dir, "secrets.db")
        assert oct(os.stat(db).st_mode & 0o777) == "0o600"
        for path in [db, db + "-wal"]:
            if os.path.exists(path):
                with open(path, "rb") as f:
                    data = f.read()
                assert marker.encode() not in data, f"{path} holds a value in clear"
        # what the file holds: sealed blobs, 28 bytes more than each value
        con = sqlite3.connect(db)
        rows = con.execute("SELECT version, length(sealed) FROM vals WHERE name='/clear/secure'").fetchall()
        con.close()
        assert sorted(rows) == [("1", len(marker) + 28), ("2", len(marker) + 30)]
        key_before = open(key, "rb").read()
        assert s.stop() == 0
        # a restart on the same folder reads the same key: the values still open
        s.start()
        assert open(key, "rb").read() == key_before
        assert ssm(s).get_parameter(Name="/clear/secure", WithDecryption=True)["Parameter"]["Value"] == marker + "-2"
        # another key cannot open them: the server answers an error, never a wrong value
        assert s.stop() == 0
        os.chmod(key, 0o600)
        with open(key, "wb") as f:
            f.write(os.urandom(32))
        s.start()
        expect_error(lambda: ssm(s).get_parameter(Name="/clear/secure", WithDecryption=True), "InternalServerError",
                     "does not open", status=500)
    finally:
        s.stop()
        s.cleanup()
