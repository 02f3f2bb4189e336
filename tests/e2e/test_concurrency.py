"""Concurrent clients (issue 2 "Store": concurrent requests are safe): 16 threads,
each with its own boto3 client (so its own connection), race on one task
definition family, on one cluster name, and on deregistrations, while others
page through listings. Every request must succeed and the final state must be
exactly what the acknowledged requests imply.
"""
import threading

from harness import ACCOUNT, REGION

THREADS = 16
TD_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/"
CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/"


def run_threads(server, work, n=THREADS):
    """Runs work(i, client) in n threads released together; returns their
    results in thread order. Any exception fails the test, naming the thread."""
    clients = [server.client() for _ in range(n)]  # boto3 sessions are not thread-safe to create
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def body(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i, clients[i])
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"thread {i}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not errors, f"{len(errors)} thread(s) failed; first: {sorted(errors)[:3]}"
    return results


def list_all(ecs, method, key, **kw):
    out, token = [], None
    while True:
        r = getattr(ecs, method)(**kw, **({"nextToken": token} if token else {}))
        out += r[key]
        token = r.get("nextToken")
        if not token:
            return out


def containers(i, k):
    return [{"name": "a", "image": "busybox", "memory": 64, "command": [f"t{i}", f"n{k}"]}]


def test_16_clients_register_one_family(server):
    per_thread = 10

    def work(i, ecs):
        got = []
        for k in range(per_thread):
            td = ecs.register_task_definition(family="race", containerDefinitions=containers(i, k))["taskDefinition"]
            got.append((td["revision"], td["containerDefinitions"][0]["command"]))
        return got

    results = run_threads(server, work)
    revisions = sorted(r for got in results for r, _ in got)
    total = THREADS * per_thread
    assert revisions == list(range(1, total + 1)), \
        f"duplicates: {sorted({r for r in revisions if revisions.count(r) > 1})}, " \
        f"missing: {sorted(set(range(1, total + 1)) - set(revisions))}"
    for i, got in enumerate(results):
        assert [r for r, _ in got] == sorted(r for r, _ in got), f"thread {i} saw revisions go backwards"
    ecs = server.client()
    # Each stored revision holds what its own request sent.
    by_rev = {r: cmd for got in results for r, cmd in got}
    for rev in (1, 2, 77, total - 1, total):
        td = ecs.describe_task_definition(taskDefinition=f"race:{rev}")["taskDefinition"]
        assert td["containerDefinitions"][0]["command"] == by_rev[rev]
    arns = list_all(ecs, "list_task_definitions", "taskDefinitionArns", familyPrefix="race", maxResults=7)
    assert arns == [TD_ARN + f"race:{r}" for r in range(1, total + 1)]
    assert ecs.describe_task_definition(taskDefinition="race")["taskDefinition"]["revision"] == total
    assert ecs.register_task_definition(family="race", containerDefinitions=containers(0, 0))[
        "taskDefinition"]["revision"] == total + 1


def test_same_cluster_name_created_by_16_clients(server):
    def work(i, ecs):
        return [ecs.create_cluster(clusterName=f"same-{k}")["cluster"] for k in range(5)]

    results = run_threads(server, work)
    for k in range(5):
        seen = [res[k] for res in results]
        assert all(c == seen[0] for c in seen), f"same-{k}: answers differ: {seen}"
        assert seen[0]["clusterArn"] == CLUSTER_ARN + f"same-{k}" and seen[0]["status"] == "ACTIVE"
    arns = list_all(server.client(), "list_clusters", "clusterArns")
    assert sorted(a for a in arns if "/same-" in a) == [CLUSTER_ARN + f"same-{k}" for k in range(5)]


def test_deregistrations_race(server):
    ecs = server.client()
    for k in range(32):
        ecs.register_task_definition(family="dr", containerDefinitions=containers(0, k))

    def work(i, ecs):
        order = list(range(1, 33))[i % 32:] + list(range(1, 33))[:i % 32]
        if i % 2:
            order.reverse()
        return [ecs.deregister_task_definition(taskDefinition=f"dr:{r}")["taskDefinition"]["status"] for r in order]

    results = run_threads(server, work)
    assert all(s == "INACTIVE" for res in results for s in res)
    fam = lambda status: ecs.list_task_definition_families(familyPrefix="dr", status=status)["families"]  # noqa: E731
    assert fam("ACTIVE") == [] and fam("INACTIVE") == ["dr"], "the family's ACTIVE count drifted"
    assert list_all(ecs, "list_task_definitions", "taskDefinitionArns", familyPrefix="dr") == []
    assert len(list_all(ecs, "list_task_definitions", "taskDefinitionArns", familyPrefix="dr",
                        status="INACTIVE")) == 32
    assert ecs.register_task_definition(family="dr", containerDefinitions=containers(0, 0))[
        "taskDefinition"]["revision"] == 33
    assert fam("ACTIVE") == ["dr"] and fam("INACTIVE") == []


def test_writers_and_pagers_together(server):
    """Half the clients create and delete clusters; the other half page
    through ListClusters (2 a page) and describe what they saw."""
    stable = [f"mix-stable-{k:02d}" for k in range(12)]
    ecs = server.client()
    for n in stable:
        ecs.create_cluster(clusterName=n)

    def work(i, ecs):
        if i % 2 == 0:
            for k in range(15):
                ecs.create_cluster(clusterName=f"mix-{i}-{k}")
                if k % 3 == 0:
                    ecs.delete_cluster(cluster=f"mix-{i}-{k}")
            return None
        passes = []
        for _ in range(3):
            arns = list_all(ecs, "list_clusters", "clusterArns", maxResults=2)
            assert len(arns) == len(set(arns)), "an ARN came twice in one listing"
            assert [a for a in arns if "/mix-stable-" in a] == [CLUSTER_ARN + n for n in stable]
            d = ecs.describe_clusters(clusters=arns[:100])
            assert len(d["clusters"]) + len(d["failures"]) == min(len(arns), 100)
            passes.append(len(arns))
        return passes

    run_threads(server, work)
    arns = set(list_all(ecs, "list_clusters", "clusterArns"))
    for i in range(0, THREADS, 2):
        for k in range(15):
            assert (CLUSTER_ARN + f"mix-{i}-{k}" in arns) == (k % 3 != 0), f"mix-{i}-{k}"
