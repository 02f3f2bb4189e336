"""Clusters end to end (issue 2; ecs-behavior.md §2, §3.1, §4.1-§4.4, Appendix G 7-9):
CreateCluster, DescribeClusters, ListClusters and DeleteCluster with boto3 and
the aws CLI, their errors (exception name, message, HTTP 400) and ARN forms.

The tests share one server, so each uses its own cluster names and looks
only at its own clusters in listings.

Not covered because they cannot be provoked yet: ClusterContainsServicesException
(services are not built) and ClusterContainsTasksException (a task cannot
outlive its container instance: a forced deregistration stops it).
"""
import base64
import contextlib
from unittest.mock import ANY

import harness
from harness import ACCOUNT, REGION, expect_error

NAME_RULE = ("Invalid cluster name. Up to 255 letters (uppercase and lowercase), numbers, "
             "underscores, and hyphens are allowed.")


def arn(name, region=REGION, account=ACCOUNT, kind="cluster"):
    return f"arn:aws:ecs:{region}:{account}:{kind}/{name}"


@contextlib.contextmanager
def own_server():
    """A server of the test's own (for state that must start empty)."""
    s = harness.Server().start()
    try:
        yield s
    finally:
        rc = s.stop()
        s.cleanup()
    assert rc == 0, f"own server exited {rc}: {s.read_log()[-3000:]}"


def list_all(ecs, page_size=None):
    """Every ARN of ListClusters, page by page; asserts the page sizes and
    that tokens always advance."""
    arns, token, tokens = [], None, set()
    while True:
        kw = {"maxResults": page_size} if page_size else {}
        if token:
            kw["nextToken"] = token
        r = ecs.list_clusters(**kw)
        if page_size and r.get("nextToken"):
            assert len(r["clusterArns"]) == page_size, r
        arns += r["clusterArns"]
        token = r.get("nextToken")
        if not token:
            return arns
        assert token not in tokens, "a token came back twice"
        tokens.add(token)


def assert_cluster(c, name, status="ACTIVE"):
    assert c == {"clusterArn": arn(name), "clusterName": name, "status": status,
                 "registeredContainerInstancesCount": 0, "runningTasksCount": 0,
                 "pendingTasksCount": 0, "activeServicesCount": 0}, c


# ---- CreateCluster ---------------------------------------------------------

def test_create_default_name_and_idempotent(server):
    ecs = server.client()
    first = ecs.create_cluster()["cluster"]
    assert_cluster(first, "default")
    again = ecs.create_cluster(clusterName="default")["cluster"]
    assert again["clusterArn"] == first["clusterArn"] == arn("default")
    c1 = ecs.create_cluster(clusterName="idem-One_1")["cluster"]
    c2 = ecs.create_cluster(clusterName="idem-One_1")["cluster"]
    assert_cluster(c1, "idem-One_1")
    assert c2 == c1
    assert list_all(ecs).count(arn("idem-One_1")) == 1


def test_create_name_rules(server):
    ecs = server.client()
    for bad in ["", "bad name", "bad!", "a/b", "a:b", "é", "x" * 256, "arn:aws:ecs:x"]:
        r = expect_error(lambda: ecs.create_cluster(clusterName=bad), "InvalidParameterException", NAME_RULE)
        assert r["Error"]["Message"] == NAME_RULE
    longest = "L" * 255
    assert_cluster(ecs.create_cluster(clusterName=longest)["cluster"], longest)
    assert_cluster(ecs.create_cluster(clusterName="-_aZ09")["cluster"], "-_aZ09")
    names = {a.rsplit("/", 1)[1] for a in list_all(ecs)}
    assert not {"bad name", "bad!", "a/b", "é", "x" * 256} & names


def test_cli_create_describe_delete(server):
    c = server.cli("create-cluster", "--cluster-name", "cli-one")["cluster"]
    assert_cluster(c, "cli-one")
    d = server.cli("describe-clusters", "--clusters", "cli-one", "cli-nope")
    assert [x["clusterArn"] for x in d["clusters"]] == [arn("cli-one")]
    assert d["failures"] == [{"arn": arn("cli-nope"), "reason": "MISSING"}]
    gone = server.cli("delete-cluster", "--cluster", arn("cli-one"))["cluster"]
    assert_cluster(gone, "cli-one", "INACTIVE")
    p = server.cli("delete-cluster", "--cluster", "cli-nope", check=False)
    assert p.returncode != 0
    assert "(ClusterNotFoundException)" in p.stderr and "Cluster not found." in p.stderr, p.stderr
    p = server.cli("create-cluster", "--cluster-name", "bad name", check=False)
    assert p.returncode != 0 and "(InvalidParameterException)" in p.stderr, p.stderr


