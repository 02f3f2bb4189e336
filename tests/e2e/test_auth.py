"""Authentication and account isolation (issue 6; ecs-behavior.md §1.6):
every request carries a valid AWS Signature Version 4 by a configured key,
each failure answers AWS's exception with HTTP 400 and changes nothing, and
each account sees only its own resources."""
import datetime
import hashlib
import hmac
import json
import os
import signal
import subprocess
import time
import urllib.parse
import urllib.request

import harness
from harness import ACCOUNT, ACCOUNT2, KEY_ID, KEY_ID2, REGION, SECRET, SECRET2, expect_error, unique

PREFIX = "AmazonEC2ContainerServiceV20141113."
JSON11 = "application/x-amz-json-1.1"


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def sign(server, target, body, when=None, key=KEY_ID, secret=SECRET, region=REGION, service="ecs",
         presign_expires=None):
    """Signs POST / by hand (to control time and scope); returns (url, headers).
    presign_expires puts the signature in the query string instead."""
    when = when or datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = when.strftime("%Y%m%dT%H%M%SZ"), when.strftime("%Y%m%d")
    host = f"127.0.0.1:{server.port}"
    scope = f"{day}/{region}/{service}/aws4_request"
    headers = {"content-type": JSON11, "host": host, "x-amz-target": PREFIX + target}
    query = {}
    if presign_expires is None:
        headers["x-amz-date"] = amz_date
    else:
        query = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Credential": f"{key}/{scope}",
                 "X-Amz-Date": amz_date, "X-Amz-Expires": str(presign_expires),
                 "X-Amz-SignedHeaders": ";".join(sorted(headers))}
    names = sorted(headers)
    canonical_query = "&".join(f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
                               for k, v in sorted(query.items()))
    canonical = "\n".join(["POST", "/", canonical_query, "".join(f"{n}:{headers[n]}\n" for n in names),
                           ";".join(names), hashlib.sha256(body).hexdigest()])
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    k = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret).encode(), day), region), service), "aws4_request")
    signature = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    url = server.endpoint + "/"
    if presign_expires is None:
        headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={key}/{scope}, "
                                    f"SignedHeaders={';'.join(names)}, Signature={signature}")
    else:
        url += "?" + canonical_query + "&X-Amz-Signature=" + signature
    del headers["host"]
    return url, headers


def send(url, headers, body):
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def call(server, target, doc, **kw):
    body = json.dumps(doc).encode()
    return send(*sign(server, target, body, **kw), body)


def expect_auth_error(result, code, message=None):
    status, doc = result
    assert status == 400 and doc.get("__type") == code, (status, doc)
    if message is not None:
        assert message in doc.get("message", ""), doc
    return doc["message"]


def test_valid_signature_by_hand_and_by_boto3(server):
    name = unique("auth")
    assert call(server, "CreateCluster", {"clusterName": name})[0] == 200
    arns = server.client().list_clusters()["clusterArns"]
    assert f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{name}" in arns


