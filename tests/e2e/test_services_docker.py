"""Services on a real `ecsd agent` and a real dockerd (issue 12): a
service whose container's healthCheck fails has its task replaced by the
scheduler (the agent reports UNHEALTHY from Docker's health status); a
DAEMON service puts its task on the host, takes it off when the host
drains and back when it is ACTIVE again.

Where: as test_agent_docker.py, inside the network namespace of the test
engine (scripts/test.sh's agent-docker stage, ECSD_AGENT_DOCKER=1,
DOCKER_HOST set); elsewhere this module offers no tests.
"""
import agent_harness as ah
from harness import unique
from test_agent_docker import agent_env

FRESH_SERVER = True  # a server per test, as test_agent_docker.py


def until(what, fn, timeout=90):
    return ah.wait_for(what, fn, timeout=timeout, interval=0.25)


def service(env, name):
    return env.ecs.describe_services(cluster=env.cluster, services=[name])["services"][0]


def tasks(env, name, desired="RUNNING"):
    arns = env.ecs.list_tasks(cluster=env.cluster, serviceName=name, desiredStatus=desired)["taskArns"]
    return env.ecs.describe_tasks(cluster=env.cluster, tasks=arns)["tasks"] if arns else []


def test_failing_health_check_gets_the_task_replaced(server):
    with agent_env(server, ["--stop-timeout", "1"]) as env:
        # healthy for a few seconds, then the check fails for good
        family = env.register([{"name": "app", "command": ["sh", "-c", "touch /tmp/ok; sleep 6; rm /tmp/ok; sleep 1000"],
                                "healthCheck": {"command": ["CMD-SHELL", "test -e /tmp/ok"], "interval": 5,
                                                "timeout": 2, "retries": 1}}])
        name = unique("hsvc")
        env.ecs.create_service(cluster=env.cluster, serviceName=name, taskDefinition=family, desiredCount=1)
        first = until("a RUNNING task", lambda: [t for t in tasks(env, name) if t["lastStatus"] == "RUNNING"])[0]
        arn, task_id = first["taskArn"], first["taskArn"].rsplit("/", 1)[1]
        cid = until("its container", lambda: env.docker_ids(arn).get("app"))
        until("HEALTHY", lambda: env.describe(arn).get("healthStatus") == "HEALTHY", timeout=30)
        # the check fails: UNHEALTHY, the scheduler stops it and starts another
        ev = f"(service {name}) (task {task_id}) failed container health checks."
        until("the health event", lambda: ev in [e["message"] for e in service(env, name)["events"]], timeout=60)
        t = env.wait_status(arn, "STOPPED", timeout=60)
        assert t["stoppedReason"] == "Task failed container health checks", t
        assert not ah.inspect(cid)["State"]["Running"]
        new = until("a replacement RUNNING", lambda: [x for x in tasks(env, name)
                                                       if x["taskArn"] != arn and x["lastStatus"] == "RUNNING"])
        assert new[0]["healthStatus"] in ("UNKNOWN", "HEALTHY"), new[0]
        env.ecs.delete_service(cluster=env.cluster, service=name, force=True)
        until("the service INACTIVE", lambda: service(env, name)["status"] == "INACTIVE", timeout=60)


def test_daemon_service_on_the_host(server):
    with agent_env(server, ["--stop-timeout", "1"]) as env:
        family = env.register([{"name": "d", "command": ["sleep", "1000"]}])
        name = unique("dsvc")
        env.ecs.create_service(cluster=env.cluster, serviceName=name, taskDefinition=family,
                               schedulingStrategy="DAEMON")
        inst = env.agent.metadata()["ContainerInstanceArn"]
        first = until("the daemon task RUNNING", lambda: [t for t in tasks(env, name) if t["lastStatus"] == "RUNNING"])
        assert len(first) == 1 and first[0]["containerInstanceArn"] == inst
        cid = until("its container", lambda: env.docker_ids(first[0]["taskArn"]).get("d"))
        assert ah.inspect(cid)["State"]["Running"]
        s = until("steady", lambda: (lambda x: x if x["desiredCount"] == 1 and x["runningCount"] == 1 and
                                     x["deployments"][0]["rolloutState"] == "COMPLETED" else None)(service(env, name)))
        assert s["schedulingStrategy"] == "DAEMON"
        # the host drains: its daemon task stops, the container with it
        env.ecs.update_container_instances_state(cluster=env.cluster, containerInstances=[inst], status="DRAINING")
        env.wait_status(first[0]["taskArn"], "STOPPED", timeout=60)
        assert not ah.inspect(cid)["State"]["Running"]
        until("desiredCount 0", lambda: service(env, name)["desiredCount"] == 0)
        # ACTIVE again: a daemon task comes back
        env.ecs.update_container_instances_state(cluster=env.cluster, containerInstances=[inst], status="ACTIVE")
        again = until("a new daemon task RUNNING", lambda: [t for t in tasks(env, name) if t["lastStatus"] == "RUNNING"])
        assert again[0]["taskArn"] != first[0]["taskArn"] and again[0]["containerInstanceArn"] == inst
        env.ecs.delete_service(cluster=env.cluster, service=name, force=True)
        until("the service INACTIVE", lambda: service(env, name)["status"] == "INACTIVE", timeout=60)


if not ah.enabled():
    # Not in the container stage: this module offers no tests (see the docstring).
    for _name in [n for n in list(globals()) if n.startswith("test_")]:
        del globals()[_name]
