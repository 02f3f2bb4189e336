"""Task scale-in protection and agent updates (issue 11 point 7):
GetTaskProtection / UpdateTaskProtection with ECS's failures, the
scheduler passing over protected tasks when it scales in (and waiting when
all are protected), and UpdateContainerAgent answered as ECS does when no
update applies."""
import datetime
import time

from fake_agent import total_resources
from harness import expect_error, unique
from svc_agents import AutoAgent
from test_services import describe, messages, setup, steady, tasks_of, wait_for


def protect(ecs, cluster, arns, on=True, **kw):
    return ecs.update_task_protection(cluster=cluster, tasks=arns, protectionEnabled=on, **kw)


def test_protection_calls(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster):
        name = unique("web")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=2)
        wait_for(lambda: steady(ecs, cluster, name, 2), what="2 running")
        a, b = [t["taskArn"] for t in tasks_of(ecs, cluster, name)]
        lone = ecs.run_task(cluster=cluster, taskDefinition=family)["tasks"][0]["taskArn"]
        r = ecs.get_task_protection(cluster=cluster, tasks=[a, b])
        assert r["failures"] == []
        assert r["protectedTasks"] == [{"taskArn": a, "protectionEnabled": False},
                                       {"taskArn": b, "protectionEnabled": False}]
        before = datetime.datetime.now(datetime.timezone.utc)
        r = protect(ecs, cluster, [a])  # default: 120 minutes
        [p] = r["protectedTasks"]
        assert p["taskArn"] == a and p["protectionEnabled"] is True
        assert abs((p["expirationDate"] - before).total_seconds() - 7200) < 30
        r = protect(ecs, cluster, [a.rsplit("/", 1)[1], lone, "0" * 32], expiresInMinutes=2880)
        assert [t["taskArn"] for t in r["protectedTasks"]] == [a]
        assert abs((r["protectedTasks"][0]["expirationDate"] - before).total_seconds() - 2880 * 60) < 30
        assert [(f["arn"], f["reason"]) for f in r["failures"]] == [
            (lone, "TASK_NOT_VALID"), (f"{a.rsplit('/', 1)[0]}/{'0' * 32}", "MISSING")]
        r = ecs.get_task_protection(cluster=cluster, tasks=[a, b])
        assert [t["protectionEnabled"] for t in r["protectedTasks"]] == [True, False]
        r = protect(ecs, cluster, [a], on=False)
        assert r["protectedTasks"] == [{"taskArn": a, "protectionEnabled": False}]
        for bad in (0, 2881):
            expect_error(lambda: protect(ecs, cluster, [a], expiresInMinutes=bad), "InvalidParameterException",
                         "expiresInMinutes must be between 1 and 2880.")
        expect_error(lambda: protect(ecs, cluster, [a] * 11), "InvalidParameterException",
                     "tasks can have at most 10 items.")
        expect_error(lambda: ecs.get_task_protection(cluster=unique("nope"), tasks=[a]), "ClusterNotFoundException")
        assert not ecs.get_task_protection(cluster=cluster, tasks=[a])["protectedTasks"][0]["protectionEnabled"]


def test_scale_in_passes_over_protected_tasks(server):
    ecs, cluster, family = setup(server)
    with AutoAgent(server, cluster) as host:
        name = unique("web")
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=3)
        wait_for(lambda: steady(ecs, cluster, name, 3), what="3 running")
        arns = sorted(t["taskArn"] for t in tasks_of(ecs, cluster, name))
        kept = arns[:2]
        protect(ecs, cluster, kept, expiresInMinutes=30)
        ecs.update_service(cluster=cluster, service=name, desiredCount=1)

        def waiting():
            s = describe(ecs, cluster, name)
            said = f"(service {name}) was unable to scale in due to (reason: 1 tasks under protection)."
            running = sorted(t["taskArn"] for t in tasks_of(ecs, cluster, name))
            return s if running == kept and said in messages(s) else None
        wait_for(waiting, what="the unprotected task stopped, the protected kept")
        wait_for(lambda: arns[2] in host.stopped, what="the agent told to stop it")
        assert not set(kept) & host.stopped
        time.sleep(1.5)  # a few scheduler passes: still waiting
        assert sorted(t["taskArn"] for t in tasks_of(ecs, cluster, name)) == kept
        # protection lifted from one: that one goes, the other stays
        protect(ecs, cluster, [kept[1]], on=False)
        wait_for(lambda: steady(ecs, cluster, name, 1), what="1 running")
        assert [t["taskArn"] for t in tasks_of(ecs, cluster, name)] == [kept[0]]
        # all protected: scale to 0 waits
        ecs.update_service(cluster=cluster, service=name, desiredCount=0)
        wait_for(lambda: f"(service {name}) was unable to scale in due to (reason: 1 tasks under protection)."
                 in messages(describe(ecs, cluster, name)) and describe(ecs, cluster, name)["runningCount"] == 1,
                 what="scale-in waiting")
        time.sleep(1.0)
        assert [t["taskArn"] for t in tasks_of(ecs, cluster, name)] == [kept[0]]
        # StopTask is not scale-in: it stops a protected task
        ecs.stop_task(cluster=cluster, task=kept[0])
        wait_for(lambda: describe(ecs, cluster, name)["runningCount"] == 0, what="stopped by StopTask")


def test_update_container_agent(server):
    ecs, cluster, _ = setup(server)
    with AutoAgent(server, cluster) as host:
        expect_error(lambda: ecs.update_container_agent(cluster=cluster, containerInstance=host.arn),
                     "NoUpdateAvailableException", "There is no update available for your container agent.")
        expect_error(lambda: ecs.update_container_agent(cluster=cluster, containerInstance="0" * 32),
                     "ClientException", "Container instance not found.")
        bare = ecs.register_container_instance(cluster=cluster, totalResources=total_resources(1024, 1024))
        arn = bare["containerInstance"]["containerInstanceArn"]
        expect_error(lambda: ecs.update_container_agent(cluster=cluster, containerInstance=arn),
                     "MissingVersionException")
        expect_error(lambda: ecs.update_container_agent(cluster=unique("nope"), containerInstance=arn),
                     "ClusterNotFoundException")
