"""Container tests of issue 4: a real `ecsd server`, a real `ecsd agent` and
a real dockerd, driven with boto3 as a user would.

Where: inside the network namespace of the test engine (scripts/test.sh's
docker stage runs `nsenter --net=/run/netns/ecsd-test python3
tests/e2e/run.py test_agent_docker` with ECSD_AGENT_DOCKER=1 and
DOCKER_HOST set). A process in a namespace cannot reach the host's
loopback, so everything runs in the namespace: the server on its
127.0.0.1, the agent, boto3, and the containers' published ports. No
traffic leaves it. Elsewhere (the plain e2e stage) this module offers no
tests.

Images: busybox:latest (built from busybox-static by docker-netns.sh) and
127.0.0.1:5000/busybox:latest in the namespace's registry, untagged
locally first so that the agent really pulls it by name.
"""
import json
import os
import shutil
import tempfile
import time

import agent_harness as ah
from harness import unique

FRESH_SERVER = True  # a server per test: tests stop and restart it


class agent_env:
    """`with agent_env(server, [flags]) as env:` a cluster of the test's own
    with one agent; at the end the agent must stop cleanly (exit 0, also
    under ASan) and the cluster's containers are removed."""

    def __init__(self, server, extra_args=()):
        self.server, self.extra_args = server, list(extra_args)
        self.tmp = []

    def __enter__(self):
        self.cluster = unique("agt")
        self.ecs = self.server.client()
        self.ecs.create_cluster(clusterName=self.cluster)
        self.agent = ah.Agent(self.server, self.cluster, self.extra_args).start()
        return self

    def __exit__(self, exc_type, exc, tb):
        rc = self.agent.stop()
        log = self.agent.read_log()
        ah.remove_cluster_containers(self.cluster)
        self.agent.cleanup()
        for d in self.tmp:
            shutil.rmtree(d, ignore_errors=True)
        if exc_type is not None:
            print(f"--- agent log (last 4000 bytes):\n{log[-4000:]}")
        elif rc != 0:
            raise AssertionError(f"agent exited {rc}: {log[-6000:]}")
        return False

    def tmpdir(self):
        d = tempfile.mkdtemp(prefix="ecsd-vol-")
        os.chmod(d, 0o755)
        self.tmp.append(d)
        return d

    def register(self, containers, volumes=()):
        family = unique("fam")
        for c in containers:
            c.setdefault("memory", 16)
            c.setdefault("image", ah.LOCAL_IMAGE)
        self.ecs.register_task_definition(family=family, containerDefinitions=containers, volumes=list(volumes))
        return family

    def run(self, family, **kw):
        r = self.ecs.run_task(cluster=self.cluster, taskDefinition=family, **kw)
        assert not r["failures"], r["failures"]
        return r["tasks"][0]["taskArn"]

    def describe(self, arn):
        r = self.ecs.describe_tasks(cluster=self.cluster, tasks=[arn])
        assert not r["failures"], r["failures"]
        return r["tasks"][0]

    def container(self, arn, name):
        return next(c for c in self.describe(arn)["containers"] if c["name"] == name)

    def wait_status(self, arn, status, timeout=60):
        return ah.wait_for(f"task {arn} {status}",
                           lambda: (lambda t: t if t["lastStatus"] == status else None)(self.describe(arn)),
                           timeout=timeout)

    def docker_ids(self, arn):
        """{container name: Docker id} of the task's containers in Docker."""
        out = {}
        for cid in ah.containers(f"com.amazonaws.ecs.task-arn={arn}"):
            info = ah.inspect(cid)
            out[info["Config"]["Labels"]["com.amazonaws.ecs.container-name"]] = cid
        return out

    def remaining_ports(self):
        r = self.ecs.describe_container_instances(cluster=self.cluster,
                                                  containerInstances=[self.agent.metadata()["ContainerInstanceArn"]])
        inst = r["containerInstances"][0]
        return set(next(x for x in inst["remainingResources"] if x["name"] == "PORTS")["stringSetValue"])


