"""Placement constraints and strategies (issue 11 point 3) with fake agents
of distinct attributes: spread across three zones evenly, binpack filling
one host first, memberOf excluding (the call's and the task
definition's), distinctInstance, task:group, the failure reasons ECS gives
and the checks of the members."""
import collections

from fake_agent import VERSION, FakeAgent, total_resources, unique
from harness import expect_error


def add_instance(ecs, server, cluster, zone, cpu=4096, memory=8192, extra=()):
    agent = FakeAgent(server, cluster, cpu=cpu, memory=memory)
    attrs = [{"name": "ecs.availability-zone", "value": zone}] + list(extra)
    agent.registered = ecs.register_container_instance(
        cluster=cluster, versionInfo=VERSION, totalResources=total_resources(cpu, memory),
        attributes=attrs)["containerInstance"]
    agent.arn = agent.registered["containerInstanceArn"]
    agent.zone = zone
    return agent


def new_td(ecs, memory=100, **extra):
    family = unique("fam")
    ecs.register_task_definition(family=family, containerDefinitions=[{"name": "a", "image": "x", "memory": memory}],
                                 **extra)
    return family


def setup(server, zones=("a", "a", "b", "b", "c", "c"), **kw):
    ecs = server.client()
    cluster = unique("strat")
    ecs.create_cluster(clusterName=cluster)
    agents = [add_instance(ecs, server, cluster, z, **kw) for z in zones]
    return ecs, cluster, agents


def where(agents, tasks):
    by_arn = {a.arn: a for a in agents}
    return [by_arn[t["containerInstanceArn"]] for t in tasks]


def test_spread_across_zones_then_instances(server):
    ecs, cluster, agents = setup(server)
    family = new_td(ecs)
    spread = [{"type": "spread", "field": "attribute:ecs.availability-zone"}, {"type": "spread", "field": "instanceId"}]
    placed = []
    for _ in range(2):  # two calls: the second sees the first's tasks
        r = ecs.run_task(cluster=cluster, taskDefinition=family, count=3, placementStrategy=spread)
        assert r["failures"] == [], r["failures"]
        placed += where(agents, r["tasks"])
    assert collections.Counter(a.zone for a in placed) == {"a": 2, "b": 2, "c": 2}
    # then by instance inside each zone: one task on each of the six
    assert len({a.arn for a in placed}) == 6
    # 6 more, in one call: still even by zone and by instance
    r = ecs.run_task(cluster=cluster, taskDefinition=family, count=6, placementStrategy=spread)
    counts = collections.Counter(a.arn for a in placed + where(agents, r["tasks"]))
    assert set(counts.values()) == {2}, counts
    # another family is another group: its spread starts from nothing
    other = new_td(ecs)
    r = ecs.run_task(cluster=cluster, taskDefinition=other, count=3,
                     placementStrategy=[{"type": "spread", "field": "attribute:ecs.availability-zone"}])
    assert sorted(a.zone for a in where(agents, r["tasks"])) == ["a", "b", "c"]


def test_binpack_fills_one_host_first(server):
    ecs = server.client()
    cluster = unique("strat")
    ecs.create_cluster(clusterName=cluster)
    small = add_instance(ecs, server, cluster, "a", memory=1000)
    big = add_instance(ecs, server, cluster, "a", memory=3000)
    family = new_td(ecs, memory=400)
    binpack = [{"type": "binpack", "field": "memory"}]
    r = ecs.run_task(cluster=cluster, taskDefinition=family, count=2, placementStrategy=binpack)
    assert [a.arn for a in where([small, big], r["tasks"])] == [small.arn, small.arn]
    # small has 200 left: the next goes to big, and the one after to big as well
    r = ecs.run_task(cluster=cluster, taskDefinition=family, count=2, placementStrategy=binpack)
    assert [a.arn for a in where([small, big], r["tasks"])] == [big.arn, big.arn]
    # binpack on cpu (equal on both): the tie goes on to spread by instance,
    # where small (2 tasks of the group) would win over big (2) only by
    # chance, but small has no memory left for it
    r = ecs.run_task(cluster=cluster, taskDefinition=family, count=1, placementStrategy=[
        {"type": "binpack", "field": "cpu"}, {"type": "spread", "field": "instanceId"}])
    assert r["failures"] == [] and where([small, big], r["tasks"])[0].arn == big.arn
    # spread by instance first: an instance with fewer of the group's tasks wins
    third = add_instance(ecs, server, cluster, "b", memory=3000)
    r = ecs.run_task(cluster=cluster, taskDefinition=family, count=2, placementStrategy=[
        {"type": "spread", "field": "instanceId"}, {"type": "binpack", "field": "memory"}])
    assert [a.arn for a in where([small, big, third], r["tasks"])] == [third.arn, third.arn]


