"""The agent's side (issue 3, point 4; docs/agent-protocol.md;
ecs-behavior.md §4.24-4.26, §5.1-5.3, Appendix G 33-34): DiscoverPollEndpoint,
the blocking poll, agentConnected and the AGENT failure, and state reports
(forward only, idempotent, resources released at STOPPED)."""
import threading
import time
import uuid

from fake_agent import FakeAgent, PollError, own_server, resources, unique
from harness import ACCOUNT, REGION

TASK_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/"
CONTAINERS = [{"name": "web", "image": "nginx", "cpu": 100, "memory": 200,
               "portMappings": [{"containerPort": 80}]},  # dynamic: Docker chooses
              {"name": "log", "image": "busybox", "cpu": 20, "memory": 50}]


def setup(server, agents=1):
    ecs = server.client()
    cluster = ecs.create_cluster(clusterName=unique("agent"))["cluster"]["clusterName"]
    family = unique("fam")
    ecs.register_task_definition(family=family, containerDefinitions=CONTAINERS)
    return ecs, cluster, family, [FakeAgent(server, cluster).register() for _ in range(agents)]


def start(ecs, cluster, family, agent):
    return ecs.start_task(cluster=cluster, taskDefinition=family,
                          containerInstances=[agent.arn])["tasks"][0]["taskArn"]


def counts(ecs, cluster, agent):
    d = agent.describe()
    c = ecs.describe_clusters(clusters=[cluster])["clusters"][0]
    return d["pendingTasksCount"], d["runningTasksCount"], c["pendingTasksCount"], c["runningTasksCount"]


def held_poll(agent, wait):
    """Starts a poll with the agent's current index in a thread; returns a
    function giving (answer or PollError, monotonic time it came back)."""
    box = {}

    def body():
        try:
            box["answer"] = agent.poll(wait=wait)
        except PollError as e:
            box["answer"] = e
        box["at"] = time.monotonic()
    t = threading.Thread(target=body)
    t.start()
    time.sleep(0.3)
    assert t.is_alive(), f"the poll did not wait: {box}"

    def result():
        t.join(timeout=wait + 15)
        assert not t.is_alive(), "the poll never came back"
        return box["answer"], box["at"]
    return result


def test_discover_poll_endpoint(server):
    ecs, cluster, _, [a] = setup(server)
    assert a.discover() == server.endpoint + "/v1/poll"
    with own_server(extra_args=["--advertise-url", "http://agents.example:9999/"]) as s:
        e = s.client().discover_poll_endpoint(cluster="default", containerInstance="x")["endpoint"]
        assert e == "http://agents.example:9999/v1/poll"


def test_first_poll_answers_at_once_with_whole_state(server):
    ecs, cluster, family, [a, b] = setup(server, agents=2)
    t1, t2 = start(ecs, cluster, family, a), start(ecs, cluster, family, a)
    t0 = time.monotonic()
    state = a.poll(index=0, wait=20)
    assert time.monotonic() - t0 < 1.0
    assert state["index"] > 0 and state["containerInstanceArn"] == a.arn
    tasks = {t["taskArn"]: t for t in state["tasks"]}
    assert set(tasks) == {t1, t2}
    for t in tasks.values():
        assert (t["desiredStatus"], t["lastStatus"]) == ("RUNNING", "PENDING")
        assert [c["name"] for c in t["containers"]] == ["web", "log"]
        td = t["taskDefinition"]
        assert td["family"] == family and td["revision"] == 1 and td["taskDefinitionArn"] == t["taskDefinitionArn"]
        assert td["containerDefinitions"][0]["portMappings"][0]["containerPort"] == 80
    # an old index answers at once too; an instance without tasks has an empty list
    assert a.poll(index=state["index"] - 1, wait=20)["index"] == state["index"]
    empty = b.poll(index=0, wait=20)
    assert empty["tasks"] == [] and empty["containerInstanceArn"] == b.arn