# ---- DescribeClusters ------------------------------------------------------

def test_describe_without_list_means_default(_shared):
    """On a server of its own: `default` must not exist at first."""
    with own_server() as s:
        ecs = s.client()
        for kw in ({}, {"clusters": []}):
            r = ecs.describe_clusters(**kw)
            assert r["clusters"] == [] and r["failures"] == [{"arn": arn("default"), "reason": "MISSING"}], r
        r = expect_error(lambda: ecs.list_tasks(), "ClusterNotFoundException")  # no cluster: `default`
        assert r["Error"]["Message"] == "Cluster not found."
        ecs.create_cluster()
        assert ecs.list_tasks()["taskArns"] == []
        for kw in ({}, {"clusters": []}):
            r = ecs.describe_clusters(**kw)
            assert r["failures"] == [] and len(r["clusters"]) == 1, r
            assert_cluster(r["clusters"][0], "default")


def test_describe_order_missing_and_inactive(server):
    ecs = server.client()
    for n in ("dsc-a", "dsc-b", "dsc-gone"):
        ecs.create_cluster(clusterName=n)
    ecs.delete_cluster(cluster="dsc-gone")
    r = ecs.describe_clusters(clusters=["dsc-b", "dsc-nope", "dsc-a", arn("dsc-a"), "dsc-gone", "dsc-b",
                                        arn("dsc-nope2")])
    assert [c["clusterName"] for c in r["clusters"]] == ["dsc-b", "dsc-a", "dsc-a", "dsc-gone", "dsc-b"]
    assert [c["status"] for c in r["clusters"]] == ["ACTIVE", "ACTIVE", "ACTIVE", "INACTIVE", "ACTIVE"]
    assert_cluster(r["clusters"][3], "dsc-gone", "INACTIVE")
    assert r["failures"] == [{"arn": arn("dsc-nope"), "reason": "MISSING"},
                             {"arn": arn("dsc-nope2"), "reason": "MISSING"}]


def test_describe_at_most_100(server):
    ecs = server.client()
    ecs.create_cluster(clusterName="hundred-0")
    names = [f"hundred-{i}" for i in range(100)]
    r = ecs.describe_clusters(clusters=names)
    assert [c["clusterName"] for c in r["clusters"]] == ["hundred-0"]
    assert [f["arn"] for f in r["failures"]] == [arn(n) for n in names[1:]]
    assert {f["reason"] for f in r["failures"]} == {"MISSING"}
    expect_error(lambda: ecs.describe_clusters(clusters=names + ["hundred-100"]), "InvalidParameterException",
                 "clusters can have at most 100 items.")


# ---- ListClusters ----------------------------------------------------------

def test_list_active_only(server):
    ecs = server.client()
    for n in ("lst-keep", "lst-drop"):
        ecs.create_cluster(clusterName=n)
    ecs.delete_cluster(cluster="lst-drop")
    arns = list_all(ecs)
    assert arn("lst-keep") in arns and arn("lst-drop") not in arns
    assert len(arns) == len(set(arns))
    r = ecs.describe_clusters(clusters=arns)
    assert r["failures"] == [] and {c["status"] for c in r["clusters"]} == {"ACTIVE"}


def test_list_max_results_bounds(server):
    ecs = server.client()
    ecs.create_cluster(clusterName="mr-a")
    ecs.create_cluster(clusterName="mr-b")
    for bad in (0, 101, -1, 1000):
        expect_error(lambda: ecs.list_clusters(maxResults=bad), "InvalidParameterException",
                     "maxResults must be between 1 and 100.")
    one = ecs.list_clusters(maxResults=1)
    assert len(one["clusterArns"]) == 1 and one["nextToken"]
    for i in range(101):
        ecs.create_cluster(clusterName=f"mr-many-{i:03d}")
    first = ecs.list_clusters()  # default maxResults: 100
    assert len(first["clusterArns"]) == 100 and first["nextToken"], "the default page is 100"
    assert ecs.list_clusters(maxResults=100) == {**first, "ResponseMetadata": ANY}
    everything, token = first["clusterArns"], first["nextToken"]
    while token:
        page = ecs.list_clusters(nextToken=token)
        assert len(page["clusterArns"]) == 100 or "nextToken" not in page
        everything, token = everything + page["clusterArns"], page.get("nextToken")
    assert len(everything) == len(set(everything)) and everything == sorted(everything)
    assert {arn(f"mr-many-{i:03d}") for i in range(101)} <= set(everything)