def test_member_of_and_reasons(server):
    ecs, cluster, agents = setup(server, zones=("a", "b", "c"))
    family = new_td(ecs)
    r = ecs.run_task(cluster=cluster, taskDefinition=family, count=6, placementConstraints=[
        {"type": "memberOf", "expression": "attribute:ecs.availability-zone != a"}])
    assert r["failures"] == [] and {a.zone for a in where(agents, r["tasks"])} <= {"b", "c"}
    assert len(r["tasks"]) == 6
    r = ecs.run_task(cluster=cluster, taskDefinition=family, count=2, placementConstraints=[
        {"type": "memberOf", "expression": "attribute:ecs.availability-zone == z"}])
    assert r["tasks"] == []
    assert [f["reason"] for f in r["failures"]] == ["MemberOf placement constraint unsatisfied."] * 2
    assert r["failures"][0]["arn"] in {a.arn for a in agents}
    # the task definition's memberOf applies too, and with the call's
    td = new_td(ecs, placementConstraints=[{"type": "memberOf", "expression": "attribute:ecs.availability-zone in [a, b]"}])
    r = ecs.run_task(cluster=cluster, taskDefinition=td, count=4)
    assert {a.zone for a in where(agents, r["tasks"])} <= {"a", "b"} and len(r["tasks"]) == 4
    r = ecs.run_task(cluster=cluster, taskDefinition=td, count=2, placementConstraints=[
        {"type": "memberOf", "expression": "attribute:ecs.availability-zone == b"}])
    assert {a.zone for a in where(agents, r["tasks"])} == {"b"}
    r = ecs.run_task(cluster=cluster, taskDefinition=td, placementConstraints=[
        {"type": "memberOf", "expression": "attribute:ecs.availability-zone == c"}])
    assert r["failures"][0]["reason"] == "MemberOf placement constraint unsatisfied."
    # custom attributes set by PutAttributes count at once
    ecs.put_attributes(cluster=cluster, attributes=[{"name": "role", "value": "db", "targetId": agents[2].arn}])
    r = ecs.run_task(cluster=cluster, taskDefinition=family, count=3, placementConstraints=[
        {"type": "memberOf", "expression": "attribute:role == db"}])
    assert [a.arn for a in where(agents, r["tasks"])] == [agents[2].arn] * 3
    # task:group: next to the tasks of another group
    lone = new_td(ecs)
    first = ecs.run_task(cluster=cluster, taskDefinition=lone)["tasks"][0]
    r = ecs.run_task(cluster=cluster, taskDefinition=family, count=3, placementConstraints=[
        {"type": "memberOf", "expression": f"task:group == family:{lone}"}])
    assert {t["containerInstanceArn"] for t in r["tasks"]} == {first["containerInstanceArn"]}


def test_distinct_instance(server):
    ecs, cluster, agents = setup(server, zones=("a", "b", "c"))
    family = new_td(ecs)
    distinct = [{"type": "distinctInstance"}]
    r = ecs.run_task(cluster=cluster, taskDefinition=family, count=4, placementConstraints=distinct)
    assert len({t["containerInstanceArn"] for t in r["tasks"]}) == 3 and len(r["tasks"]) == 3
    assert [f["reason"] for f in r["failures"]] == ["DistinctInstance placement constraint unsatisfied."]
    # the group's tasks are on every instance now; another group is free to go anywhere
    r = ecs.run_task(cluster=cluster, taskDefinition=family, placementConstraints=distinct)
    assert r["tasks"] == [] and r["failures"][0]["reason"] == "DistinctInstance placement constraint unsatisfied."
    r = ecs.run_task(cluster=cluster, taskDefinition=new_td(ecs), count=3, placementConstraints=distinct)
    assert len({t["containerInstanceArn"] for t in r["tasks"]}) == 3
    # a stopped task frees its instance for the group
    victim = ecs.list_tasks(cluster=cluster, family=family)["taskArns"][0]
    owner = [a for a in agents if a.arn == ecs.describe_tasks(cluster=cluster, tasks=[victim])["tasks"][0][
        "containerInstanceArn"]][0]
    owner.stop_task(victim)
    r = ecs.run_task(cluster=cluster, taskDefinition=family, placementConstraints=distinct)
    assert [t["containerInstanceArn"] for t in r["tasks"]] == [owner.arn]


def test_members_checked(server):
    ecs, cluster, agents = setup(server, zones=("a",))
    family = new_td(ecs)
    before = ecs.list_tasks(cluster=cluster)["taskArns"]
    member = {"type": "memberOf", "expression": "attribute:x exists"}
    cases = [
        ({"placementConstraints": [member] * 11}, "at most 10 placement constraints"),
        ({"placementStrategy": [{"type": "random"}] * 6}, "at most 5"),
        ({"placementStrategy": [{"type": "binpack", "field": "disk"}]}, "placementStrategy[0].field"),
        ({"placementStrategy": [{"type": "random"}, {"type": "spread"}]}, "placementStrategy[1].field"),
        ({"placementConstraints": [{"type": "distinctInstance", "expression": "attribute:x exists"}]},
         "placementConstraints[0].expression"),
        ({"placementConstraints": [{"type": "memberOf"}]}, "placementConstraints[0].expression"),
        ({"placementConstraints": [member, {"type": "memberOf", "expression": "attribute:x == "}]},
         "placementConstraints[1].expression: syntax error at position 16"),
    ]
    for kw, message in cases:
        expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=family, **kw), "InvalidParameterException",
                     message)
    # the task definition's constraints count against the 10
    td = new_td(ecs, placementConstraints=[member] * 5)
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=td, placementConstraints=[member] * 6),
                 "InvalidParameterException", "at most 10")
    bad_td = new_td(ecs, placementConstraints=[{"type": "memberOf", "expression": "nonsense"}])
    expect_error(lambda: ecs.run_task(cluster=cluster, taskDefinition=bad_td), "InvalidParameterException",
                 "taskDefinition.placementConstraints[0].expression")
    assert ecs.list_tasks(cluster=cluster)["taskArns"] == before
    # random: any instance; explicit random beside a constraint works
    r = ecs.run_task(cluster=cluster, taskDefinition=family, placementStrategy=[{"type": "random"}],
                     placementConstraints=[{"type": "memberOf", "expression": "attribute:ecs.availability-zone == a"}])
    assert len(r["tasks"]) == 1