def test_two_containers_link_env_volume_fixed_port(server):
    ah.docker("rmi", ah.REGISTRY_IMAGE, check=False)  # the agent must pull it by name
    with agent_env(server, ["--stop-timeout", "2"]) as env:
        www = env.tmpdir()
        with open(os.path.join(www, "index.html"), "w") as f:
            f.write("hello from the volume\n")
        family = env.register([
            {"name": "db", "cpu": 128, "memory": 32, "environment": [{"name": "DBNAME", "value": "orders"}],
             "command": ["sh", "-c", 'echo "$DBNAME" > /data/name && exec httpd -f -p 5432 -h /data'],
             "mountPoints": [{"sourceVolume": "scratch", "containerPath": "/data"}]},
            {"name": "app", "image": ah.REGISTRY_IMAGE, "cpu": 256, "memory": 48, "links": ["db:database"],
             "environment": [{"name": "GREETING", "value": "hi"}],
             "command": ["httpd", "-f", "-p", "80", "-h", "/www"],
             "portMappings": [{"containerPort": 80, "hostPort": 18080}],
             "mountPoints": [{"sourceVolume": "www", "containerPath": "/www", "readOnly": True}]},
        ], volumes=[{"name": "www", "host": {"sourcePath": www}}, {"name": "scratch"}])
        arn = env.run(family)
        task = env.wait_status(arn, "RUNNING", timeout=90)
        by_name = {c["name"]: c for c in task["containers"]}
        assert by_name["db"]["lastStatus"] == "RUNNING" and by_name["app"]["lastStatus"] == "RUNNING"
        assert by_name["app"]["networkBindings"] == [
            {"bindIP": "0.0.0.0", "containerPort": 80, "hostPort": 18080, "protocol": "tcp"}], by_name["app"]
        # the port answers inside the namespace, with the file of the host volume
        assert ah.http_get("http://127.0.0.1:18080/index.html") == "hello from the volume\n"
        # the linked container is reachable by its alias, with its environment variable
        ids = env.docker_ids(arn)
        assert set(ids) == {"db", "app"}, ids
        got = ah.docker("exec", ids["app"], "wget", "-qO-", "http://database:5432/name").strip()
        assert got == "orders", got
        # Docker has what the definition says
        app, db = ah.inspect(ids["app"]), ah.inspect(ids["db"])
        assert app["HostConfig"]["Memory"] == 48 * 1024 * 1024 and app["HostConfig"]["CpuShares"] == 256
        assert db["HostConfig"]["Memory"] == 32 * 1024 * 1024 and db["HostConfig"]["CpuShares"] == 128
        assert f"{www}:/www:ro" in app["HostConfig"]["Binds"], app["HostConfig"]["Binds"]
        assert "GREETING=hi" in app["Config"]["Env"] and "DBNAME=orders" in db["Config"]["Env"]
        labels = app["Config"]["Labels"]
        assert labels["com.amazonaws.ecs.task-arn"] == arn and labels["com.amazonaws.ecs.cluster"] == env.cluster
        assert labels["com.amazonaws.ecs.task-definition-family"] == family
        assert labels["com.amazonaws.ecs.task-definition-version"] == "1"
        assert app["Name"].startswith(f"/ecs-{family}-1-app-"), app["Name"]
        # the agent-managed folder of the volume without sourcePath
        task_id = arn.rsplit("/", 1)[1]
        with open(os.path.join(env.agent.data_dir, "volumes", task_id, "scratch", "name")) as f:
            assert f.read() == "orders\n"
        ah.docker("image", "inspect", ah.REGISTRY_IMAGE)  # pulled
        # the fixed host port is reserved on the instance
        assert "18080" in env.remaining_ports()  # remainingResources lists the ports in use
        # introspection, as the ECS agent offers it
        meta = env.agent.metadata()
        assert meta["Cluster"] == env.cluster and meta["ContainerInstanceArn"] == task["containerInstanceArn"]
        assert meta["Version"].startswith("ecsd Agent - v")
        [t] = [t for t in env.agent.tasks() if t["Arn"] == arn]
        assert t["KnownStatus"] == "RUNNING" and t["DesiredStatus"] == "RUNNING" and t["Family"] == family
        assert t["Version"] == "1"
        assert {c["Name"]: c["DockerId"] for c in t["Containers"]} == ids
        one = json.loads(ah.http_get(f"{env.agent.introspection}/v1/tasks?taskarn={arn}"))
        assert one["Arn"] == arn
        assert json.loads(ah.http_get(f"{env.agent.introspection}/v1/tasks?dockerid={ids['db'][:12]}"))["Arn"] == arn
        env.ecs.stop_task(cluster=env.cluster, task=arn)
        env.wait_status(arn, "STOPPED", timeout=60)