def test_list_pagination_small_pages(server):
    ecs = server.client()
    mine = [arn(f"pg-{i:02d}") for i in range(23)]
    for a in reversed(mine):
        ecs.create_cluster(clusterName=a.rsplit("/", 1)[1])
    for size in (1, 4, 7):
        arns = list_all(ecs, size)
        assert len(arns) == len(set(arns)), "an ARN came twice"
        assert [a for a in arns if "/pg-" in a] == mine, f"page size {size}"
        assert arns == list_all(ecs), "pages differ from the one-call listing"
    pages = ecs.get_paginator("list_clusters").paginate(PaginationConfig={"PageSize": 5})
    arns = [a for p in pages for a in p["clusterArns"]]
    assert [a for a in arns if "/pg-" in a] == mine


def test_list_token_survives_changes(server):
    ecs = server.client()
    original = [f"tok-{c}" for c in "bdfhjlnp"]
    for n in original:
        ecs.create_cluster(clusterName=n)
    seen, token, step = [], None, 0
    while True:
        r = ecs.list_clusters(maxResults=2, **({"nextToken": token} if token else {}))
        seen += r["clusterArns"]
        token = r.get("nextToken")
        if not token:
            break
        step += 1
        # Between pages: clusters appear before and after the cursor, and
        # one not yet listed disappears and comes back.
        ecs.create_cluster(clusterName=f"tok-a{step}")
        ecs.create_cluster(clusterName=f"tok-z{step}")
        if step == 2:
            ecs.delete_cluster(cluster="tok-n")
            ecs.create_cluster(clusterName="tok-n")
    assert len(seen) == len(set(seen)), "an ARN came twice"
    for n in original:
        assert seen.count(arn(n)) == 1, f"{n} missing from the pages"
    assert step > 4


def test_list_garbage_token(_shared):
    """On a server of its own, so that a crash does not take the other tests along."""
    with own_server() as s:
        ecs = s.client()
        ecs.create_cluster(clusterName="garbage-a")
        for bad in ["garbage", "!!!!", "ZWNzZDE=", base64.b64encode(b"ecsd1\nxx\nname").decode(), "=" * 8,
                    "A===", "AA==" * 3, base64.b64encode(b"not-a-token").decode(), "x" * 5000]:
            try:
                expect_error(lambda: ecs.list_clusters(nextToken=bad), "InvalidParameterException",
                             "Invalid nextToken.")
            except Exception as e:
                raise AssertionError(f"nextToken {bad[:40]!r}: {type(e).__name__}: {e}\n"
                                     f"server log: {s.read_log()[-1500:]}") from None
        assert arn("garbage-a") in list_all(ecs)


# ---- DeleteCluster -----------------------------------------------------------

def test_delete_lifecycle(server):
    ecs = server.client()
    for missing in ("del-nope", arn("del-nope")):
        r = expect_error(lambda: ecs.delete_cluster(cluster=missing), "ClusterNotFoundException")
        assert r["Error"]["Message"] == "Cluster not found."
    created = ecs.create_cluster(clusterName="del-me")["cluster"]
    gone = ecs.delete_cluster(cluster="del-me")["cluster"]
    assert_cluster(gone, "del-me", "INACTIVE")
    assert ecs.delete_cluster(cluster="del-me")["cluster"] == gone  # twice: no error
    assert arn("del-me") not in list_all(ecs)
    assert ecs.describe_clusters(clusters=["del-me"])["clusters"] == [gone]
    back = ecs.create_cluster(clusterName="del-me")["cluster"]
    assert back == created  # same ARN, ACTIVE, counters 0
    assert arn("del-me") in list_all(ecs)
    assert ecs.describe_clusters(clusters=["del-me"])["clusters"][0]["status"] == "ACTIVE"


