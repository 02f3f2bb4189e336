"""Hostile input, end to end (issue 6, point 4): a real server (under ASan in
`make check`) gets oversized bodies, deep JSON, invalid UTF-8 and NULs in
bodies and headers, huge numbers, very long strings and lists, slow clients
and many connections from one address.

Every bad request must get a 4xx with a JSON __type and message (never a
5xx, never a hang), and change nothing; the server must keep serving other
clients meanwhile and, at the end, exit cleanly (the runner and own_server
check exit 0, which under ASan also means no leak).

Only faults of the HTTP framing itself (a Content-Length that is not a
number, a broken chunk, a header block over libmicrohttpd's memory limit)
are answered by libmicrohttpd before ecsd sees the request: those get
libmicrohttpd's own 4xx page (HTML, not JSON) and the connection is closed;
they are checked for a 4xx, a closed connection and a server that goes on.
"""
import datetime
import hashlib
import hmac
import json
import socket
import threading
import time

import harness
from harness import KEY_ID, REGION, SECRET, unique

PREFIX = "AmazonEC2ContainerServiceV20141113."
JSON11 = "application/x-amz-json-1.1"
LIMIT = 256 * 1024  # HTTP_MAX_BODY
DEADLINE = 15  # seconds any single answer may take (under ASan); more is a hang


# ---- raw HTTP with SigV4 over exact bytes -------------------------------

def sign_raw(port, target, body, content_type=JSON11.encode(), extra=()):
    """A whole HTTP/1.1 request (bytes), signed with SigV4 over the exact bytes
    sent: header values may hold any byte (botocore signs text, so it cannot
    make these). target/content_type None leave the header out; extra is
    [(name, value)] of unsigned headers."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ").encode(), now.strftime("%Y%m%d")
    hdrs = {b"host": f"127.0.0.1:{port}".encode(), b"x-amz-date": amz_date}
    if content_type is not None:
        hdrs[b"content-type"] = content_type
    if target is not None:
        hdrs[b"x-amz-target"] = target if isinstance(target, bytes) else (PREFIX + target).encode()
    names = sorted(hdrs)
    canonical = b"\n".join([b"POST", b"/", b"", b"".join(n + b":" + hdrs[n].strip() + b"\n" for n in names),
                            b";".join(names), hashlib.sha256(body).hexdigest().encode()])
    scope = f"{day}/{REGION}/ecs/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date.decode(), scope, hashlib.sha256(canonical).hexdigest()])
    k = ("AWS4" + SECRET).encode()
    for part in (day, REGION, "ecs", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    hdrs[b"authorization"] = (f"AWS4-HMAC-SHA256 Credential={KEY_ID}/{scope}, SignedHeaders="
                              f"{';'.join(n.decode() for n in names)}, Signature={sig}").encode()
    head = b"POST / HTTP/1.1\r\n" + b"".join(n + b": " + v + b"\r\n" for n, v in hdrs.items())
    head += b"".join(n + b": " + v + b"\r\n" for n, v in extra)
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_response(sock):
    """(status, headers {lower name: value}, body bytes) of one response, or
    None when the server closes the connection without one."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            return None
        buf += chunk
    head, body = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    n = int(headers.get("content-length", "0"))
    while len(body) < n:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            break
        body += chunk
    return status, headers, body[:n]


def exchange(port, data, timeout=DEADLINE, source=None):
    """Sends raw bytes on a new connection; returns (status, headers, body,
    seconds) or None for no answer. A hang fails the test."""
    t0 = time.time()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                  source_address=(source, 0) if source else None) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading it all
        try:
            r = read_response(s)
        except socket.timeout:
            raise AssertionError(f"no answer within {timeout}s to {data[:120]!r}") from None
    return None if r is None else (*r, time.time() - t0)