def test_dynamic_host_port_reported_and_reserved(server):
    with agent_env(server, ["--stop-timeout", "2"]) as env:
        family = env.register([{
            "name": "web", "portMappings": [{"containerPort": 80}],
            "command": ["sh", "-c", "echo dynamic > /var/www/index.html && exec httpd -f -p 80 -h /var/www"]}])
        arn = env.run(family)
        task = env.wait_status(arn, "RUNNING")
        [b] = task["containers"][0]["networkBindings"]
        port = b["hostPort"]
        assert port > 0 and b["containerPort"] == 80 and b["protocol"] == "tcp", b
        ports = ah.inspect(env.docker_ids(arn)["web"])["NetworkSettings"]["Ports"]["80/tcp"]
        assert str(port) in {p["HostPort"] for p in ports}, ports
        assert ah.http_get(f"http://127.0.0.1:{port}/") == "dynamic\n"
        assert str(port) in env.remaining_ports()  # reserved while the task runs: listed as in use
        clash = env.register([{"name": "c", "portMappings": [{"containerPort": 81, "hostPort": port}]}])
        r = env.ecs.run_task(cluster=env.cluster, taskDefinition=clash)
        assert r["tasks"] == [] and r["failures"][0]["reason"] == "RESOURCE:PORTS", r
        env.ecs.stop_task(cluster=env.cluster, task=arn)
        env.wait_status(arn, "STOPPED")
        assert str(port) not in env.remaining_ports()  # released


def test_nonessential_exit_code_task_keeps_running(server):
    with agent_env(server, ["--stop-timeout", "2"]) as env:
        family = env.register([
            {"name": "main", "command": ["sleep", "1000"]},
            {"name": "side", "essential": False, "command": ["sh", "-c", "sleep 1; exit 7"]}])
        arn = env.run(family)
        env.wait_status(arn, "RUNNING")
        side = ah.wait_for("side STOPPED",
                           lambda: (lambda c: c if c["lastStatus"] == "STOPPED" else None)(env.container(arn, "side")))
        assert side["exitCode"] == 7, side
        time.sleep(2)
        task = env.describe(arn)
        assert task["lastStatus"] == "RUNNING" and task["desiredStatus"] == "RUNNING", task
        assert env.container(arn, "main")["lastStatus"] == "RUNNING"
        env.ecs.stop_task(cluster=env.cluster, task=arn)
        env.wait_status(arn, "STOPPED")


def test_essential_exit_stops_the_task(server):
    with agent_env(server, ["--stop-timeout", "2", "--cleanup-delay", "3s"]) as env:
        family = env.register([
            {"name": "main", "command": ["sh", "-c", "sleep 2; exit 3"]},
            {"name": "other", "essential": False, "command": ["sleep", "1000"]}])
        arn = env.run(family)
        env.wait_status(arn, "RUNNING")
        task = env.wait_status(arn, "STOPPED", timeout=40)
        assert task["stoppedReason"] == "Essential container in task exited", task
        by_name = {c["name"]: c for c in task["containers"]}
        assert by_name["main"]["exitCode"] == 3, by_name
        assert by_name["other"]["lastStatus"] == "STOPPED" and by_name["other"]["exitCode"] == 137, by_name
        ids = env.docker_ids(arn)
        assert not any(ah.inspect(i)["State"]["Running"] for i in ids.values())
        # --cleanup-delay 3s: the stopped containers are removed, the task forgotten
        ah.wait_for("the containers removed", lambda: env.docker_ids(arn) == {}, timeout=20)
        ah.wait_for("the task forgotten", lambda: all(t["Arn"] != arn for t in env.agent.tasks()), timeout=20)


