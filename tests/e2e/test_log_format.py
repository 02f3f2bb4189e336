"""Logs of a server (issue 18 point 2): --log-format json writes one JSON
object a line ({"time", "level", "msg"}), and every answered request has a
line with its x-amzn-RequestId, operation, account, HTTP status and
duration; the text format names the request id too."""
import json
import os
import subprocess
import tempfile

from harness import ACCOUNT, own_server, unique


def request_lines(lines):
    return {r["requestId"]: r for r in lines if r.get("msg") == "request"}


def test_json_lines_with_request_ids(_server):
    with own_server(extra_args=["--log-format", "json"]) as s:
        ecs = s.client()
        name = unique("logs")
        ok = ecs.create_cluster(clusterName=name)["ResponseMetadata"]["RequestId"]
        try:
            ecs.describe_services(cluster=unique("none"), services=["x"])
            raise AssertionError("ClusterNotFoundException expected")
        except ecs.exceptions.ClusterNotFoundException as e:
            bad = e.response["ResponseMetadata"]["RequestId"]
        text = s.read_log()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line is JSON
    assert all({"time", "level", "msg"} <= set(r) for r in lines), lines[:3]
    reqs = request_lines(lines)
    assert reqs[ok]["operation"] == "CreateCluster" and reqs[ok]["status"] == 200, reqs[ok]
    assert reqs[ok]["account"] == ACCOUNT and reqs[ok]["durationMs"] >= 0 and reqs[ok]["level"] == "info"
    assert reqs[bad]["operation"] == "DescribeServices" and reqs[bad]["status"] == 400, reqs[bad]
    assert any("serving the ECS API" in r["msg"] for r in lines)  # other events in the same form


def test_text_lines_name_the_request(server):
    ecs = server.client()
    rid = ecs.list_clusters()["ResponseMetadata"]["RequestId"]
    line = next((x for x in server.read_log().splitlines() if rid in x), None)
    assert line is not None and "ListClusters" in line and " 200 " in line + " ", line


def test_unauthenticated_request_logged(server):
    import urllib.error
    import urllib.request
    req = urllib.request.Request(server.endpoint + "/", data=b"{}", method="POST",
                                 headers={"Content-Type": "application/x-amz-json-1.1",
                                          "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters"})
    try:
        urllib.request.urlopen(req, timeout=5)
        raise AssertionError("an unsigned request must be refused")
    except urllib.error.HTTPError as e:
        rid = e.headers["x-amzn-RequestId"]
        assert e.code in (400, 403)
    line = next((x for x in server.read_log().splitlines() if rid in x), None)
    assert line is not None and "ListClusters" in line, line


def test_log_format_checked(_server):
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run([os.environ["ECSD_BIN"], "server", "--data-dir", d, "--listen", "127.0.0.1:0",
                            "--insecure-no-auth", "--log-format", "yaml"], capture_output=True, text=True, timeout=20)
    assert r.returncode != 0 and "--log-format must be text or json" in r.stderr, (r.returncode, r.stderr)