def test_each_failure_by_name_and_nothing_changes(server):
    ecs = server.client()
    name = unique("nochange")
    body = json.dumps({"clusterName": name}).encode()
    now = datetime.datetime.now(datetime.timezone.utc)
    st, _, doc = server.raw(body, target="CreateCluster", sign=False)
    assert (st, doc["__type"], doc["message"]) == (400, "MissingAuthenticationTokenException",
                                                   "Missing Authentication Token")
    url, h = sign(server, "CreateCluster", body)
    h["authorization"] = h["authorization"].split(", Signature=")[0]
    expect_auth_error(send(url, h, body), "IncompleteSignatureException",
                      "Authorization header requires 'Signature' parameter.")
    expect_auth_error(call(server, "CreateCluster", {"clusterName": name}, key="AKIDNOSUCHKEY"),
                      "UnrecognizedClientException", "The security token included in the request is invalid.")
    expect_auth_error(call(server, "CreateCluster", {"clusterName": name}, secret="wrong"),
                      "InvalidSignatureException", "The request signature we calculated does not match")
    url, h = sign(server, "CreateCluster", body)
    expect_auth_error(send(url, h, body.replace(b"}", b" }")), "InvalidSignatureException")
    msg = expect_auth_error(call(server, "CreateCluster", {"clusterName": name},
                                 when=now - datetime.timedelta(minutes=20)), "InvalidSignatureException")
    assert msg.startswith("Signature expired: ") and "is now earlier than" in msg, msg
    msg = expect_auth_error(call(server, "CreateCluster", {"clusterName": name},
                                 when=now + datetime.timedelta(minutes=20)), "InvalidSignatureException")
    assert msg.startswith("Signature not yet current: "), msg
    expect_auth_error(call(server, "CreateCluster", {"clusterName": name}, service="ec2"),
                      "InvalidSignatureException", "Credential should be scoped to correct service: 'ecs'. ")
    # any well-formed region is served unless --regions says otherwise (test_arns_regions.py)
    expect_auth_error(call(server, "CreateCluster", {"clusterName": name}, region="EU_West"),
                      "InvalidSignatureException", "Credential should be scoped to a valid region, not 'EU_West'. ")
    harness_error = expect_error(lambda: server.client(key=("AKIDNOSUCHKEY", "x")).list_clusters(),
                                 "UnrecognizedClientException")
    assert harness_error["ResponseMetadata"]["HTTPStatusCode"] == 400
    # nothing above created the cluster
    r = ecs.describe_clusters(clusters=[name])
    assert r["clusters"] == [] and r["failures"][0]["reason"] == "MISSING", r


def test_presigned_request_works_then_expires(server):
    name = unique("presigned")
    st, doc = call(server, "CreateCluster", {"clusterName": name}, presign_expires=60)
    assert st == 200 and doc["cluster"]["clusterName"] == name, (st, doc)
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=120)
    st, doc = call(server, "ListClusters", {}, presign_expires=60, when=old)
    assert st == 400 and doc["__type"] in ("InvalidSignatureException", "AccessDeniedException"), (st, doc)
    assert "expired" in doc["message"].lower(), doc


def test_accounts_are_isolated(server):
    one, two = server.client(), server.client(key=(KEY_ID2, SECRET2))
    name = unique("iso")
    one.create_cluster(clusterName=name)
    arn1 = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{name}"
    assert arn1 not in two.list_clusters()["clusterArns"]
    r = two.describe_clusters(clusters=[name, arn1])
    assert r["clusters"] == [] and [f["reason"] for f in r["failures"]] == ["MISSING", "MISSING"], r
    expect_error(lambda: two.delete_cluster(cluster=arn1), "ClusterNotFoundException")
    # the same name in the other account is another cluster, with its account in its ARN
    c2 = two.create_cluster(clusterName=name)["cluster"]
    assert c2["clusterArn"] == f"arn:aws:ecs:{REGION}:{ACCOUNT2}:cluster/{name}"
    family = unique("fam")
    one.register_task_definition(family=family, containerDefinitions=[
        {"name": "a", "image": "busybox", "memory": 32}])
    expect_error(lambda: two.describe_task_definition(taskDefinition=family), "ClientException")
    assert family not in two.list_task_definition_families()["families"]
    # a container instance and a task of account one are not found by account two
    inst = one.register_container_instance(cluster=name, totalResources=[
        {"name": "CPU", "type": "INTEGER", "integerValue": 1024},
        {"name": "MEMORY", "type": "INTEGER", "integerValue": 1024}])["containerInstance"]["containerInstanceArn"]
    task = one.run_task(cluster=name, taskDefinition=family)["tasks"][0]["taskArn"]
    r = two.describe_container_instances(cluster=name, containerInstances=[inst])
    assert r["containerInstances"] == [] and r["failures"][0]["reason"] == "MISSING", r
    assert two.list_container_instances(cluster=name)["containerInstanceArns"] == []
    r = two.describe_tasks(cluster=name, tasks=[task])
    assert r["tasks"] == [] and r["failures"][0]["reason"] == "MISSING", r
    expect_error(lambda: two.stop_task(cluster=name, task=task), "InvalidParameterException",
                 "The referenced task was not found.")
    expect_error(lambda: two.run_task(cluster=name, taskDefinition=family), "ClientException")
    assert two.list_tasks(cluster=name)["taskArns"] == []
    # and account one still has all of it, untouched
    assert one.describe_tasks(cluster=name, tasks=[task])["tasks"][0]["desiredStatus"] == "RUNNING"
    assert one.describe_clusters(clusters=[name])["clusters"][0]["registeredContainerInstancesCount"] == 1


