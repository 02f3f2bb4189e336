"""SubmitTaskStateChange with its containers' changes in `containers`
(issue 16 point 3; docs/agent-protocol.md §4): the ECS agent's way, and
ecsd's agent's since, so a task's start or stop is one report. Each item
counts as a SubmitContainerStateChange: status, exit code, reason, dynamic
host ports (reserved on the instance, released at the stop), forward only."""
from fake_agent import FakeAgent, resources
from harness import unique

TD = [{"name": "web", "image": "nginx", "memory": 64,
       "portMappings": [{"containerPort": 80, "hostPort": 0}]},
      {"name": "side", "image": "busybox", "memory": 32, "essential": False}]


def setup(server):
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("batch"))["cluster"]["clusterName"]
    family = unique("app")
    ecs.register_task_definition(family=family, containerDefinitions=TD)
    agent = FakeAgent(server, cluster).register()
    task = ecs.run_task(cluster=cluster, taskDefinition=family)["tasks"][0]["taskArn"]
    return ecs, cluster, agent, task


def by_name(task):
    return {c["name"]: c for c in task["containers"]}


def test_one_report_starts_and_stops_the_task(server):
    ecs, cluster, agent, task = setup(server)
    binding = {"bindIP": "0.0.0.0", "containerPort": 80, "hostPort": 32801, "protocol": "tcp"}
    r = agent.report_task(task, "RUNNING", containers=[
        {"containerName": "web", "status": "RUNNING", "networkBindings": [binding]},
        {"containerName": "side", "status": "RUNNING"}])
    assert r["acknowledgment"] == "ACK"
    t = agent.describe_task(task)
    assert t["lastStatus"] == "RUNNING" and "startedAt" in t
    cs = by_name(t)
    assert cs["web"]["lastStatus"] == "RUNNING" and cs["side"]["lastStatus"] == "RUNNING"
    assert cs["web"]["networkBindings"] == [binding]
    assert "32801" in resources(agent.describe()["remainingResources"])["PORTS"]  # reserved on the host

    # the non-essential one exits while the task runs: only a container change, the task status repeated
    agent.report_task(task, "RUNNING", containers=[{"containerName": "side", "status": "STOPPED", "exitCode": 7}])
    t = agent.describe_task(task)
    assert t["lastStatus"] == "RUNNING" and by_name(t)["side"]["lastStatus"] == "STOPPED"
    assert by_name(t)["side"]["exitCode"] == 7

    agent.report_task(task, "STOPPED", reason="Essential container in task exited", containers=[
        {"containerName": "web", "status": "STOPPED", "exitCode": 3, "reason": "it broke"}])
    t = agent.describe_task(task)
    assert t["lastStatus"] == "STOPPED" and t["stoppedReason"] == "Essential container in task exited"
    cs = by_name(t)
    assert cs["web"]["exitCode"] == 3 and cs["web"]["reason"] == "it broke"
    assert cs["side"]["exitCode"] == 7  # kept
    assert "32801" not in resources(agent.describe()["remainingResources"])["PORTS"]  # released

    # late and repeated reports change nothing
    agent.report_task(task, "RUNNING", containers=[{"containerName": "web", "status": "RUNNING", "exitCode": 0}])
    t2 = agent.describe_task(task)
    assert t2["lastStatus"] == "STOPPED" and by_name(t2)["web"]["exitCode"] == 3


def test_items_of_unknown_containers_are_ignored(server):
    ecs, cluster, agent, task = setup(server)
    r = agent.report_task(task, "RUNNING", containers=[
        {"containerName": "nope", "status": "RUNNING"}, {"containerName": "web", "status": "RUNNING"},
        {"containerName": "side", "status": "RUNNING"}])
    assert r["acknowledgment"] == "ACK"
    t = agent.describe_task(task)
    assert t["lastStatus"] == "RUNNING" and sorted(by_name(t)) == ["side", "web"]
    # a report of another task's id is acknowledged and changes nothing
    other = task.rsplit("/", 1)[0] + "/" + "0" * 32
    assert agent.report_task(other, "STOPPED", containers=[{"containerName": "web", "status": "STOPPED"}])[
        "acknowledgment"] == "ACK"
    assert agent.describe_task(task)["lastStatus"] == "RUNNING"
