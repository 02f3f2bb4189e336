"""A service's own placementConstraints and placementStrategy (issue 11
point 3) applied to its tasks by the scheduler, with AutoAgents (fake
agents over the real protocol) of distinct zones: spread across three
zones evenly, binpack filling one host first, memberOf excluding,
distinctInstance, a DAEMON service's memberOf, and the checks at
CreateService/UpdateService."""
import collections

from harness import expect_error, unique
from svc_agents import AutoAgent
from test_services import describe, messages, steady, tasks_of, wait_for

ZONE = "ecs.availability-zone"


def zone_agent(stack, server, cluster, zone, **kw):
    a = AutoAgent(server, cluster, attributes=[{"name": ZONE, "value": zone}], **kw)
    stack.append(a)
    a.zone = zone
    return a


def setup(server, memory=100):
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("splace"))["cluster"]["clusterName"]
    family = unique("app")
    ecs.register_task_definition(family=family, containerDefinitions=[{"name": "a", "image": "x", "memory": memory}])
    return ecs, cluster, family


class Hosts(list):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for a in self:
            a.close()
        return False


def placed(ecs, cluster, name, hosts):
    by_arn = {a.arn: a for a in hosts}
    return [by_arn[t["containerInstanceArn"]] for t in tasks_of(ecs, cluster, name)]


def test_spread_across_three_zones_evenly(server):
    ecs, cluster, family = setup(server)
    with Hosts() as hosts:
        for z in ("a", "a", "b", "b", "c", "c"):
            zone_agent(hosts, server, cluster, z)
        name = unique("spread")
        spread = [{"type": "spread", "field": f"attribute:{ZONE}"}, {"type": "spread", "field": "instanceId"}]
        s = ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=3,
                               placementStrategy=spread)["service"]
        assert s["placementStrategy"] == spread
        wait_for(lambda: steady(ecs, cluster, name, 3), what="3 running")
        assert sorted(a.zone for a in placed(ecs, cluster, name, hosts)) == ["a", "b", "c"]
        # scaled out in a second placement: still even by zone, then by instance
        ecs.update_service(cluster=cluster, service=name, desiredCount=6)
        wait_for(lambda: steady(ecs, cluster, name, 6), what="6 running")
        where = placed(ecs, cluster, name, hosts)
        assert collections.Counter(a.zone for a in where) == {"a": 2, "b": 2, "c": 2}
        assert len({a.arn for a in where}) == 6


def test_binpack_fills_one_host_first(server):
    ecs, cluster, family = setup(server, memory=400)
    with Hosts() as hosts:
        small = zone_agent(hosts, server, cluster, "a", memory=1000)
        big = zone_agent(hosts, server, cluster, "a", memory=3000)
        name = unique("pack")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=2,
                           placementStrategy=[{"type": "binpack", "field": "memory"}])
        wait_for(lambda: steady(ecs, cluster, name, 2), what="2 running")
        assert [a.arn for a in placed(ecs, cluster, name, hosts)] == [small.arn, small.arn]
        # small is full (200 MiB left): the next ones go to big
        ecs.update_service(cluster=cluster, service=name, desiredCount=4)
        wait_for(lambda: steady(ecs, cluster, name, 4), what="4 running")
        assert collections.Counter(a.arn for a in placed(ecs, cluster, name, hosts)) == {small.arn: 2, big.arn: 2}
        # UpdateService's strategy is used from then on: spread by instance
        # ties (2 and 2), but only big has room for the fifth
        ecs.update_service(cluster=cluster, service=name, desiredCount=5,
                           placementStrategy=[{"type": "spread", "field": "instanceId"}])
        wait_for(lambda: steady(ecs, cluster, name, 5), what="5 running")
        assert describe(ecs, cluster, name)["placementStrategy"] == [{"type": "spread", "field": "instanceId"}]
        assert collections.Counter(a.arn for a in placed(ecs, cluster, name, hosts)) == {small.arn: 2, big.arn: 3}