def test_operations_on_missing_and_deleted_cluster(server):
    ecs = server.client()
    calls = [lambda c: ecs.list_tasks(cluster=c), lambda c: ecs.list_container_instances(cluster=c),
             lambda c: ecs.run_task(cluster=c, taskDefinition="whatever")]
    for call in calls:
        for ref in ("ops-nope", arn("ops-nope")):
            r = expect_error(lambda: call(ref), "ClusterNotFoundException")
            assert r["Error"]["Message"] == "Cluster not found.", r["Error"]
    ecs.create_cluster(clusterName="ops-gone")
    assert ecs.list_tasks(cluster="ops-gone")["taskArns"] == []
    ecs.delete_cluster(cluster="ops-gone")
    for call in calls:
        for ref in ("ops-gone", arn("ops-gone")):
            r = expect_error(lambda: call(ref), "ClusterNotFoundException")
            assert r["Error"]["Message"] == "The referenced cluster was inactive.", r["Error"]
    ecs.create_cluster(clusterName="ops-gone")
    assert ecs.list_container_instances(cluster=arn("ops-gone"))["containerInstanceArns"] == []
    expect_error(lambda: ecs.list_tasks(cluster=arn("ops-gone", kind="service")), "InvalidParameterException")


def test_counts_are_real_and_delete_refused_with_instances(server):
    ecs = server.client()
    ecs.create_cluster(clusterName="busy")
    ecs.register_task_definition(family="busy", containerDefinitions=[{"name": "a", "image": "busybox",
                                                                       "memory": 64}])
    inst = ecs.register_container_instance(
        cluster="busy",
        versionInfo={"agentVersion": "1.5.0", "agentHash": "e2e", "dockerVersion": "DockerVersion: 1.7.1"},
        totalResources=[{"name": "CPU", "type": "INTEGER", "integerValue": 1024},
                        {"name": "MEMORY", "type": "INTEGER", "integerValue": 2048}])["containerInstance"]
    tasks = ecs.run_task(cluster="busy", taskDefinition="busy", count=2)["tasks"]
    assert len(tasks) == 2
    ecs.submit_task_state_change(cluster="busy", task=tasks[0]["taskArn"], status="RUNNING")
    c = ecs.describe_clusters(clusters=["busy"])["clusters"][0]
    assert (c["registeredContainerInstancesCount"], c["runningTasksCount"], c["pendingTasksCount"]) == (1, 1, 1), c
    r = expect_error(lambda: ecs.delete_cluster(cluster="busy"), "ClusterContainsContainerInstancesException")
    assert r["Error"]["Message"].startswith("The Cluster cannot be deleted while Container Instances are active"), r
    assert ecs.describe_clusters(clusters=["busy"])["clusters"][0]["status"] == "ACTIVE"
    ecs.deregister_container_instance(cluster="busy", containerInstance=inst["containerInstanceArn"], force=True)
    assert_cluster(ecs.describe_clusters(clusters=["busy"])["clusters"][0], "busy")
    assert_cluster(ecs.delete_cluster(cluster="busy")["cluster"], "busy", "INACTIVE")


# ---- ARNs ------------------------------------------------------------------

def test_cluster_parameters_take_name_or_arn(server):
    ecs = server.client()
    ecs.create_cluster(clusterName="arn-a")
    ecs.create_cluster(clusterName="arn-b")
    r = ecs.describe_clusters(clusters=[arn("arn-a"), "arn-b"])
    assert [c["clusterArn"] for c in r["clusters"]] == [arn("arn-a"), arn("arn-b")]
    assert ecs.delete_cluster(cluster=arn("arn-b"))["cluster"]["status"] == "INACTIVE"
    wrong = {
        "type": arn("arn-a", kind="service"),
        "task-definition type": arn("arn-a:1", kind="task-definition"),
        "malformed": "arn:aws:ecs:us-east-1",
        "no resource": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/",
        "other service": f"arn:aws:ec2:{REGION}:{ACCOUNT}:cluster/arn-a",
    }
    for why, value in wrong.items():
        for call in (lambda: ecs.describe_clusters(clusters=["arn-b", value]),
                     lambda: ecs.delete_cluster(cluster=value)):
            try:
                expect_error(call, "InvalidParameterException")
            except AssertionError as e:
                raise AssertionError(f"ARN of the wrong {why} ({value}): {e}") from None
    # Another account's or region's ARN names nothing this account can see
    # here: not found, never that account's (region's) cluster nor this
    # one's of the same name.
    for other in (arn("arn-a", account="210987654321"), arn("arn-a", region="us-west-2")):
        r = ecs.describe_clusters(clusters=[other])
        assert r["clusters"] == [] and r["failures"] == [{"arn": other, "reason": "MISSING"}], r
        expect_error(lambda: ecs.delete_cluster(cluster=other), "ClusterNotFoundException", "Cluster not found.")
    # None of the refused calls touched the cluster.
    assert ecs.describe_clusters(clusters=["arn-a"])["clusters"][0]["status"] == "ACTIVE"