def test_stop_task_sigterm_ignoring_container_within_timeout(server):
    with agent_env(server, ["--stop-timeout", "4"]) as env:
        family = env.register([{"name": "stubborn",
                                "command": ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"]}])
        arn = env.run(family)
        env.wait_status(arn, "RUNNING")
        t0 = time.time()
        env.ecs.stop_task(cluster=env.cluster, task=arn)
        task = env.wait_status(arn, "STOPPED", timeout=30)
        elapsed = time.time() - t0
        assert 3.5 <= elapsed <= 4 + 8, f"stopped after {elapsed:.1f} s with --stop-timeout 4"
        assert task["stoppedReason"] == "Task stopped by user", task
        assert task["containers"][0]["exitCode"] == 137, task["containers"]  # SIGKILL
        assert not ah.inspect(env.docker_ids(arn)["stubborn"])["State"]["Running"]


def test_missing_image_stops_with_pull_error(server):
    with agent_env(server) as env:
        family = env.register([{"name": "ghost", "image": "127.0.0.1:5000/ecsd-no-such-image:latest"}])
        arn = env.run(family)
        task = env.wait_status(arn, "STOPPED", timeout=60)
        assert task["stoppedReason"].startswith("CannotPullContainerError: "), task
        c = task["containers"][0]
        assert c["reason"].startswith("CannotPullContainerError: ") and "exitCode" not in c, c
        assert env.docker_ids(arn) == {}  # nothing was created


def test_agent_kill9_restart_adopts_containers(server):
    with agent_env(server, ["--stop-timeout", "2"]) as env:
        ctl = env.tmpdir()
        family = env.register([
            {"name": "a", "command": ["sleep", "1000"]},
            {"name": "b", "essential": False,
             "command": ["sh", "-c", "while [ ! -e /ctl/go ]; do sleep 0.2; done; exit 5"],
             "mountPoints": [{"sourceVolume": "ctl", "containerPath": "/ctl"}]}],
            volumes=[{"name": "ctl", "host": {"sourcePath": ctl}}])
        arn = env.run(family)
        env.wait_status(arn, "RUNNING")
        ids = env.docker_ids(arn)
        started = {n: ah.inspect(i)["State"]["StartedAt"] for n, i in ids.items()}
        instance = env.agent.metadata()["ContainerInstanceArn"]
        assert env.agent.kill9() == -9
        # while the agent is away, b exits
        open(os.path.join(ctl, "go"), "w").close()
        ah.wait_for("b to exit", lambda: not ah.inspect(ids["b"])["State"]["Running"])
        env.agent.start()
        b = ah.wait_for("b STOPPED",
                        lambda: (lambda c: c if c["lastStatus"] == "STOPPED" else None)(env.container(arn, "b")))
        assert b["exitCode"] == 5, b
        time.sleep(2)  # time to (wrongly) start anything twice
        assert env.docker_ids(arn) == ids, (env.docker_ids(arn), ids)  # the same containers, no second copy
        a = ah.inspect(ids["a"])
        assert a["State"]["Running"] and a["State"]["StartedAt"] == started["a"] and a["RestartCount"] == 0
        task = env.describe(arn)
        assert task["lastStatus"] == "RUNNING" and env.container(arn, "a")["lastStatus"] == "RUNNING", task
        assert env.agent.metadata()["ContainerInstanceArn"] == instance  # re-attached, not a new instance
        r = env.ecs.list_container_instances(cluster=env.cluster)
        assert r["containerInstanceArns"] == [instance], r
        [t] = [t for t in env.agent.tasks() if t["Arn"] == arn]
        assert {c["Name"]: c["DockerId"] for c in t["Containers"]} == ids
        # the adopted containers obey: stop-task stops them
        env.ecs.stop_task(cluster=env.cluster, task=arn)
        task = env.wait_status(arn, "STOPPED", timeout=30)
        assert not ah.inspect(ids["a"])["State"]["Running"]


def test_stop_task_while_agent_down(server):
    """The server wants the task stopped while the agent is away: after its
    restart the agent stops the containers it finds and reports them."""
    with agent_env(server, ["--stop-timeout", "2"]) as env:
        family = env.register([{"name": "a", "command": ["sleep", "1000"]}])
        arn = env.run(family)
        env.wait_status(arn, "RUNNING")
        ids = env.docker_ids(arn)
        env.agent.kill9()
        env.ecs.stop_task(cluster=env.cluster, task=arn, reason="stopped while the agent was away")
        assert ah.inspect(ids["a"])["State"]["Running"]
        env.agent.start()
        task = env.wait_status(arn, "STOPPED", timeout=30)
        assert task["stoppedReason"] == "stopped while the agent was away", task
        assert task["containers"][0]["exitCode"] == 137, task["containers"]
        assert env.docker_ids(arn) == ids and not ah.inspect(ids["a"])["State"]["Running"]


def test_many_tasks_at_once(server):
    """20 tasks placed at once start side by side (a worker per task), each
    container exactly once, and stop together."""
    with agent_env(server, ["--stop-timeout", "1"]) as env:
        family = env.register([{"name": "s", "memory": 8, "command": ["sleep", "1000"]}])
        arns = []
        for _ in range(2):
            r = env.ecs.run_task(cluster=env.cluster, taskDefinition=family, count=10)
            assert not r["failures"], r["failures"]
            arns += [t["taskArn"] for t in r["tasks"]]

        def all_in(status):
            got = []
            for i in range(0, len(arns), 100):
                got += env.ecs.describe_tasks(cluster=env.cluster, tasks=arns[i:i + 100])["tasks"]
            return all(t["lastStatus"] == status for t in got)
        ah.wait_for("20 tasks RUNNING", lambda: all_in("RUNNING"), timeout=180, interval=0.5)
        ids = ah.containers(f"com.amazonaws.ecs.cluster={env.cluster}")
        assert len(ids) == 20, len(ids)
        assert {t["Arn"] for t in env.agent.tasks()} == set(arns)
        for arn in arns:
            env.ecs.stop_task(cluster=env.cluster, task=arn)
        ah.wait_for("20 tasks STOPPED", lambda: all_in("STOPPED"), timeout=120, interval=0.5)
        assert not any(ah.inspect(i)["State"]["Running"] for i in ids)


def test_server_away_30s_exit_reported(server):
    with agent_env(server, ["--stop-timeout", "2"]) as env:
        ctl = env.tmpdir()
        family = env.register([{
            "name": "main", "command": ["sh", "-c", "while [ ! -e /ctl/go ]; do sleep 0.2; done; exit 4"],
            "mountPoints": [{"sourceVolume": "ctl", "containerPath": "/ctl"}]}],
            volumes=[{"name": "ctl", "host": {"sourcePath": ctl}}])
        arn = env.run(family)
        env.wait_status(arn, "RUNNING")
        port = server.port
        down_at = time.time()
        assert server.stop() == 0
        open(os.path.join(ctl, "go"), "w").close()  # the container exits while the server is away
        queue = os.path.join(env.agent.data_dir, "agent-queue.log")

        def queued():
            with open(queue) as f:
                entries = [json.loads(line) for line in f if line.strip()]
            bodies = [json.loads(e["body"]) for e in entries if "body" in e]
            return [b for b in bodies if b["task"] == arn and b["status"] == "STOPPED"]
        # one report: the task's STOPPED, carrying its container's exit (issue 16 point 3)
        reports = ah.wait_for("the exit to be queued on disk", lambda: len(queued()) >= 1, timeout=20) and queued()
        assert len(reports) == 1 and "containerName" not in reports[0], reports
        assert {"containerName": "main", "status": "STOPPED", "exitCode": 4}.items() <= \
            reports[0]["containers"][0].items(), reports
        # the agent itself dies and comes back while the server is still away
        env.agent.kill9()
        env.agent.start(wait_registered=False)
        time.sleep(max(0.0, 30 - (time.time() - down_at)))
        server.start(port=port)
        task = env.wait_status(arn, "STOPPED", timeout=40)
        assert task["stoppedReason"] == "Essential container in task exited", task
        assert task["containers"][0]["exitCode"] == 4, task["containers"]
        ah.wait_for("the queue to drain", lambda: os.path.getsize(queue) == 0, timeout=20)


def test_dev_runs_server_and_agent_in_one_process(server):
    """`ecsd dev`: the server and an agent in one process, the cluster
    "default" made, ready for the aws CLI with the key it printed."""
    import signal
    import subprocess
    from harness import BIN, REGION, free_port
    data = tempfile.mkdtemp(prefix="ecsd-dev-")
    port, iport = free_port(), free_port()
    log = open(os.path.join(data, "dev.log"), "wb")
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    proc = subprocess.Popen([BIN, "dev", "--listen", f"127.0.0.1:{port}", "--data-dir", os.path.join(data, "d"),
                             "--docker-host", ah.DOCKER_HOST, "--introspection", f"127.0.0.1:{iport}",
                             "--stop-timeout", "2"], stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        def key():
            with open(os.path.join(data, "d", "credentials")) as f:
                return [line.split() for line in f if line.strip() and not line.startswith("#")][0]
        key_id, secret, _ = ah.wait_for("the dev credentials", key, timeout=20)
        cli_env = dict(os.environ, AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION=REGION,
                       AWS_PAGER="", AWS_MAX_ATTEMPTS="1")

        def aws(*args):
            p = subprocess.run(["aws", "--endpoint-url", f"http://127.0.0.1:{port}", "--output", "json", "ecs"]
                               + list(args), capture_output=True, text=True, env=cli_env, timeout=60)
            assert p.returncode == 0, p.stderr
            return json.loads(p.stdout) if p.stdout.strip() else {}
        ah.wait_for("cluster default with the agent's instance",
                    lambda: aws("list-container-instances")["containerInstanceArns"], timeout=30)
        assert aws("list-clusters")["clusterArns"][0].endswith(":cluster/default")
        aws("register-task-definition", "--family", "hello", "--container-definitions",
            json.dumps([{"name": "h", "image": ah.LOCAL_IMAGE, "memory": 16, "command": ["sleep", "1000"]}]))
        arn = aws("run-task", "--task-definition", "hello")["tasks"][0]["taskArn"]
        ah.wait_for("the task RUNNING",
                    lambda: aws("describe-tasks", "--tasks", arn)["tasks"][0]["lastStatus"] == "RUNNING", timeout=60)
        aws("stop-task", "--task", arn)
        ah.wait_for("the task STOPPED",
                    lambda: aws("describe-tasks", "--tasks", arn)["tasks"][0]["lastStatus"] == "STOPPED", timeout=60)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        log.close()
        with open(os.path.join(data, "dev.log"), "rb") as f:
            text = f.read().decode(errors="replace")
        ah.remove_cluster_containers("default")
        shutil.rmtree(data, ignore_errors=True)
    assert rc == 0, f"ecsd dev exited {rc}: {text[-6000:]}"


if not ah.enabled():
    # Not in the container stage: this module offers no tests (see the docstring).
    for _name in [n for n in list(globals()) if n.startswith("test_")]:
        del globals()[_name]
