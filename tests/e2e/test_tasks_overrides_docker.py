"""Container tests of RunTask's overrides (issue 10, point 1 applied to
tasks): what a real `ecsd agent` gives a real dockerd when a task overrides
its sizes, read back with `docker inspect` and the task's cgroup files.

Where: as test_agent_docker.py, inside the network namespace of the test
engine (scripts/test.sh's agent-docker stage, ECSD_AGENT_DOCKER=1,
DOCKER_HOST set); elsewhere this module offers no tests.
"""
import os

import agent_harness as ah
from harness import unique
from test_agent_docker import agent_env

FRESH_SERVER = True  # a server per test, as test_agent_docker.py


def register(env, containers, **task):
    family = unique("ovr")
    for c in containers:
        c.setdefault("image", ah.LOCAL_IMAGE)
    env.ecs.register_task_definition(family=family, containerDefinitions=containers, **task)
    return family


def read(path):
    with open(path) as f:
        return f.read().strip()


def test_overridden_sizes_reach_the_containers(server):
    with agent_env(server, ["--stop-timeout", "1", "--cleanup-delay", "2s"]) as env:
        family = register(env, [
            {"name": "app", "cpu": 64, "memory": 32, "command": ["sleep", "1000"]},
            {"name": "side", "memoryReservation": 8, "command": ["sleep", "1000"]}])
        arn = env.run(family, overrides={
            "cpu": "0.25 vCPU", "memory": "96",
            "containerOverrides": [{"name": "app", "cpu": 200, "memory": 48, "memoryReservation": 24},
                                   {"name": "side", "memoryReservation": 12, "command": ["sleep", "999"]}]})
        env.wait_status(arn, "RUNNING", timeout=90)
        task = env.describe(arn)
        assert (task["cpu"], task["memory"]) == ("256", "96"), task
        app = next(c for c in task["containers"] if c["name"] == "app")
        assert (app["cpu"], app["memory"], app["memoryReservation"]) == ("200", "48", "24"), app
        ids = env.docker_ids(arn)
        h = ah.inspect(ids["app"])["HostConfig"]
        assert (h["CpuShares"], h["Memory"], h["MemoryReservation"]) == (200, 48 << 20, 24 << 20), h
        side = ah.inspect(ids["side"])
        assert side["HostConfig"]["MemoryReservation"] == 12 << 20
        assert side["Config"]["Cmd"] == ["sleep", "999"]  # the command override, applied by the agent
        # the task's cgroup holds the overridden task-level limits
        task_id = arn.rsplit("/", 1)[1]
        assert h["CgroupParent"] == f"/ecs/{task_id}"
        if os.path.isdir("/sys/fs/cgroup/memory"):
            assert int(read(f"/sys/fs/cgroup/memory/ecs/{task_id}/memory.limit_in_bytes")) == 96 << 20
            assert read(f"/sys/fs/cgroup/cpu/ecs/{task_id}/cpu.cfs_quota_us") == "25000"
        else:
            assert int(read(f"/sys/fs/cgroup/ecs/{task_id}/memory.max")) == 96 << 20
            assert read(f"/sys/fs/cgroup/ecs/{task_id}/cpu.max").split() == ["25000", "100000"]
        env.ecs.stop_task(cluster=env.cluster, task=arn)
        env.wait_status(arn, "STOPPED")


def test_overrides_the_host_cannot_honour_fail_clearly(server):
    with agent_env(server) as env:
        family = register(env, [{"name": "app", "memory": 16, "command": ["true"]}])
        arn = env.run(family, overrides={"containerOverrides": [{"name": "app", "environmentFiles": [
            {"value": "arn:aws:s3:::bucket/app.env", "type": "s3"}]}]})
        task = env.wait_status(arn, "STOPPED")
        assert task["stoppedReason"].startswith("ResourceInitializationError: "), task
        assert "container app: environmentFiles" in task["stoppedReason"], task
        assert env.docker_ids(arn) == {}  # nothing was created
        # a container memory above the task's overridden memory: refused as the ECS agent does
        arn = env.run(family, overrides={"memory": "8", "containerOverrides": [{"name": "app", "memory": 16}]})
        task = env.wait_status(arn, "STOPPED")
        assert "memory 16 MiB is more than the task's 8 MiB" in task["stoppedReason"], task


if not ah.enabled():
    # Not in the container stage: this module offers no tests (see the docstring).
    for _name in [n for n in list(globals()) if n.startswith("test_")]:
        del globals()[_name]