def test_held_poll_answered_on_change(server):
    ecs, cluster, family, [a] = setup(server)
    b = FakeAgent(server, cluster, memory=10).register()  # too small: no task goes there
    a.poll(index=0)
    b_index = b.poll(index=0)["index"]
    b_start = time.monotonic()
    idle_b = held_poll(b, wait=3)
    for change in ("RunTask", "StopTask", "StartTask"):
        waiting = held_poll(a, wait=10)
        if change == "RunTask":
            task = ecs.run_task(cluster=cluster, taskDefinition=family)["tasks"][0]["taskArn"]
        elif change == "StopTask":
            ecs.stop_task(cluster=cluster, task=task)
        else:
            second = start(ecs, cluster, family, a)
        t_call = time.monotonic()
        answer, at = waiting()
        assert at - t_call < 1.0, f"{change} answered the held poll {at - t_call:.2f}s later"
        assert answer["index"] > 0 and answer["index"] == a.index
    desired = {t["taskArn"]: t["desiredStatus"] for t in answer["tasks"]}
    assert desired == {task: "STOPPED", second: "RUNNING"}
    # the other instance saw no change: its poll ran its full wait, same index, no task
    answer, at = idle_b()
    assert answer["tasks"] == [] and answer["index"] == b_index and at - b_start >= 2.8, (answer, at - b_start)
    # the agent reports the task stopped: it leaves the desired state
    waiting = held_poll(a, wait=10)
    a.stop_task(task)
    answer, _ = waiting()
    assert [t["taskArn"] for t in answer["tasks"]] == [second]


def test_poll_without_change_returns_after_wait(server):
    _, _, _, [a] = setup(server)
    index = a.poll(index=0)["index"]
    for wait in (1, 2):
        t0 = time.monotonic()
        answer = a.poll(wait=wait)
        took = time.monotonic() - t0
        assert wait - 0.1 <= took < wait + 1.0, f"waitSeconds {wait}: answered after {took:.2f}s"
        assert answer["index"] == index and answer["tasks"] == []


def test_poll_errors(server):
    ecs, cluster, family, [a] = setup(server)
    for wait in (0, 21):
        status, body = a.poll_raw(0, wait=wait, timeout=10)
        assert (status, body["__type"]) == (400, "InvalidParameterException"), body
    unknown = FakeAgent(server, cluster)
    unknown.arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:container-instance/{uuid.uuid4()}"
    status, body = unknown.poll_raw(0)
    assert (status, body["__type"]) == (400, "InvalidParameterException"), body
    elsewhere = FakeAgent(server, unique("nope"))
    elsewhere.arn = a.arn
    status, body = elsewhere.poll_raw(0)
    assert (status, body["__type"], body["message"]) == (400, "ClusterNotFoundException", "Cluster not found.")
    # deregistration answers a held poll, and every later one, with InactiveInstanceException
    a.poll(index=0)
    waiting = held_poll(a, wait=10)
    ecs.deregister_container_instance(cluster=cluster, containerInstance=a.arn)
    t_call = time.monotonic()
    answer, at = waiting()
    assert isinstance(answer, PollError) and answer.code == "InactiveInstanceException", answer
    assert at - t_call < 1.0
    status, body = a.poll_raw(0)
    assert (status, body["__type"]) == (400, "InactiveInstanceException"), body


def test_stale_agent(server):
    """With --agent-timeout 2: an agent silent for 3 s is disconnected and
    receives no task (failure AGENT); it is connected again once it polls."""
    with own_server(extra_args=["--agent-timeout", "2"]) as s:
        ecs, cluster, family, [a] = setup(s)
        a.poll(index=0)
        assert a.describe()["agentConnected"] is True
        time.sleep(3)
        assert a.describe()["agentConnected"] is False
        r = ecs.run_task(cluster=cluster, taskDefinition=family, count=2)
        assert r["tasks"] == [] and r["failures"] == [{"arn": a.arn, "reason": "AGENT"}] * 2
        r = ecs.start_task(cluster=cluster, taskDefinition=family, containerInstances=[a.arn])
        assert r["tasks"] == [] and r["failures"] == [{"arn": a.arn, "reason": "AGENT"}]
        assert ecs.list_tasks(cluster=cluster)["taskArns"] == []
        assert a.poll(index=0)["tasks"] == []           # it received nothing; this poll is its heartbeat
        assert a.describe()["agentConnected"] is True, "an agent that polled again still reads disconnected"
        r = ecs.run_task(cluster=cluster, taskDefinition=family)
        assert r["failures"] == [] and r["tasks"][0]["containerInstanceArn"] == a.arn


