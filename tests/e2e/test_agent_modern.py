"""Container tests of issue 10 (point 3): today's task definition made real
by a real `ecsd agent` on a real dockerd, driven with boto3 as a user would.

Where: as test_agent_docker.py, inside the network namespace of the test
engine (scripts/test.sh's agent-docker stage, ECSD_AGENT_DOCKER=1,
DOCKER_HOST set); elsewhere this module offers no tests. What Docker and
the kernel really got is read back with `docker inspect`, `docker exec` in
the containers, and the task's cgroup files on the host.
"""
import datetime
import json
import os
import socket
import time

import agent_harness as ah
from harness import unique
from test_agent_docker import agent_env

FRESH_SERVER = True  # a server per test, as test_agent_docker.py


def register(env, containers, **task):
    """Registers a family of these containers (busybox unless said) and
    task-level members; returns the family."""
    family = unique("mod")
    for c in containers:
        c.setdefault("image", ah.LOCAL_IMAGE)
    env.ecs.register_task_definition(family=family, containerDefinitions=containers, **task)
    return family


def until(what, fn, timeout=60):
    return ah.wait_for(what, fn, timeout=timeout, interval=0.25)


def container_where(env, arn, name, pred, what, timeout=60):
    return until(f"{name} {what}", lambda: (lambda c: c if pred(c) else None)(env.container(arn, name)), timeout)


def task_where(env, arn, pred, what, timeout=60):
    return until(f"task {what}", lambda: (lambda t: t if pred(t) else None)(env.describe(arn)), timeout)


def sh(cid, script):
    """Runs script in the container; returns its stdout."""
    return ah.docker("exec", cid, "sh", "-c", script)


