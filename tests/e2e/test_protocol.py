"""The AWS JSON 1.1 wire protocol with raw HTTP (issue 2; ecs-behavior.md §0.3, §1,
Appendix G 1-6): every answer carries x-amzn-RequestId; faults of the request
(target, JSON, content type, size, encoding, member types) are clear 4xx
answers with __type and message; newer parameters are refused unless they
carry ECS's default; unknown members are ignored; timestamps are numbers with
at most 3 decimals; and the server keeps serving after all of it.
"""
import http.client
import re
import socket
import time

import harness
from harness import ACCOUNT, REGION, expect_error

PREFIX = "AmazonEC2ContainerServiceV20141113."
JSON11 = "application/x-amz-json-1.1"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def request_id(headers):
    rid = {k.lower(): v for k, v in headers.items()}.get("x-amzn-requestid")
    assert rid and UUID.match(rid), f"no x-amzn-RequestId UUID in {headers}"
    return rid


def expect_fault(server, body, code, status=400, text=None, **kw):
    """Sends a raw request; asserts status, a JSON error of type code (and
    message text), and a request id. Returns the message."""
    st, hdrs, doc = server.raw(body, **kw)
    assert st == status, f"expected HTTP {status}, got {st}: {doc!r}"
    assert isinstance(doc, dict) and doc.get("__type") == code, f"expected {code}, got {doc!r}"
    assert isinstance(doc.get("message"), str), doc
    if text is not None:
        assert text in doc["message"], f"expected {text!r} in {doc['message']!r}"
    request_id(hdrs)
    return doc["message"]