def test_polling_agent_stays_connected(server):
    with own_server(extra_args=["--agent-timeout", "2"]) as s:
        ecs, cluster, family, [a] = setup(s)
        seen = []
        deadline = time.monotonic() + 4.5
        while time.monotonic() < deadline:
            a.poll(wait=1)                                # held 1 s each: a poll every second
            seen.append(a.describe()["agentConnected"])
        assert len(seen) >= 3 and all(seen), f"agentConnected while polling every second: {seen}"
        r = ecs.run_task(cluster=cluster, taskDefinition=family)
        assert r["failures"] == [] and len(r["tasks"]) == 1


def snapshot(ecs, cluster, task, agent):
    t = ecs.describe_tasks(cluster=cluster, tasks=[task])["tasks"][0]
    d = agent.describe()
    return t, resources(d["remainingResources"]), d["pendingTasksCount"], d["runningTasksCount"]


def assert_unchanged(ecs, cluster, task, agent, before):
    after = snapshot(ecs, cluster, task, agent)
    assert after == before, f"a replayed report changed the task or instance:\n{before}\n{after}"


def test_out_of_order_reports_change_nothing(server):
    ecs, cluster, family, [a] = setup(server)
    task = start(ecs, cluster, family, a)
    binding = [{"bindIP": "0.0.0.0", "containerPort": 80, "hostPort": 49153, "protocol": "tcp"}]
    a.report_container(task, "web", "RUNNING", bindings=binding)
    before = snapshot(ecs, cluster, task, a)
    assert before[0]["lastStatus"] == "PENDING" and before[2:] == (1, 0), before
    # duplicates (even with other bindings), unknown container, unknown task, other cluster
    other = ecs.create_cluster(clusterName=unique("other"))["cluster"]["clusterName"]
    replies = [
        a.report_container(task, "web", "RUNNING", bindings=[dict(binding[0], hostPort=9999)]),
        a.report_container(task, "nope", "RUNNING"),
        a.report_container(task, "nope", "STOPPED", exit_code=1),
        a.report_container(TASK_ARN + str(uuid.uuid4()), "web", "RUNNING"),
        a.report_task(TASK_ARN + str(uuid.uuid4()), "STOPPED"),
        a.ecs.submit_task_state_change(cluster=other, task=task, status="STOPPED"),
        a.ecs.submit_container_state_change(cluster=other, task=task, containerName="web", status="STOPPED"),
        a.ecs.submit_task_state_change(cluster=unique("nope"), task=task, status="STOPPED"),
    ]
    assert all(r["acknowledgment"] for r in replies)
    assert_unchanged(ecs, cluster, task, a, before)
    # RUNNING, then a container STOPPED; its late RUNNING changes nothing
    a.report_task(task, "RUNNING")
    a.report_container(task, "web", "STOPPED", exit_code=2, reason="boom")
    before = snapshot(ecs, cluster, task, a)
    assert before[0]["lastStatus"] == "RUNNING" and before[0]["containers"][0]["lastStatus"] == "STOPPED"
    assert before[2:] == (0, 1), f"(pending, running) of the instance: {before[2:]}"
    assert before[0]["containers"][0]["exitCode"] == 2 and before[0]["containers"][0]["reason"] == "boom"
    assert a.report_container(task, "web", "RUNNING")["acknowledgment"]
    assert a.report_container(task, "web", "STOPPED", exit_code=0, reason="other")["acknowledgment"]
    assert a.report_task(task, "RUNNING")["acknowledgment"]
    assert_unchanged(ecs, cluster, task, a, before)
    # STOPPED: the task never comes back, whatever arrives late
    a.report_task(task, "STOPPED", reason="first")
    before = snapshot(ecs, cluster, task, a)
    assert (before[0]["lastStatus"], before[0]["stoppedReason"]) == ("STOPPED", "first")
    assert before[0]["stopCode"] == "EssentialContainerExited", "it had started"
    for r in (a.report_task(task, "RUNNING"), a.report_container(task, "log", "RUNNING"),
              a.report_task(task, "STOPPED", reason="second"), a.report_container(task, "web", "STOPPED")):
        assert r["acknowledgment"]
    assert_unchanged(ecs, cluster, task, a, before)
    assert before[1] == resources(a.describe()["registeredResources"])
    assert ecs.list_tasks(cluster=cluster)["taskArns"] == []