def test_member_of_excludes(server):
    ecs, cluster, family = setup(server)
    with Hosts() as hosts:
        for z in ("a", "b", "c"):
            zone_agent(hosts, server, cluster, z)
        name = unique("member")
        pc = [{"type": "memberOf", "expression": f"attribute:{ZONE} != a"}]
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=6,
                           placementConstraints=pc)
        wait_for(lambda: steady(ecs, cluster, name, 6), what="6 running")
        assert {a.zone for a in placed(ecs, cluster, name, hosts)} == {"b", "c"}
        # a constraint no instance meets: the scheduler says why, in ECS's words
        other = unique("none")
        ecs.create_service(cluster=cluster, serviceName=other, taskDefinition=family, desiredCount=1,
                           placementConstraints=[{"type": "memberOf", "expression": f"attribute:{ZONE} == z"}])

        def refused():
            ms = messages(describe(ecs, cluster, other))
            return [m for m in ms if "MemberOf placement constraint unsatisfied." in m]
        [m] = wait_for(refused, what="the placement failure event")
        assert m.startswith(f"(service {other}) was unable to place a task because no container instance met all "
                            "of its requirements. The closest matching (container-instance ")
        assert tasks_of(ecs, cluster, other) == []
        # the task definition's memberOf applies as well as the service's
        td = unique("tdc")
        ecs.register_task_definition(family=td, containerDefinitions=[{"name": "a", "image": "x", "memory": 100}],
                                     placementConstraints=[{"type": "memberOf",
                                                            "expression": f"attribute:{ZONE} in [a, b]"}])
        both = unique("both")
        ecs.create_service(cluster=cluster, serviceName=both, taskDefinition=td, desiredCount=3,
                           placementConstraints=pc)
        wait_for(lambda: steady(ecs, cluster, both, 3), what="3 running")
        assert {a.zone for a in placed(ecs, cluster, both, hosts)} == {"b"}


def test_distinct_instance(server):
    ecs, cluster, family = setup(server)
    with Hosts() as hosts:
        for z in ("a", "b", "c"):
            zone_agent(hosts, server, cluster, z)
        name = unique("distinct")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=4,
                           placementConstraints=[{"type": "distinctInstance"}])

        def three_and_refused():
            s = describe(ecs, cluster, name)
            said = any("DistinctInstance placement constraint unsatisfied." in m for m in messages(s))
            return s if s["runningCount"] == 3 and said else None
        wait_for(three_and_refused, what="3 running and the 4th refused")
        assert len({a.arn for a in placed(ecs, cluster, name, hosts)}) == 3
        # a fourth host: the fourth task goes there
        zone_agent(hosts, server, cluster, "a")
        wait_for(lambda: steady(ecs, cluster, name, 4), what="4 running")
        assert len({a.arn for a in placed(ecs, cluster, name, hosts)}) == 4


def test_daemon_member_of(server):
    ecs, cluster, family = setup(server)
    with Hosts() as hosts:
        for z in ("a", "b", "c"):
            zone_agent(hosts, server, cluster, z)
        name = unique("dmn")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, schedulingStrategy="DAEMON",
                           placementConstraints=[{"type": "memberOf", "expression": f"attribute:{ZONE} in [a, b]"}])
        wait_for(lambda: steady(ecs, cluster, name, 2), what="2 running")
        assert sorted(a.zone for a in placed(ecs, cluster, name, hosts)) == ["a", "b"]
        assert describe(ecs, cluster, name)["desiredCount"] == 2
        # a new host of zone b gets one, one of zone c does not
        zone_agent(hosts, server, cluster, "c")
        zone_agent(hosts, server, cluster, "b")
        wait_for(lambda: steady(ecs, cluster, name, 3), what="3 running")
        assert sorted(a.zone for a in placed(ecs, cluster, name, hosts)) == ["a", "b", "b"]


def test_checked_when_stored(server):
    ecs, cluster, family = setup(server)
    ok = dict(cluster=cluster, taskDefinition=family, desiredCount=0)
    expect_error(lambda: ecs.create_service(serviceName=unique("bad"), placementConstraints=[
        {"type": "memberOf", "expression": "attribute:x =="}], **ok), "InvalidParameterException",
        "placementConstraints[0].expression")
    expect_error(lambda: ecs.create_service(serviceName=unique("bad"), placementStrategy=[
        {"type": "spread", "field": "nothing"}], **ok), "InvalidParameterException",
        "placementStrategy[0].field: spread takes instanceId, host or attribute:NAME")
    expect_error(lambda: ecs.create_service(serviceName=unique("bad"), placementConstraints=[
        {"type": "sameZone"}], **ok), "InvalidParameterException", "placementConstraints[0].type")
    # with the task definition's: at most 10 together
    td = unique("tdc")
    ecs.register_task_definition(family=td, containerDefinitions=[{"name": "a", "image": "x", "memory": 100}],
                                 placementConstraints=[{"type": "memberOf", "expression": "attribute:a exists"}] * 2)
    expect_error(lambda: ecs.create_service(serviceName=unique("bad"), cluster=cluster, taskDefinition=td, desiredCount=0,
                                            placementConstraints=[{"type": "distinctInstance"}] * 9),
                 "InvalidParameterException", "at most 10 placement constraints")
    assert ecs.list_services(cluster=cluster)["serviceArns"] == []
    name = unique("keep")
    ecs.create_service(serviceName=name, **ok)
    expect_error(lambda: ecs.update_service(cluster=cluster, service=name, placementConstraints=[
        {"type": "memberOf", "expression": "(attribute:a == b"}]), "InvalidParameterException",
        "placementConstraints[0].expression")
    assert describe(ecs, cluster, name)["placementConstraints"] == []