def refused(r, code=None, text=None, what=""):
    """Asserts a 4xx JSON error answer (with this __type / message text);
    returns the message."""
    assert r is not None, f"{what}: the server closed the connection without an answer"
    status, headers, body, secs = r
    assert 400 <= status < 500, f"{what}: HTTP {status}: {body[:300]!r}"
    assert secs < DEADLINE, f"{what}: answered after {secs:.1f}s"
    try:
        doc = json.loads(body)
    except ValueError:
        raise AssertionError(f"{what}: HTTP {status} without a JSON body: {body[:300]!r}") from None
    assert isinstance(doc, dict) and isinstance(doc.get("__type"), str) and doc["__type"], f"{what}: {doc!r}"
    assert isinstance(doc.get("message"), str) and doc["message"], f"{what}: no message in {doc!r}"
    assert doc["__type"] != "ServerException", f"{what}: {doc!r}"
    assert headers.get("x-amzn-requestid"), f"{what}: no request id"
    if code is not None:
        assert doc["__type"] == code, f"{what}: expected {code}, got {doc!r}"
    if text is not None:
        assert text in doc["message"], f"{what}: expected {text!r} in {doc['message']!r}"
    return doc["message"]


def post(server, target, body, **kw):
    return exchange(server.port, sign_raw(server.port, target, body, **kw))


def ok(r, what=""):
    assert r is not None and r[0] == 200, f"{what}: {r and (r[0], r[2][:300])}"
    return json.loads(r[2])


def state(server):
    """What a refused request must not change: clusters and task definition families."""
    ecs = server.client()
    return (sorted(ecs.list_clusters(maxResults=100)["clusterArns"]),
            sorted(ecs.list_task_definition_families(maxResults=100)["families"]))


def still_serving(server):
    assert server.proc.poll() is None, "the server died"
    assert isinstance(server.client().list_clusters()["clusterArns"], list)


# ---- bodies --------------------------------------------------------------

def test_oversized_bodies(server):
    before = state(server)
    name = unique("edge")  # accepted below, so not "hostile-"
    # One byte over the limit, with Content-Length: refused before it is read.
    body = json.dumps({"clusterName": name}).encode()
    over = body[:-1] + b" " * (LIMIT + 1 - len(body)) + b"}"
    assert len(over) == LIMIT + 1
    refused(post(server, "CreateCluster", over), "SerializationException", "262144", "limit + 1")
    # A Content-Length of 10 GB and no body: answered at once, not waited for.
    head = sign_raw(server.port, "CreateCluster", body).split(b"Content-Length:")[0]
    r = exchange(server.port, head + b"Content-Length: 10000000000\r\n\r\n")
    refused(r, "SerializationException", what="Content-Length 10 GB")
    assert r[3] < 5, f"a declared 10 GB body took {r[3]:.1f}s to refuse"
    # 4 MiB in chunks without Content-Length: read and dropped, then refused.
    with socket.create_connection(("127.0.0.1", server.port), timeout=DEADLINE) as s:
        t0 = time.time()
        s.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        try:
            for _ in range(64):
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        refused((*read_response(s), time.time() - t0), "SerializationException", what="chunked 4 MiB")
    # Exactly the limit is accepted.
    exact = body[:-1] + b" " * (LIMIT - len(body)) + b"}"
    assert len(exact) == LIMIT
    assert ok(post(server, "CreateCluster", exact), "exactly 256 KiB")["cluster"]["clusterName"] == name
    server.client().delete_cluster(cluster=name)
    after = state(server)
    assert ([c for c in after[0] if not c.endswith("/" + name)], after[1]) == before, (before, after)
    still_serving(server)