def test_credentials_reread_on_sighup(_server):
    with harness.own_server() as s:
        extra = ("AKIDLATEKEY", "late-secret")
        expect_error(lambda: s.client(key=extra).list_clusters(), "UnrecognizedClientException")
        with open(s.creds_path, "a") as f:
            f.write(f"{extra[0]} {extra[1]} {ACCOUNT}\n")
        s.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while True:
            try:
                s.client(key=extra).list_clusters()
                break
            except Exception:
                assert time.time() < deadline, "the new key was not accepted after SIGHUP"
                time.sleep(0.1)
        # a broken file keeps the keys in force
        with open(s.creds_path, "a") as f:
            f.write("not a credential line\n")
        s.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        s.client(key=extra).list_clusters()
        s.client().list_clusters()


def test_refuses_to_start_without_credentials(_server):
    import tempfile
    d = tempfile.mkdtemp(prefix="ecsd-noauth-")
    p = subprocess.run([harness.BIN, "server", "--listen", f"127.0.0.1:{harness.free_port()}", "--data-dir", d],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "--insecure-no-auth" in p.stderr, (p.returncode, p.stderr)


def test_insecure_mode_serves_the_default_account(_server):
    with harness.own_server(auth=False) as s:
        st, _, doc = s.raw(b'{"clusterName": "open"}', target="CreateCluster", sign=False)
        assert st == 200 and doc["cluster"]["clusterArn"] == f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/open"


def test_tls_round_trip_with_boto3_and_the_cli(_server):
    import tempfile
    d = tempfile.mkdtemp(prefix="ecsd-tls-")
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    with harness.own_server(extra_args=["--tls-cert", cert, "--tls-key", key], tls_ca=cert) as s:
        ecs = s.client(verify=cert)
        assert ecs.create_cluster(clusterName="tls")["cluster"]["clusterName"] == "tls"
        out = s.cli("list-clusters", ca_bundle=cert)
        assert f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/tls" in out["clusterArns"]


def test_host_volume_paths_confined_when_asked(_server):
    with harness.own_server(extra_args=["--allowed-volume-prefixes", "/srv/data:/var/lib/app/"]) as s:
        ecs = s.client()

        def register(path):
            return ecs.register_task_definition(family="vol", containerDefinitions=[
                {"name": "a", "image": "busybox", "memory": 32,
                 "mountPoints": [{"sourceVolume": "v", "containerPath": "/v"}]}],
                volumes=[{"name": "v", "host": {"sourcePath": path}}])

        for ok in ("/srv/data", "/srv/data/x", "/var/lib/app/cache"):
            assert register(ok)["taskDefinition"]["volumes"][0]["host"]["sourcePath"] == ok
        for bad in ("/etc", "/srv/database", "/srv/data/../../etc", "/", "/var/lib"):
            expect_error(lambda: register(bad), "ClientException", "is not in a folder this server allows")
        # an empty sourcePath (an agent-managed folder) is always fine
        assert register("")["taskDefinition"]["revision"] == 4