def started_at(info, key="StartedAt"):
    """Docker's RFC 3339 time with nanoseconds, as a datetime."""
    s = info["State"][key]
    head, _, frac = s.rstrip("Z").partition(".")
    return datetime.datetime.fromisoformat(f"{head}.{(frac + '000000')[:6]}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_attributes_registered_and_awsvpc_placement(server):
    with agent_env(server) as env:
        inst_arn = env.agent.metadata()["ContainerInstanceArn"]
        [inst] = env.ecs.describe_container_instances(cluster=env.cluster,
                                                      containerInstances=[inst_arn])["containerInstances"]
        attrs = {a["name"]: a.get("value") for a in inst["attributes"]}
        assert attrs["ecs.os-type"] == "linux" and attrs["ecs.os-family"] == "LINUX", attrs
        assert attrs["ecs.cpu-architecture"] in ("x86_64", "arm64"), attrs
        for name in ["com.amazonaws.ecs.capability.privileged-container",
                     "com.amazonaws.ecs.capability.docker-remote-api.1.17",
                     "com.amazonaws.ecs.capability.docker-remote-api.1.24",
                     "com.amazonaws.ecs.capability.logging-driver.json-file",
                     "com.amazonaws.ecs.capability.logging-driver.none",
                     "ecs.capability.container-health-check", "ecs.capability.container-ordering",
                     "ecs.capability.task-cpu-mem-limit", "ecs.capability.container-restart-policy"]:
            assert name in attrs and attrs[name] is None, (name, attrs)
        assert "com.amazonaws.ecs.capability.task-iam-role" not in attrs
        # awsvpc (test_awsvpc_docker.py runs such tasks) and Fargate capacity, by default
        assert "ecs.capability.task-eni" in attrs and "ecs.capability.fargate" in attrs, attrs
        assert "ecs.capability.fargate-only" not in attrs, attrs


def test_task_level_cpu_memory_cgroup(server):
    with agent_env(server, ["--stop-timeout", "1", "--cleanup-delay", "2s"]) as env:
        inst_arn = env.agent.metadata()["ContainerInstanceArn"]

        def remaining():
            [i] = env.ecs.describe_container_instances(cluster=env.cluster,
                                                       containerInstances=[inst_arn])["containerInstances"]
            return {r["name"]: r.get("integerValue") for r in i["remainingResources"]}

        before = remaining()
        family = register(env, [
            {"name": "burn", "memory": 64, "command": ["sh", "-c", "while :; do :; done"]},
            {"name": "idle", "memoryReservation": 16, "command": ["sleep", "1000"]}],
            cpu="0.5 vCPU", memory="128")
        arn = env.run(family)
        env.wait_status(arn, "RUNNING", timeout=90)
        task_id = arn.rsplit("/", 1)[1]
        # the task-level values are what the instance reserves
        after = remaining()
        assert before["CPU"] - after["CPU"] == 512 and before["MEMORY"] - after["MEMORY"] == 128, (before, after)
        ids = env.docker_ids(arn)
        for cid in ids.values():
            assert ah.inspect(cid)["HostConfig"]["CgroupParent"] == f"/ecs/{task_id}"
        idle = ids["idle"]
        # inside: the container lives under the task's cgroup and sees its memory limit
        assert f":/ecs/{task_id}/" in sh(idle, "cat /proc/self/cgroup")
        v1 = os.path.isdir("/sys/fs/cgroup/memory")
        if v1:
            stat = dict(line.split() for line in sh(idle, "cat /sys/fs/cgroup/memory/memory.stat").splitlines())
            assert int(stat["hierarchical_memory_limit"]) == 128 << 20, stat
            cpu_dir = f"/sys/fs/cgroup/cpu/ecs/{task_id}"
            with open(f"{cpu_dir}/cpu.cfs_quota_us") as f:
                assert f.read().strip() == "50000"
            with open(f"/sys/fs/cgroup/memory/ecs/{task_id}/memory.limit_in_bytes") as f:
                assert int(f.read()) == 128 << 20
        else:
            cpu_dir = f"/sys/fs/cgroup/ecs/{task_id}"
            with open(f"{cpu_dir}/cpu.max") as f:
                assert f.read().split() == ["50000", "100000"]
            with open(f"{cpu_dir}/memory.max") as f:
                assert int(f.read()) == 128 << 20
        # the quota holds: the busy loop is throttled at half a CPU

        def throttled():
            with open(f"{cpu_dir}/cpu.stat") as f:
                return int(dict(line.split() for line in f)["nr_throttled"]) > 0
        until("the task's cgroup throttled", throttled, timeout=20)
        assert ah.inspect(ids["idle"])["HostConfig"]["MemoryReservation"] == 16 << 20
        env.ecs.stop_task(cluster=env.cluster, task=arn)
        env.wait_status(arn, "STOPPED")
        # cleaned up with the task
        until("the task cgroup removed", lambda: not os.path.exists(cpu_dir), timeout=30)


def test_health_check_healthy_then_unhealthy(server):
    with agent_env(server, ["--stop-timeout", "1"]) as env:
        family = register(env, [
            {"name": "app", "memory": 16, "command": ["sh", "-c", "touch /tmp/ok; sleep 9; rm /tmp/ok; sleep 1000"],
             "healthCheck": {"command": ["CMD-SHELL", "test -e /tmp/ok"], "interval": 5, "timeout": 2,
                             "retries": 1}},
            {"name": "side", "memory": 16, "essential": False, "command": ["sleep", "1000"],
             "healthCheck": {"command": ["CMD", "false"], "interval": 5, "timeout": 2, "retries": 1}},
            {"name": "plain", "memory": 16, "essential": False, "command": ["sleep", "1000"]}])
        arn = env.run(family)
        task = env.wait_status(arn, "RUNNING", timeout=90)
        assert task["healthStatus"] == "UNKNOWN", task
        hc = ah.inspect(env.docker_ids(arn)["app"])["Config"]["Healthcheck"]
        assert hc["Test"] == ["CMD-SHELL", "test -e /tmp/ok"] and hc["Interval"] == 5 * 10**9, hc
        assert hc["Timeout"] == 2 * 10**9 and hc["Retries"] == 1, hc
        # the essential container healthy makes the task healthy; the non-essential unhealthy one does not count
        task = task_where(env, arn, lambda t: t.get("healthStatus") == "HEALTHY", "HEALTHY", timeout=30)
        by = {c["name"]: c for c in task["containers"]}
        assert by["app"]["healthStatus"] == "HEALTHY", by
        side = container_where(env, arn, "side", lambda c: c.get("healthStatus") == "UNHEALTHY", "UNHEALTHY", 30)
        assert side["lastStatus"] == "RUNNING"
        assert env.container(arn, "plain")["healthStatus"] == "UNKNOWN"  # no check
        # then the check fails: the essential container and the task become UNHEALTHY
        task = task_where(env, arn, lambda t: t.get("healthStatus") == "UNHEALTHY", "UNHEALTHY", timeout=30)
        assert {c["name"]: c["healthStatus"] for c in task["containers"]}["app"] == "UNHEALTHY", task
        assert task["lastStatus"] == "RUNNING"  # a standalone task is not stopped for it
        env.ecs.stop_task(cluster=env.cluster, task=arn)
        env.wait_status(arn, "STOPPED")


def test_depends_on_each_condition_and_stop_order(server):
    with agent_env(server, ["--stop-timeout", "2"]) as env:
        family = register(env, [
            {"name": "init", "memory": 16, "essential": False, "command": ["sh", "-c", "sleep 1; exit 0"]},
            {"name": "fails", "memory": 16, "essential": False, "command": ["sh", "-c", "sleep 1; exit 2"]},
            {"name": "db", "memory": 16, "command": ["sleep", "1000"],
             "healthCheck": {"command": ["CMD-SHELL", "true"], "interval": 5, "timeout": 2, "retries": 1}},
            {"name": "after_start", "memory": 16, "command": ["sleep", "1000"],
             "dependsOn": [{"containerName": "db", "condition": "START"}]},
            {"name": "after_complete", "memory": 16, "command": ["sleep", "1000"],
             "dependsOn": [{"containerName": "fails", "condition": "COMPLETE"}]},
            {"name": "after_success", "memory": 16, "command": ["sleep", "1000"],
             "dependsOn": [{"containerName": "init", "condition": "SUCCESS"}]},
            {"name": "after_healthy", "memory": 16, "command": ["sleep", "1000"],
             "dependsOn": [{"containerName": "db", "condition": "HEALTHY"}]},
            {"name": "never", "memory": 16, "essential": False, "command": ["sleep", "1000"],
             "dependsOn": [{"containerName": "fails", "condition": "SUCCESS"}]}])
        arn = env.run(family)
        task = env.wait_status(arn, "RUNNING", timeout=90)
        by = {c["name"]: c for c in task["containers"]}
        assert by["init"]["exitCode"] == 0 and by["fails"]["exitCode"] == 2, by
        never = by["never"]
        assert never["lastStatus"] == "STOPPED" and "exitCode" not in never, never
        assert "fails (SUCCESS): it exited with code 2" in never["reason"], never
        ids = env.docker_ids(arn)
        assert "never" not in ids  # never created
        info = {n: ah.inspect(i) for n, i in ids.items()}
        assert started_at(info["after_start"]) >= started_at(info["db"])
        assert started_at(info["after_complete"]) >= started_at(info["fails"], "FinishedAt")
        assert started_at(info["after_success"]) >= started_at(info["init"], "FinishedAt")
        first_healthy = min(started_at({"State": {"StartedAt": h["End"]}})
                            for h in info["db"]["State"]["Health"]["Log"] if h["ExitCode"] == 0)
        assert started_at(info["after_healthy"]) >= first_healthy, (info["after_healthy"]["State"], first_healthy)
        # stopping: what depends on db stops before db does
        env.ecs.stop_task(cluster=env.cluster, task=arn)
        env.wait_status(arn, "STOPPED", timeout=60)
        done = {n: ah.inspect(i) for n, i in ids.items()}
        db_stop = started_at(done["db"], "FinishedAt")
        assert started_at(done["after_start"], "FinishedAt") <= db_stop
        assert started_at(done["after_healthy"], "FinishedAt") <= db_stop


def test_depends_on_start_timeout_fails_the_task(server):
    with agent_env(server, ["--stop-timeout", "1"]) as env:
        family = register(env, [
            {"name": "slow", "memory": 16, "essential": False, "command": ["sleep", "1000"], "startTimeout": 3,
             "healthCheck": {"command": ["CMD", "false"], "interval": 5, "timeout": 2, "retries": 3}},
            {"name": "web", "memory": 16, "command": ["sleep", "1000"],
             "dependsOn": [{"containerName": "slow", "condition": "HEALTHY"}]}])
        arn = env.run(family)
        t0 = time.time()
        task = env.wait_status(arn, "STOPPED", timeout=60)
        assert time.time() - t0 < 40
        assert "slow (HEALTHY): not met within its startTimeout of 3s" in task["stoppedReason"], task
        web = {c["name"]: c for c in task["containers"]}["web"]
        assert "startTimeout" in web["reason"], web
        assert "web" not in env.docker_ids(arn)


def test_stop_timeout_per_container(server):
    with agent_env(server, ["--stop-timeout", "60"]) as env:
        family = register(env, [{"name": "stubborn", "memory": 16, "stopTimeout": 3,
                                 "command": ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"]}])
        arn = env.run(family)
        env.wait_status(arn, "RUNNING")
        assert ah.inspect(env.docker_ids(arn)["stubborn"])["Config"]["StopTimeout"] == 3
        t0 = time.time()
        env.ecs.stop_task(cluster=env.cluster, task=arn)
        task = env.wait_status(arn, "STOPPED", timeout=40)
        elapsed = time.time() - t0
        assert 2.5 <= elapsed <= 3 + 10, f"stopped after {elapsed:.1f} s with stopTimeout 3 (agent default 60)"
        assert task["containers"][0]["exitCode"] == 137, task["containers"]


def test_container_settings_inside(server):
    with agent_env(server, ["--stop-timeout", "1"]) as env:
        family = register(env, [{
            "name": "probe", "memory": 32, "memoryReservation": 16, "command": ["sh", "-c", "echo hello-log; sleep 1000"],
            "user": "65534:65534", "workingDirectory": "/tmp", "readonlyRootFilesystem": True,
            "hostname": "probe-host", "dockerLabels": {"team": "blue"},
            "ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 2048}],
            "extraHosts": [{"hostname": "db.example", "ipAddress": "10.9.8.7"}],
            "dnsServers": ["10.0.0.53"], "dnsSearchDomains": ["corp.example"],
            "systemControls": [{"namespace": "net.core.somaxconn", "value": "512"}],
            "linuxParameters": {"initProcessEnabled": True, "sharedMemorySize": 32,
                                "tmpfs": [{"containerPath": "/scratch", "size": 8, "mountOptions": ["mode=1777"]}],
                                "capabilities": {"drop": ["NET_RAW"]}},
            "logConfiguration": {"logDriver": "json-file", "options": {"max-size": "1m", "max-file": "2"}}}])
        arn = env.run(family)
        env.wait_status(arn, "RUNNING")
        cid = env.docker_ids(arn)["probe"]
        assert sh(cid, "id -u; id -g").split() == ["65534", "65534"]
        assert sh(cid, "pwd").strip() == "/tmp"
        # the container's own process (PID 1), not an exec: docker exec may start
        # with the daemon's limits rather than the container's
        assert sh(cid, "grep 'Max open files' /proc/1/limits").split()[3:5] == ["1024", "2048"]
        assert sh(cid, "hostname").strip() == "probe-host"
        assert "10.9.8.7\tdb.example" in sh(cid, "cat /etc/hosts")
        resolv = sh(cid, "cat /etc/resolv.conf")
        assert "nameserver 10.0.0.53" in resolv and "corp.example" in resolv, resolv
        assert sh(cid, "cat /proc/sys/net/core/somaxconn").strip() == "512"
        assert "read-only" in sh(cid, "touch /probe 2>&1; true").lower()
        assert sh(cid, "touch /scratch/ok && echo ok").strip() == "ok"  # the tmpfs is writable
        assert "size=8192k" in sh(cid, "grep ' /scratch ' /proc/mounts")
        assert "size=32768k" in sh(cid, "grep ' /dev/shm ' /proc/mounts")
        assert "init" in sh(cid, "cat /proc/1/comm")  # Docker's init is PID 1
        info = ah.inspect(cid)
        assert info["Config"]["Labels"]["team"] == "blue"
        assert info["Config"]["Labels"]["com.amazonaws.ecs.task-arn"] == arn
        assert info["HostConfig"]["CapDrop"] == ["NET_RAW"] and info["HostConfig"]["Init"] is True
        assert info["HostConfig"]["MemoryReservation"] == 16 << 20
        lc = info["HostConfig"]["LogConfig"]
        assert lc["Type"] == "json-file" and lc["Config"] == {"max-size": "1m", "max-file": "2"}, lc
        until("the log line", lambda: "hello-log" in ah.docker("logs", cid), timeout=10)
        env.ecs.stop_task(cluster=env.cluster, task=arn)
        env.wait_status(arn, "STOPPED")


def volumes_named(name):
    return set(ah.docker("volume", "ls", "-q", "--filter", f"name={name}").split())


def test_named_docker_volumes_task_and_shared_scope(server):
    with agent_env(server, ["--stop-timeout", "1", "--cleanup-delay", "2s"]) as env:
        shared = unique("keep")
        volumes = [{"name": "scratch", "dockerVolumeConfiguration": {"scope": "task", "driver": "local",
                                                                    "labels": {"purpose": "test"}}},
                   {"name": shared, "dockerVolumeConfiguration": {"scope": "shared", "autoprovision": True,
                                                                 "driver": "local"}}]
        mounts = [{"sourceVolume": "scratch", "containerPath": "/t"}, {"sourceVolume": shared, "containerPath": "/s"}]
        writer = register(env, [{"name": "w", "memory": 16, "mountPoints": mounts, "command": [
            "sh", "-c", "cat /s/count 2>/dev/null || echo 0 > /s/count; echo $(( $(cat /s/count) + 1 )) > /s/count;"
                        " echo mine > /t/x; sleep 1000"]}], volumes=volumes)
        try:
            arn = env.run(writer)
            env.wait_status(arn, "RUNNING")
            task_id = arn.rsplit("/", 1)[1]
            task_vol = f"ecs-{writer}-1-scratch-{task_id.replace('-', '')[:20]}"
            assert volumes_named(task_vol) == {task_vol}, ah.docker("volume", "ls")
            info = json.loads(ah.docker("volume", "inspect", task_vol))[0]
            assert info["Labels"]["purpose"] == "test" and info["Labels"]["com.amazonaws.ecs.task-arn"] == arn
            assert shared in volumes_named(shared)
            cid = env.docker_ids(arn)["w"]
            assert sh(cid, "cat /t/x").strip() == "mine" and sh(cid, "cat /s/count").strip() == "1"
            env.ecs.stop_task(cluster=env.cluster, task=arn)
            env.wait_status(arn, "STOPPED")
            # the task's volume goes with the task; the shared one stays
            until("the task volume removed", lambda: not volumes_named(task_vol), timeout=30)
            assert shared in volumes_named(shared)
            # a second task finds the shared volume's data, and a fresh task volume
            arn2 = env.run(writer)
            env.wait_status(arn2, "RUNNING")
            cid2 = env.docker_ids(arn2)["w"]
            assert sh(cid2, "cat /s/count").strip() == "2"
            env.ecs.stop_task(cluster=env.cluster, task=arn2)
            env.wait_status(arn2, "STOPPED")
            # a shared volume that does not exist, without autoprovision: the task fails, saying so
            missing = unique("absent")
            lone = register(env, [{"name": "r", "memory": 16, "command": ["true"],
                                   "mountPoints": [{"sourceVolume": missing, "containerPath": "/m"}]}],
                            volumes=[{"name": missing, "dockerVolumeConfiguration": {"scope": "shared",
                                                                                     "autoprovision": False}}])
            arn3 = env.run(lone)
            task = env.wait_status(arn3, "STOPPED")
            assert task["stoppedReason"].startswith("ResourceInitializationError: "), task
            assert missing in task["stoppedReason"] and "autoprovision" in task["stoppedReason"], task
            assert not volumes_named(missing)
        finally:
            ah.docker("volume", "rm", "-f", shared, check=False)


def test_network_modes_host_and_none(server):
    with agent_env(server, ["--stop-timeout", "1"]) as env:
        port = free_port()
        host = register(env, [{"name": "web", "memory": 16, "portMappings": [{"containerPort": port}],
                               "command": ["sh", "-c", f"echo on-host > /tmp/i && exec httpd -f -p {port} -h /tmp"]}],
                        networkMode="host")
        none = register(env, [{"name": "alone", "memory": 16, "command": ["sleep", "1000"]}], networkMode="none")
        arn = env.run(host)
        task = env.wait_status(arn, "RUNNING")
        assert task["containers"][0]["networkBindings"] == [
            {"bindIP": "0.0.0.0", "containerPort": port, "hostPort": port, "protocol": "tcp"}], task["containers"]
        assert ah.inspect(env.docker_ids(arn)["web"])["HostConfig"]["NetworkMode"] == "host"
        assert until("the host-network server", lambda: ah.http_get(f"http://127.0.0.1:{port}/i"), 15) == "on-host\n"
        # the container's port is the host's: reserved while the task runs
        assert str(port) in env.remaining_ports()
        r = env.ecs.run_task(cluster=env.cluster, taskDefinition=host)
        assert r["tasks"] == [] and r["failures"][0]["reason"] == "RESOURCE:PORTS", r
        arn2 = env.run(none)
        env.wait_status(arn2, "RUNNING")
        cid = env.docker_ids(arn2)["alone"]
        assert ah.inspect(cid)["HostConfig"]["NetworkMode"] == "none"
        assert sh(cid, "ls /sys/class/net").split() == ["lo"]
        for a in (arn, arn2):
            env.ecs.stop_task(cluster=env.cluster, task=a)
            env.wait_status(a, "STOPPED")
        assert str(port) not in env.remaining_ports()


def test_restart_policy_restarts_after_the_attempt_period(server):
    """ECS's rule: an exited container is started again when it ran at least
    restartAttemptPeriod (60 s at the least) since its last start; an early
    exit is final. So: a first run of 61 s, then an exit at once."""
    with agent_env(server, ["--stop-timeout", "1"]) as env:
        ctl = env.tmpdir()
        family = register(env, [{
            "name": "flaky", "memory": 16,
            "restartPolicy": {"enabled": True, "restartAttemptPeriod": 60, "ignoredExitCodes": [0]},
            "mountPoints": [{"sourceVolume": "ctl", "containerPath": "/ctl"}],
            "command": ["sh", "-c", "n=$(cat /ctl/n 2>/dev/null || echo 0); echo $((n + 1)) > /ctl/n;"
                                    " [ $n -eq 0 ] && sleep 61; exit 3"]}],
            volumes=[{"name": "ctl", "host": {"sourcePath": ctl}}])
        arn = env.run(family)
        env.wait_status(arn, "RUNNING")
        cid = env.docker_ids(arn)["flaky"]
        first_start = started_at(ah.inspect(cid))
        task = env.wait_status(arn, "STOPPED", timeout=120)
        with open(os.path.join(ctl, "n")) as f:
            assert f.read().strip() == "2"  # ran twice: restarted once, not after the early exit
        assert env.docker_ids(arn) == {"flaky": cid}  # the same container, started again
        assert started_at(ah.inspect(cid)) > first_start
        assert task["stoppedReason"] == "Essential container in task exited", task
        assert task["containers"][0]["exitCode"] == 3, task


def test_what_is_not_available_fails_clearly(server):
    with agent_env(server) as env:
        # awslogs is shipped by the agent (test_logs_docker.py); options Docker's driver refuses fail the task
        awslogs = register(env, [{"name": "l", "memory": 16, "command": ["true"], "logConfiguration": {
            "logDriver": "awslogs", "options": {"awslogs-region": "us-east-1"}}}])
        arn = env.run(awslogs)
        task = env.wait_status(arn, "STOPPED")
        assert task["stoppedReason"].startswith("ResourceInitializationError: "), task
        assert "must specify a value for log opt 'awslogs-group'" in task["stoppedReason"], task
        assert env.docker_ids(arn) == {}  # nothing was created
        # secrets: refused at placement (the instance lacks the capability) or by the agent, naming them
        secret = register(env, [{"name": "s", "memory": 16, "command": ["true"], "secrets": [
            {"name": "PASSWORD", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/pw"}]}])
        r = env.ecs.run_task(cluster=env.cluster, taskDefinition=secret)
        if r["failures"]:
            [f] = r["failures"]
            assert f["reason"] == "ATTRIBUTE" and "secrets" in f["detail"], f
        else:
            task = env.wait_status(r["tasks"][0]["taskArn"], "STOPPED")
            assert "secrets" in task["stoppedReason"], task


if not ah.enabled():
    # Not in the container stage: this module offers no tests (see the docstring).
    for _name in [n for n in list(globals()) if n.startswith("test_")]:
        del globals()[_name]