def test_deep_json(server):
    before = state(server)
    n = 10000
    cases = {
        "array 10,000 deep": b"[" * n + b"]" * n,
        "object 10,000 deep": b'{"a":' * n + b"1" + b"}" * n,
        "member array 10,000 deep": b'{"clusterName": "hostile-deep", "x": ' + b"[" * n + b"]" * n + b"}",
        "member object 10,000 deep": b'{"clusterName": "hostile-deep", "x": ' + b'{"a":' * n + b"1" + b"}" * n + b"}",
        "mixed 10,000 deep": b'{"clusters": ' + b'[{"a":' * (n // 2) + b"0" + b"}]" * (n // 2) + b"}",
        "unclosed 100,000": b'{"clusterName": "hostile-deep", "x": ' + b"[" * 100000,
    }
    for what, body in cases.items():
        for target in ("CreateCluster", "DescribeClusters", "RegisterTaskDefinition"):
            refused(post(server, target, body), "SerializationException", what=f"{target}, {what}")
    # Deep, but within the parser's limit: an ignored member is ignored, a
    # typed one is a type fault naming the path; nothing breaks either way.
    d = 1000
    r = post(server, "ListClusters", b'{"unknownMember": ' + b"[" * d + b"]" * d + b"}")
    assert isinstance(ok(r, "ignored deep member")["clusterArns"], list)
    refused(post(server, "DescribeClusters", b'{"clusters": ' + b"[" * d + b"]" * d + b"}"),
            "SerializationException", "'clusters[0]'", "1000-deep list of lists")
    refused(post(server, "RegisterTaskDefinition", b'{"family": "hostile-deep", "containerDefinitions": [{"name": '
                 b'"a", "image": "b", "memory": 64, "environment": ' + b"[" * d + b"]" * d + b"}]}"),
            "SerializationException", "containerDefinitions[0].environment[0]", "deep environment")
    assert state(server) == before
    still_serving(server)


def test_invalid_utf8_in_bodies(server):
    before = state(server)
    bad_strings = {
        "a lone 0xff": b"\xff", "a lone continuation byte": b"\x80", "truncated at the end": b"ab\xc3",
        "a bad continuation": b"\xc3\x28", "an overlong '/' (2 bytes)": b"\xc0\xaf",
        "an overlong '/' (3 bytes)": b"\xe0\x80\xaf", "an overlong NUL": b"\xc0\x80",
        "a raw UTF-16 surrogate (CESU-8)": b"\xed\xa0\x80", "above U+10FFFF": b"\xf4\x90\x80\x80",
        "a 0xf5 lead byte": b"\xf5\x80\x80\x80", "Latin-1 text": b"caf\xe9",
    }
    bad_escapes = {"a lone high surrogate": b"\\ud800", "a lone low surrogate": b"\\udc00",
                   "a reversed pair": b"\\udc00\\ud800", "a high surrogate then a letter": b"\\ud800\\u0041",
                   "a high surrogate at the end": b"x\\ud83d"}
    for what, raw in list(bad_strings.items()) + list(bad_escapes.items()):
        name = b"hostile-utf8-" + raw
        bodies = {
            "clusterName": b'{"clusterName": "' + name + b'"}',
            "an unknown member's value": b'{"clusterName": "hostile-utf8", "x": "' + raw + b'"}',
            "a key": b'{"clusterName": "hostile-utf8", "' + raw + b'": 1}',
            "a nested key": b'{"clusterName": "hostile-utf8", "x": {"' + raw + b'": [1]}}',
        }
        for where, body in bodies.items():
            refused(post(server, "CreateCluster", body), "SerializationException",
                    what=f"{what} in {where}")
        body = (b'{"family": "hostile-utf8", "containerDefinitions": [{"name": "a", "image": "b", "memory": 64, '
                b'"environment": [{"name": "E", "value": "' + raw + b'"}]}]}')
        refused(post(server, "RegisterTaskDefinition", body), "SerializationException",
                what=f"{what} in an environment value")
    # A member path of multi-byte characters, cut to fit in the message: the
    # message stays valid UTF-8 (it is JSON) and names the member.
    body = json.dumps({"family": "hostile-utf8", "containerDefinitions": [
        {"name": "a", "image": "b", "memory": 64, "dockerLabels": {"\u00e9" * 110: 1}}]}).encode()
    refused(post(server, "RegisterTaskDefinition", body), "SerializationException",
            "'containerDefinitions[0].dockerLabels.\u00e9\u00e9", "a long multi-byte member path")
    # Valid UTF-8 that is not a valid name: the handler's rule, by name.
    for raw in (b"\\ud83d\\ude00", "\u00e9t\u00e9".encode(), b"\xf0\x9f\x98\x80"):
        msg = refused(post(server, "CreateCluster", b'{"clusterName": "hostile-' + raw + b'"}'),
                      "InvalidParameterException", what=f"cluster name {raw!r}")
        assert "cluster name" in msg.lower(), msg
    assert state(server) == before
    still_serving(server)


def test_invalid_utf8_and_nul_in_headers(server):
    """Header bytes are quoted back in some messages (an unknown target, a
    bad Content-Type, a bad algorithm): the answer must still be JSON."""
    before = state(server)
    body = b'{"clusterName": "hostile-header"}'
    for raw in (b"\xff", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"caf\xe9"):
        msg = refused(post(server, PREFIX.encode() + b"CreateCluster" + raw, body), "UnknownOperationException",
                      what=f"X-Amz-Target with {raw!r}")
        assert "CreateCluster" in msg, msg
        msg = refused(post(server, "CreateCluster", body, content_type=b"text/" + raw), "SerializationException",
                      what=f"Content-Type with {raw!r}")
        assert "Content-Type" in msg, msg
        # An Authorization header that is not even parsed: no signature check is reached.
        req = sign_raw(server.port, "CreateCluster", body)
        req = req.replace(b"authorization: AWS4-HMAC-SHA256", b"authorization: AWS4-HMAC-SHA256" + raw)
        refused(exchange(server.port, req), "IncompleteSignatureException", "algorithm",
                what=f"Authorization with {raw!r}")
        req = sign_raw(server.port, "CreateCluster", body).replace(b"Credential=", b"Credential=" + raw)
        refused(exchange(server.port, req), what=f"Credential with {raw!r}")
    # A NUL inside a header value: the target must not be read as cut short
    # at the NUL (the request is refused one way or another).
    refused(post(server, PREFIX.encode() + b"CreateCluster\x00x", body), what="NUL in X-Amz-Target")
    # Unsigned headers are not looked at, whatever their bytes.
    ok(post(server, "ListClusters", b"{}", extra=[(b"X-Junk", b"a\x00b\xff")]), "NUL in an unsigned header")
    # More headers than the server looks at (64).
    many = [(b"X-H%d" % i, b"v") for i in range(80)]
    refused(post(server, "CreateCluster", body, extra=many), "IncompleteSignatureException", "headers",
            "80 headers")
    assert state(server) == before
    still_serving(server)


def test_nul_in_bodies(server):
    before = state(server)
    cases = {
        "an escaped NUL in a value": b'{"clusterName": "hostile-nul\\u0000x"}',
        "an escaped NUL in a key": b'{"cluster\\u0000Name": "hostile-nul"}',
        "a raw NUL in a value": b'{"clusterName": "hostile-nul\x00x"}',
        "a raw NUL in a key": b'{"cluster\x00Name": "hostile-nul"}',
        "a NUL after the document": b'{"clusterName": "hostile-nul"}\x00',
        "a NUL before the document": b'\x00{"clusterName": "hostile-nul"}',
        "raw control characters": b'{"clusterName": "hostile-nul\x01\x1f"}',
    }
    for what, body in cases.items():
        refused(post(server, "CreateCluster", body), "SerializationException", what=what)
    body = (b'{"family": "hostile-nul", "containerDefinitions": [{"name": "a", "image": "b\\u0000", '
            b'"memory": 64}]}')
    refused(post(server, "RegisterTaskDefinition", body), "SerializationException", what="NUL in an image")
    assert state(server) == before
    still_serving(server)


def test_numbers_where_integers_belong(server):
    before = state(server)
    cases = [
        ("ListClusters", '{"maxResults": %s}', "maxResults"),
        ("RunTask", '{"cluster": "hostile-num", "taskDefinition": "hostile-num", "count": %s}', "count"),
        ("RegisterTaskDefinition", '{"family": "hostile-num", "containerDefinitions": [{"name": "a", "image": "b", '
                                   '"memory": %s}]}', "containerDefinitions[0].memory"),
        ("RegisterTaskDefinition", '{"family": "hostile-num", "containerDefinitions": [{"name": "a", "image": "b", '
                                   '"memory": 64, "portMappings": [{"containerPort": %s}]}]}',
         "containerDefinitions[0].portMappings[0].containerPort"),
    ]
    typed = ["1.5", "1.0", "5e0", "-0.0", "1e308", "2147483648", "-2147483649", "4294967296",
             "9007199254740993", "-9223372036854775808", '"5"', "true", "[5]", "{}"]
    unparseable = ["1e400", "-1e400", "9223372036854775808", "99999999999999999999999999999999", "NaN",
                   "Infinity", "-Infinity", "0x10", "010", "1.", ".5", "+1", "1e", "--1"]
    for target, template, field in cases:
        for v in typed:
            refused(post(server, target, (template % v).encode()), "SerializationException", f"'{field}'",
                    f"{target} {field}={v}")
        for v in unparseable:
            refused(post(server, target, (template % v).encode()), "SerializationException",
                    what=f"{target} {field}={v}")
    # Integers of the right type but out of range: the handlers' rules, 4xx.
    for target, body in [
        ("ListClusters", '{"maxResults": 2147483647}'), ("ListClusters", '{"maxResults": -2147483648}'),
        ("RunTask", '{"cluster": "hostile-num", "taskDefinition": "hostile-num", "count": 2147483647}'),
        ("RunTask", '{"cluster": "hostile-num", "taskDefinition": "hostile-num", "count": -1}'),
        ("RegisterTaskDefinition", '{"family": "hostile-num", "containerDefinitions": [{"name": "a", "image": "b", '
                                   '"memory": 2147483647, "cpu": -2147483648}]}'),
        ("RegisterTaskDefinition", '{"family": "hostile-num", "containerDefinitions": [{"name": "a", "image": "b", '
                                   '"memory": 64, "portMappings": [{"containerPort": 2147483647, "hostPort": -1}]}]}'),
    ]:
        refused(post(server, target, body.encode()), what=body)
    assert state(server) == before
    still_serving(server)


def test_very_long_strings(server):
    before = state(server)
    big = "x" * 100_000
    msg = refused(post(server, "CreateCluster", json.dumps({"clusterName": "hostile-" + big}).encode()),
                  "InvalidParameterException", what="100 KB clusterName")
    assert "cluster name" in msg.lower() or "clusterName" in msg, msg
    td = {"family": "hostile-long", "containerDefinitions": [{"name": "a", "image": "b", "memory": 64}]}
    for what, target, req in [
        ("family", "RegisterTaskDefinition", dict(td, family="hostile-" + big)),
        ("container name", "RegisterTaskDefinition", dict(td, containerDefinitions=[
            {"name": big, "image": "b", "memory": 64}])),
        ("image", "RegisterTaskDefinition", dict(td, containerDefinitions=[{"name": "a", "image": big, "memory": 64}])),
        ("environment value", "RegisterTaskDefinition", dict(td, containerDefinitions=[
            {"name": "a", "image": "b", "memory": 64, "environment": [{"name": "E", "value": big}]}])),
        ("a cluster in DescribeClusters", "DescribeClusters", {"clusters": [big]}),
        ("cluster", "ListTasks", {"cluster": big}),
        ("cluster", "ListContainerInstances", {"cluster": big}),
        ("cluster", "DeleteCluster", {"cluster": big}),
        ("taskDefinition", "DescribeTaskDefinition", {"taskDefinition": big}),
        ("taskDefinition", "DeregisterTaskDefinition", {"taskDefinition": big + ":1"}),
        ("startedBy", "RunTask", {"cluster": "default", "taskDefinition": "x", "startedBy": big}),
        ("task", "StopTask", {"task": big}),
        ("tasks", "DescribeTasks", {"tasks": [big]}),
        ("nextToken", "ListClusters", {"nextToken": big}),
        ("familyPrefix", "ListTaskDefinitionFamilies", {"familyPrefix": big}),
        ("instanceIdentityDocument", "RegisterContainerInstance", {"instanceIdentityDocument": big}),
    ]:
        r = post(server, target, json.dumps(req).encode())
        if r is not None and r[0] == 200:  # a name looked up and not found is a 200 with failures
            doc = json.loads(r[2])
            assert doc.get("failures") or doc == {"families": []}, f"{target} {what}: {doc!r}"[:300]
            continue
        msg = refused(r, what=f"100 KB {what} in {target}")
        assert len(msg) < 2048, f"{target} {what}: a {len(msg)}-byte message"
    # A 100 KB key of an unknown member is ignored like any unknown member.
    ok(post(server, "ListClusters", json.dumps({big: 1}).encode()), "100 KB member name")
    assert state(server) == before
    still_serving(server)


def test_long_lists(server):
    before = state(server)
    # 100,000 names do not fit in a request at all.
    r = post(server, "DescribeClusters", json.dumps({"clusters": ["hostile-c"] * 100_000}).encode())
    refused(r, "SerializationException", "262144", "100,000 names")
    # 80,000 empty names fit (240 KB): refused by the list's limit, at once.
    r = post(server, "DescribeClusters", json.dumps({"clusters": [""] * 80_000}, separators=(",", ":")).encode())
    msg = refused(r, "InvalidParameterException", what="80,000 names")
    assert "clusters" in msg and "100" in msg, msg
    r = post(server, "DescribeClusters", b'{"clusters": [' + b",".join([b"0"] * 100_000) + b"]}")
    refused(r, "SerializationException", "'clusters[0]'", "100,000 numbers")
    # The API's limits: 100 names / tasks / instances, 10 instances for StartTask.
    for target, member, n in [("DescribeClusters", "clusters", 101), ("DescribeTasks", "tasks", 101),
                              ("DescribeContainerInstances", "containerInstances", 101),
                              ("StartTask", "containerInstances", 11)]:
        req = {member: [f"hostile-{i}" for i in range(n)]}
        if target != "DescribeClusters":
            req["cluster"] = "default"
        if target == "StartTask":
            req["taskDefinition"] = "hostile"
        refused(post(server, target, json.dumps(req).encode()), what=f"{n} {member} in {target}")
    assert len(ok(post(server, "DescribeClusters", json.dumps(
        {"clusters": [f"hostile-{i}" for i in range(100)]}).encode()))["failures"]) == 100
    # Many members: 12,000 unknown ones are ignored; duplicates are refused.
    body = json.dumps({f"k{i}": i for i in range(12_000)}, separators=(",", ":")).encode()
    assert len(body) < LIMIT
    ok(post(server, "ListClusters", body), "12,000 unknown members")
    dup = b"{" + b",".join([b'"clusterName": "hostile-dup"'] * 5000) + b"}"
    refused(post(server, "CreateCluster", dup), "SerializationException", what="5,000 duplicate members")
    # Many containers / environment variables: a 4xx by the task definition's rules.
    td = {"family": "hostile-many", "containerDefinitions": [
        {"name": f"c{i}", "image": "b", "memory": 4} for i in range(2000)]}
    refused(post(server, "RegisterTaskDefinition", json.dumps(td).encode()), what="2,000 containers")
    assert state(server) == before
    still_serving(server)


def test_malformed_http_framing(server):
    """libmicrohttpd answers these itself (its own HTML page, then it closes):
    a 4xx or a closed connection, and nothing else is hurt."""
    body = b'{"clusterName": "hostile-framing"}'
    head = sign_raw(server.port, "CreateCluster", body).split(b"Content-Length:")[0]
    cases = {
        "Content-Length: abc": head + b"Content-Length: abc\r\n\r\n" + body,
        "Content-Length: -1": head + b"Content-Length: -1\r\n\r\n" + body,
        "Content-Length: 10^23": head + b"Content-Length: 99999999999999999999999\r\n\r\n" + body,
        "a bad chunk size": head + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n" + body + b"\r\n0\r\n\r\n",
        "a 2^72 chunk size": head + b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n" + body + b"\r\n0\r\n\r\n",
        "a 40 KB header": head + b"X-Big: " + b"v" * 40000 + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body,
        "a 40 KB request line": b"POST /" + b"a" * 40000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        "binary garbage": bytes(range(256)) * 4 + b"\r\n\r\n",
    }
    for what, data in cases.items():
        r = exchange(server.port, data, timeout=45)  # closed at the latest after the idle timeout (30 s)
        assert r is None or 400 <= r[0] < 500, f"{what}: {r and (r[0], r[2][:200])}"
    assert server.client().describe_clusters(clusters=["hostile-framing"])["failures"][0]["reason"] == "MISSING"
    still_serving(server)


# ---- clients that hold connections ------------------------------------

def test_slow_clients_are_cut_off_while_others_are_served(_server):
    idle = 2
    with harness.own_server(extra_args=["--idle-timeout", str(idle)]) as s:
        ecs = s.client()
        req = sign_raw(s.port, "CreateCluster", b'{"clusterName": "hostile-slow"}')
        results = {}

        def slow_loris(key, data, pause, then_silent=True):
            """Sends data one byte per `pause` seconds, then nothing; records
            when the server hung up and whether it answered."""
            c = socket.create_connection(("127.0.0.1", s.port), timeout=idle * 6)
            t_last = time.time()
            try:
                for b in data:
                    c.sendall(bytes([b]))
                    t_last = time.time()
                    time.sleep(pause)
                r = read_response(c)
                results[key] = (r, time.time() - t_last, None)
            except (OSError, socket.timeout) as e:
                results[key] = (None, time.time() - t_last, e)
            finally:
                c.close()

        threads = [
            # Headers one byte per second (each byte within the idle timeout), then silence.
            threading.Thread(target=slow_loris, args=("headers", req[:6], 1.0)),
            # Complete headers, half a body, then silence.
            threading.Thread(target=slow_loris, args=("half body", req[:-10], 0.0)),
            # Connects and sends nothing.
            threading.Thread(target=slow_loris, args=("silent", b"", 0.0)),
            # Empty lines only (allowed before a request line), then silence.
            threading.Thread(target=slow_loris, args=("empty lines", b"\r\n\r\n\r\n", 0.0)),
            # Sends a TLS hello to a plain HTTP port, then waits.
            threading.Thread(target=slow_loris, args=("tls hello", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 0.0)),
        ]
        # And forty more trickling clients from the same address.
        threads += [threading.Thread(target=slow_loris, args=(f"crowd{i}", req[:4], 1.0)) for i in range(40)]
        t0 = time.time()
        for t in threads:
            t.start()
        # Meanwhile others are served, promptly.
        n = 0
        while time.time() - t0 < 5:
            t1 = time.time()
            assert isinstance(ecs.list_clusters()["clusterArns"], list)
            assert time.time() - t1 < 2, f"a request took {time.time() - t1:.1f}s while slow clients wait"
            n += 1
        assert n >= 5, n
        for t in threads:
            t.join(idle * 10)
            assert not t.is_alive(), "a slow client was never cut off"
        for key, (r, silent_for, err) in results.items():
            assert r is None, f"{key}: answered {r[0]} to an incomplete request"
            assert idle - 0.5 <= silent_for <= idle + 4, f"{key}: cut off after {silent_for:.1f}s of silence ({err})"
        # The half-sent CreateCluster did nothing; the server is fine.
        assert ecs.describe_clusters(clusters=["hostile-slow"])["failures"][0]["reason"] == "MISSING"
        assert ecs.create_cluster(clusterName="hostile-after-slow")["cluster"]["status"] == "ACTIVE"


def test_many_connections_from_one_address(_server):
    per_ip = 512  # HTTP_MAX_CONNECTIONS_PER_IP
    with harness.own_server() as s:
        ecs = s.client()
        held = []
        try:
            for _ in range(per_ip):
                held.append(socket.create_connection(("127.0.0.1", s.port), timeout=DEADLINE))
            time.sleep(0.5)  # let the server accept them all
            # Past the limit, a connection from the same address is closed unanswered ...
            over = exchange(s.port, sign_raw(s.port, "CreateCluster", b'{"clusterName": "hostile-over"}'))
            assert over is None, f"connection {per_ip + 1} from one address was answered: {over and over[0]}"
            # ... while another address is served.
            r = exchange(s.port, sign_raw(s.port, "ListClusters", b"{}"), source="127.0.0.2")
            assert r is not None and r[0] == 200, r
            # The held connections still work: one of them sends a request.
            held[0].sendall(sign_raw(s.port, "ListClusters", b"{}"))
            r = read_response(held[0])
            assert r is not None and r[0] == 200, r
        finally:
            for c in held:
                c.close()
        # Once they are gone, the address is served again.
        deadline = time.time() + 10
        while True:
            try:
                assert isinstance(ecs.list_clusters()["clusterArns"], list)
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        assert ecs.describe_clusters(clusters=["hostile-over"])["failures"][0]["reason"] == "MISSING"


def test_zz_nothing_was_created_and_the_server_still_serves(server):
    """Runs last (tests run in name order): every refused request above left
    no cluster or family behind; the runner then checks a clean exit."""
    clusters, families = state(server)
    assert not [c for c in clusters if "hostile" in c], clusters
    assert not [f for f in families if "hostile" in f], families
    ecs = server.client()
    assert ecs.create_cluster(clusterName="hostile-final")["cluster"]["status"] == "ACTIVE"
    ecs.delete_cluster(cluster="hostile-final")
    still_serving(server)
