"""The four botocore waiters of ECS (services-stable, services-inactive,
tasks-running, tasks-stopped) against ecsd, through boto3's get_waiter and
the aws CLI's `aws ecs wait`, with hosts played by AutoAgents
(svc_agents.py). The waiters read (botocore's ecs waiters-2.json):
services-stable: failures[].reason MISSING or services[].status DRAINING /
INACTIVE fail, success when every service has one deployment and
runningCount == desiredCount; services-inactive: MISSING fails, any
services[].status INACTIVE succeeds; tasks-running: any lastStatus STOPPED
or a MISSING failure fails, all RUNNING succeeds; tasks-stopped: all
STOPPED succeeds."""
import time

from botocore.exceptions import WaiterError

from harness import unique
from svc_agents import AutoAgent
from test_deployments import describe, setup

FAST = {"Delay": 1, "MaxAttempts": 40}


def waiter_fails(fn, reason):
    try:
        fn()
    except WaiterError as e:
        assert reason in str(e), str(e)
        return e
    raise AssertionError("the waiter succeeded")


def test_services_stable_through_a_rollout(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster, start_delay=0.5), AutoAgent(server, cluster, start_delay=0.5):
        name = unique("ws")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=f"{family}:1", desiredCount=3)
        ecs.get_waiter("services_stable").wait(cluster=cluster, services=[name], WaiterConfig=FAST)
        s = describe(ecs, cluster, name)
        assert len(s["deployments"]) == 1 and s["runningCount"] == s["desiredCount"] == 3
        # a rolling update: two deployments until the old one drained
        u = ecs.update_service(cluster=cluster, service=name, taskDefinition=f"{family}:2")["service"]
        assert len(u["deployments"]) == 2
        ecs.get_waiter("services_stable").wait(cluster=cluster, services=[name], WaiterConfig=FAST)
        s = describe(ecs, cluster, name)
        assert [d["taskDefinition"] for d in s["deployments"]] == [u["taskDefinition"]] and s["runningCount"] == 3
        # terminal failures: a service that does not exist, one DRAINING
        waiter_fails(lambda: ecs.get_waiter("services_stable").wait(cluster=cluster, services=[name, unique("no")],
                                                                    WaiterConfig=FAST), "terminal failure")
        ecs.delete_service(cluster=cluster, service=name, force=True)
        if describe(ecs, cluster, name)["status"] == "DRAINING":
            waiter_fails(lambda: ecs.get_waiter("services_stable").wait(cluster=cluster, services=[name],
                                                                        WaiterConfig=FAST), "terminal failure")
        ecs.get_waiter("services_inactive").wait(cluster=cluster, services=[name], WaiterConfig=FAST)
        assert describe(ecs, cluster, name)["status"] == "INACTIVE"


def test_services_stable_times_out_when_nothing_fits(server):
    ecs, cluster, family = setup(server)
    name = unique("nohost")  # no container instance: never stable
    ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=f"{family}:1", desiredCount=1)
    waiter_fails(lambda: ecs.get_waiter("services_stable").wait(cluster=cluster, services=[name],
                                                                WaiterConfig={"Delay": 1, "MaxAttempts": 3}),
                 "Max attempts exceeded")
    waiter_fails(lambda: ecs.get_waiter("services_inactive").wait(cluster=cluster, services=[unique("no")],
                                                                  WaiterConfig=FAST), "terminal failure")
    ecs.delete_service(cluster=cluster, service=name, force=True)


def test_tasks_running_and_stopped(server):
    ecs, cluster, family = setup(server)
    broken = lambda task: task["taskDefinitionArn"].endswith(f"/{family}:2")  # noqa: E731
    with AutoAgent(server, cluster, start_delay=1.0, broken=broken):
        arns = [t["taskArn"] for t in ecs.run_task(cluster=cluster, taskDefinition=f"{family}:1", count=2)["tasks"]]
        assert {t["lastStatus"] for t in ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"]} == {"PENDING"}
        ecs.get_waiter("tasks_running").wait(cluster=cluster, tasks=arns, WaiterConfig=FAST)
        assert {t["lastStatus"] for t in ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"]} == {"RUNNING"}
        for a in arns:
            ecs.stop_task(cluster=cluster, task=a)
        ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=arns, WaiterConfig=FAST)
        assert {t["lastStatus"] for t in ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"]} == {"STOPPED"}
        # waiting for a stopped task to run, or for one that does not exist: terminal failures
        waiter_fails(lambda: ecs.get_waiter("tasks_running").wait(cluster=cluster, tasks=arns, WaiterConfig=FAST),
                     "terminal failure")
        waiter_fails(lambda: ecs.get_waiter("tasks_running").wait(cluster=cluster, tasks=["0" * 32],
                                                                  WaiterConfig=FAST), "terminal failure")
        # a container that exits at once: tasks-running fails once the task is STOPPED
        bad = ecs.run_task(cluster=cluster, taskDefinition=f"{family}:2")["tasks"][0]["taskArn"]
        waiter_fails(lambda: ecs.get_waiter("tasks_running").wait(cluster=cluster, tasks=[bad], WaiterConfig=FAST),
                     "terminal failure")
        [t] = ecs.describe_tasks(cluster=cluster, tasks=[bad])["tasks"]
        assert t["lastStatus"] == "STOPPED" and t["containers"][0]["exitCode"] == 1


def cli_wait(server, *args):
    t0 = time.time()
    p = server.cli("wait", *args, check=False)
    return p, time.time() - t0


def test_aws_cli_wait(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster, start_delay=0.3):
        arn = ecs.run_task(cluster=cluster, taskDefinition=f"{family}:1")["tasks"][0]["taskArn"]
        p, took = cli_wait(server, "tasks-running", "--cluster", cluster, "--tasks", arn)
        assert p.returncode == 0, p.stderr
        assert ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]["lastStatus"] == "RUNNING"
        ecs.stop_task(cluster=cluster, task=arn)
        p, took = cli_wait(server, "tasks-stopped", "--cluster", cluster, "--tasks", arn)
        assert p.returncode == 0, p.stderr
        assert ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]["lastStatus"] == "STOPPED"
        p, _ = cli_wait(server, "tasks-running", "--cluster", cluster, "--tasks", arn)
        assert p.returncode != 0 and "terminal failure" in p.stderr, (p.returncode, p.stderr)
        name = unique("cw")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=f"{family}:1", desiredCount=1)
        p, took = cli_wait(server, "services-stable", "--cluster", cluster, "--services", name)
        assert p.returncode == 0, p.stderr
        s = describe(ecs, cluster, name)
        assert len(s["deployments"]) == 1 and s["runningCount"] == 1
        p, _ = cli_wait(server, "services-stable", "--cluster", cluster, "--services", unique("none"))
        assert p.returncode != 0 and "terminal failure" in p.stderr, (p.returncode, p.stderr)
        ecs.update_service(cluster=cluster, service=name, desiredCount=0)
        ecs.delete_service(cluster=cluster, service=name)
        p, took = cli_wait(server, "services-inactive", "--cluster", cluster, "--services", name)
        assert p.returncode == 0, p.stderr
        assert describe(ecs, cluster, name)["status"] == "INACTIVE"
        print(f"  aws ecs wait services-inactive returned after {took:.1f} s")