def test_task_running_when_all_containers_running(server):
    ecs, cluster, family, [a] = setup(server)
    task = start(ecs, cluster, family, a)
    assert counts(ecs, cluster, a) == (1, 0, 1, 0)
    a.report_container(task, "web", "RUNNING")
    t = a.describe_task(task)
    assert t["lastStatus"] == "PENDING" and "startedAt" not in t
    assert [c["lastStatus"] for c in t["containers"]] == ["RUNNING", "PENDING"]
    assert counts(ecs, cluster, a) == (1, 0, 1, 0)
    assert ecs.list_tasks(cluster=cluster)["taskArns"] == [task]
    a.report_container(task, "log", "RUNNING")
    t = a.describe_task(task)
    assert t["lastStatus"] == "RUNNING" and "startedAt" in t, t
    assert counts(ecs, cluster, a) == (0, 1, 0, 1)
    assert [x["lastStatus"] for x in a.poll(index=0)["tasks"]] == ["RUNNING"]
    # the task's own report is then a duplicate
    a.report_task(task, "RUNNING")
    assert a.describe_task(task)["startedAt"] == t["startedAt"]


def test_task_running_when_reported_running(server):
    ecs, cluster, family, [a] = setup(server)
    task = start(ecs, cluster, family, a)
    a.report_task(task, "RUNNING")
    t = a.describe_task(task)
    assert (t["lastStatus"], t["desiredStatus"]) == ("RUNNING", "RUNNING") and "startedAt" in t
    assert counts(ecs, cluster, a) == (0, 1, 0, 1)


def test_stopped_report_releases_and_sets_reason(server):
    ecs, cluster, family, [a] = setup(server)
    registered = resources(a.describe()["registeredResources"])
    exited, by_user, failed = (start(ecs, cluster, family, a) for _ in range(3))
    assert a.remaining()["MEMORY"] == registered["MEMORY"] - 3 * 250
    # an essential container exits by itself; the agent gives no task reason
    a.start_task(exited)
    a.report_container(exited, "web", "STOPPED", exit_code=137, reason="OutOfMemoryError: Container killed")
    a.report_task(exited, "STOPPED")
    t = a.describe_task(exited)
    assert (t["lastStatus"], t["desiredStatus"]) == ("STOPPED", "STOPPED")
    assert t["stoppedReason"] == "Essential container in task exited" and "stoppedAt" in t
    assert t["stopCode"] == "EssentialContainerExited", t
    assert [c["lastStatus"] for c in t["containers"]] == ["STOPPED", "STOPPED"]
    assert (t["containers"][0]["exitCode"], t["containers"][0]["reason"]) == (137, "OutOfMemoryError: Container killed")
    assert a.remaining()["MEMORY"] == registered["MEMORY"] - 2 * 250
    # stopped by the user first: the user's reason stays
    a.start_task(by_user)
    ecs.stop_task(cluster=cluster, task=by_user)
    a.stop_task(by_user)
    assert a.describe_task(by_user)["stoppedReason"] == "Task stopped by user"
    assert a.describe_task(by_user)["stopCode"] == "UserInitiated"
    # a task that never ran (image pull failed): no exit code, the container's reason
    a.report_container(failed, "web", "STOPPED", reason="CannotPullContainerError: not found")
    a.report_task(failed, "STOPPED", reason="CannotPullContainerError: not found")
    t = a.describe_task(failed)
    assert t["lastStatus"] == "STOPPED" and "exitCode" not in t["containers"][0]
    assert t["stoppedReason"] == "CannotPullContainerError: not found"
    assert t["stopCode"] == "TaskFailedToStart", t
    assert resources(a.describe()["remainingResources"]) == registered
    assert counts(ecs, cluster, a) == (0, 0, 0, 0)
    assert a.poll(index=0)["tasks"] == []
    assert sorted(ecs.list_tasks(cluster=cluster, desiredStatus="STOPPED")["taskArns"]) == sorted(
        [exited, by_user, failed])