def raw_text(server, target, body):
    """POST with http.client; returns (status, headers, body text) without
    parsing, so the exact number formats can be checked."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        data = body if isinstance(body, bytes) else body.encode()
        headers = harness.sign_headers(server.endpoint + "/", "POST",
                                       {"Content-Type": JSON11, "X-Amz-Target": PREFIX + target}, data)
        conn.request("POST", "/", body=data, headers=headers)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode()
    finally:
        conn.close()


def still_serving(server):
    st, hdrs, doc = server.raw("{}", target="ListClusters")
    assert st == 200 and isinstance(doc.get("clusterArns"), list), (st, doc)
    request_id(hdrs)


def test_success_has_request_id_and_json(server):
    st, hdrs, doc = server.raw("{}", target="ListClusters")
    assert st == 200 and isinstance(doc.get("clusterArns"), list), (st, doc)
    assert {k.lower(): v for k, v in hdrs.items()}["content-type"].startswith(JSON11)
    ids = {request_id(server.raw("{}", target="ListClusters")[1]) for _ in range(5)}
    assert len(ids) == 5, "request ids must differ"
    st, hdrs, doc = server.raw(b"", target="ListClusters")  # an empty body means {}
    assert st == 200 and "clusterArns" in doc
    st, hdrs, doc = server.raw("{}", target="ListClusters", headers={"Content-Type": "application/json"})
    assert st == 200, doc
    r = server.client().list_clusters()
    assert UUID.match(r["ResponseMetadata"]["RequestId"])


def test_unknown_and_missing_target(server):
    for target in ("NoSuchOperation", "listclusters", "ListClusters2", ""):
        expect_fault(server, "{}", "UnknownOperationException", target=target)
    expect_fault(server, "{}", "UnknownOperationException", headers={"X-Amz-Target": None})
    expect_fault(server, "{}", "UnknownOperationException", headers={"X-Amz-Target": "DynamoDB_20120810.ListTables"})
    st, hdrs, doc = server.raw("{}", path="/other")
    assert 400 <= st < 500 and doc.get("__type") and "message" in doc, (st, doc)
    request_id(hdrs)
    st, hdrs, doc = server.raw(None, method="GET", headers={"Content-Type": None})
    assert 400 <= st < 500 and doc.get("__type"), (st, doc)
    request_id(hdrs)
    still_serving(server)


def test_bad_bodies(server):
    cases = [
        (b'{"clusterName": "bad-json"', "malformed"), (b'{"clusterName": "bad-json",}', "trailing comma"),
        (b'{"clusterName": "bad-json", "clusterName": "bad-json2"}', "duplicate member"),
        (b'{"clusterName": "bad-json"} {}', "two documents"), (b"null", "null"), (b"{", "truncated"),
        (b"[]", "array"), (b'"text"', "string"), (b"42", "number"),
        (b'{"clusterName": "bad-json", "x": "\xff\xfe"}', "invalid UTF-8"),
        (b"\xef\xbb\xbf{}", "byte order mark"), (b"\x00\x01\x02", "binary"),
        (b'{"x": ' + b"[" * 100000 + b"]" * 100000 + b"}", "nested 100000 deep"),
        (b'{"maxResults": 99999999999999999999999}', "integer overflow"), (b'{"maxResults": 1e400}', "real overflow"),
        (b'{"clusterName": "bad-json\\u0000x"}', "NUL character"),
    ]
    for body, why in cases:
        for target in ("ListClusters", "CreateCluster"):
            try:
                expect_fault(server, body, "SerializationException", target=target)
            except AssertionError as e:
                raise AssertionError(f"{why}: {e}") from None
    r = server.client().describe_clusters(clusters=["bad-json", "bad-json2"])
    assert r["clusters"] == [] and len(r["failures"]) == 2, "a refused request created a cluster"
    still_serving(server)


def test_wrong_content_type(server):
    for ct in ("text/plain", "application/xml", "application/x-amz-json-1.0x", "", None):
        msg = expect_fault(server, '{"clusterName": "ct"}', "SerializationException", target="CreateCluster",
                           headers={"Content-Type": ct})
        assert "Content-Type" in msg, msg
    st, _, doc = server.raw('{"clusterName": "ct"}', target="CreateCluster",
                            headers={"Content-Type": "application/x-amz-json-1.1; charset=utf-8"})
    assert st == 200 and doc["cluster"]["clusterName"] == "ct", doc


def test_body_over_256_kib(server):
    big = b'{"clusterName": "' + b"x" * (256 * 1024) + b'"}'
    st, hdrs, doc = server.raw(big, target="CreateCluster")
    assert st in (400, 413), st
    assert isinstance(doc, dict) and doc.get("__type") and doc.get("message"), doc
    request_id(hdrs)
    # The same without Content-Length (chunked): still refused, still answered.
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.putrequest("POST", "/")
        for k, v in (("Content-Type", JSON11), ("X-Amz-Target", PREFIX + "CreateCluster"),
                     ("Transfer-Encoding", "chunked")):
            conn.putheader(k, v)
        conn.endheaders()
        for _ in range(40):
            chunk = b"x" * 8192
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.send(b"0\r\n\r\n")
        r = conn.getresponse()
        assert r.status in (400, 413), r.status
        assert r.getheader("x-amzn-RequestId") and b"__type" in r.read()
    finally:
        conn.close()
    ok = b'{"clusterName": "' + b"y" * 200 + b'"' + b" " * (200 * 1024) + b"}"
    st, _, doc = server.raw(ok, target="CreateCluster")  # 200 KiB is under the limit
    assert st == 200 and doc["cluster"]["clusterName"] == "y" * 200, (st, doc)
    still_serving(server)


def test_member_types(server):
    cases = [
        ("ListClusters", '{"maxResults": "5"}', "maxResults"),
        ("ListClusters", '{"maxResults": 5.5}', "maxResults"),
        ("ListClusters", '{"maxResults": 4294967296}', "maxResults"),
        ("ListClusters", '{"nextToken": 5}', "nextToken"),
        ("CreateCluster", '{"clusterName": ["a"]}', "clusterName"),
        ("DescribeClusters", '{"clusters": "a"}', "clusters"),
        ("DescribeClusters", '{"clusters": [1]}', "clusters[0]"),
        ("RegisterTaskDefinition", '{"family": "f", "containerDefinitions": [{"name": "a", "image": "b", '
                                   '"memory": "64"}]}', "containerDefinitions[0].memory"),
        ("RegisterTaskDefinition", '{"family": "f", "containerDefinitions": [{"name": "a", "image": "b", '
                                   '"memory": 64, "essential": "yes"}]}', "containerDefinitions[0].essential"),
        ("RegisterTaskDefinition", '{"family": "f", "containerDefinitions": {}}', "containerDefinitions"),
    ]
    for target, body, field in cases:
        msg = expect_fault(server, body, "SerializationException", target=target)
        assert f"'{field}'" in msg, f"{target} {body}: message {msg!r} does not name {field}"
    msg = expect_fault(server, '{"family": "f"}', "InvalidParameterException", target="RegisterTaskDefinition")
    assert "containerDefinitions" in msg, msg
    msg = expect_fault(server, "{}", "InvalidParameterException", target="DeleteCluster")
    assert "cluster" in msg, msg
    assert server.client().list_task_definition_families(familyPrefix="f")["families"] == []
    still_serving(server)


def test_newer_parameters_checked_by_the_model(server):
    # Every member of today's model passes the generic check; its types,
    # enums and required members are checked as the old ones are, and a
    # rejected request changes nothing.
    faults = [
        ("CreateCluster", '{"clusterName": "new1", "tags": [{"key": 5}]}', "SerializationException",
         "tags[0].key"),
        ("CreateCluster", '{"clusterName": "new1", "settings": [{"name": "nope", "value": "enabled"}]}',
         "InvalidParameterException", "settings[0].name"),
        ("RegisterTaskDefinition", '{"family": "new1", "networkMode": "carrier-pigeon", "containerDefinitions": '
                                   '[{"name": "a", "image": "b", "memory": 64}]}', "InvalidParameterException",
         "networkMode"),
        ("RegisterTaskDefinition", '{"family": "new1", "containerDefinitions": [{"name": "a", "image": "b", '
                                   '"memory": 64, "hostname": 7}]}', "SerializationException",
         "containerDefinitions[0].hostname"),
        ("DescribeClusters", '{"include": ["EVERYTHING"]}', "InvalidParameterException", "include[0]"),
        ("RunTask", '{"cluster": "new1", "taskDefinition": "new1", "launchType": "SPACESHIP"}',
         "InvalidParameterException", "launchType"),
    ]
    for target, body, exc, field in faults:
        msg = expect_fault(server, body, exc, target=target)
        assert field in msg, f"{body}: {msg!r} does not name {field}"
    ecs = server.client()
    assert ecs.describe_clusters(clusters=["new1"])["failures"][0]["reason"] == "MISSING"
    assert ecs.list_task_definition_families(familyPrefix="new1")["families"] == []


def test_unknown_members_ignored(server):
    st, _, doc = server.raw('{"clusterName": "unk", "fooBar": 1, "nested": {"x": [1, 2]}}', target="CreateCluster")
    assert st == 200 and doc["cluster"]["clusterArn"] == f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/unk", doc
    st, _, doc = server.raw('{"family": "unk", "whatever": true, "containerDefinitions": [{"name": "a", '
                            '"image": "b", "memory": 64, "notAMember": "x"}]}', target="RegisterTaskDefinition")
    assert st == 200 and "notAMember" not in doc["taskDefinition"]["containerDefinitions"][0], doc
    st, _, doc = server.raw('{"clusterName": null}', target="CreateCluster")  # null = absent = default
    assert st == 200 and doc["cluster"]["clusterName"] == "default", doc


SEED_OPERATIONS = [
    "CreateCluster", "DeleteCluster", "DescribeClusters", "ListClusters", "RegisterTaskDefinition",
    "DeregisterTaskDefinition", "DescribeTaskDefinition", "ListTaskDefinitions", "ListTaskDefinitionFamilies",
    "RegisterContainerInstance", "DeregisterContainerInstance", "DescribeContainerInstances",
    "ListContainerInstances", "RunTask", "StartTask", "StopTask", "DescribeTasks", "ListTasks", "CreateService",
    "UpdateService", "DeleteService", "DescribeServices", "ListServices", "DiscoverPollEndpoint",
    "SubmitContainerStateChange", "SubmitTaskStateChange"]


def test_every_seed_operation_is_served(server):
    """All 26 operations of the 2015 API reach their handler: an empty request
    is answered 200 or with the operation's own validation error, never with
    UnknownOperationException or a 5xx."""
    assert len(SEED_OPERATIONS) == 26
    for op in SEED_OPERATIONS:
        st, hdrs, doc = server.raw("{}", target=op)
        request_id(hdrs)
        assert st in (200, 400), (op, st, doc)
        if st == 400:
            assert doc["__type"] not in ("UnknownOperationException", "UnsupportedFeatureException"), (op, doc)
            assert doc["message"], (op, doc)
    still_serving(server)


def test_timestamps_are_numbers_with_milliseconds(server):
    before = time.time()
    body = '{"family": "ts", "containerDefinitions": [{"name": "a", "image": "b", "memory": 64}]}'
    st, hdrs, text = raw_text(server, "RegisterTaskDefinition", body)
    assert st == 200, text
    request_id(hdrs)
    m = re.search(r'"registeredAt":\s*(-?[0-9.eE+]+)[,}]', text)
    assert m and re.fullmatch(r"\d+(\.\d{1,3})?", m.group(1)), f"registeredAt is not epoch seconds: {text}"
    assert before - 5 <= float(m.group(1)) <= time.time() + 5
    st, _, text = raw_text(server, "DeregisterTaskDefinition", '{"taskDefinition": "ts:1"}')
    m2 = re.search(r'"deregisteredAt":\s*([^,}]+)[,}]', text)
    assert st == 200 and m2 and re.fullmatch(r"\d+(\.\d{1,3})?", m2.group(1)), text
    assert float(m2.group(1)) >= float(m.group(1))
    got = server.client().describe_task_definition(taskDefinition="ts:1")["taskDefinition"]
    assert abs(got["registeredAt"].timestamp() - float(m.group(1))) < 0.002
    out = server.cli("describe-task-definition", "--task-definition", "ts:1")["taskDefinition"]
    assert isinstance(out["registeredAt"], (int, float)), out  # the CLI shows the raw number


def test_healthz_and_keeps_serving(server):
    for _ in range(3):
        st, hdrs, body = server.raw(None, method="GET", path="/healthz", headers={"Content-Type": None,
                                                                                  "X-Amz-Target": None})
        assert st == 200, (st, body)
    # A client that hangs up half-way through a request does not hurt.
    for payload in (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{", b"GARBAGE\r\n\r\n", b""):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        s.sendall(payload)
        s.close()
    ecs = server.client()
    assert ecs.create_cluster(clusterName="alive")["cluster"]["status"] == "ACTIVE"
    assert f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/alive" in ecs.list_clusters()["clusterArns"]
    assert server.proc.poll() is None, "the server died"
