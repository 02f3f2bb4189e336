"""Container tests of issue 14 (points 2 and 3): awslogs containers' output
shipped by a real `ecsd agent` from a real dockerd into ecsd's CloudWatch
Logs, read back with the aws CLI's `aws logs` commands (and boto3 making
the calls `aws logs tail` makes: the CLI installed here is v1, which has
no `tail`; see test_logs.py's test_aws_logs_tail_calls).

Where: as test_agent_docker.py, inside the network namespace of the test
engine (scripts/test.sh's agent-docker stage, ECSD_AGENT_DOCKER=1,
DOCKER_HOST set); elsewhere this module offers no tests.
"""
import json
import os
import subprocess
import time

import agent_harness as ah
from harness import KEY_ID, REGION, SECRET, own_server, unique
from test_agent_docker import agent_env
from test_logs import logs

FRESH_SERVER = True  # a server per test: tests stop and restart it


def cli(server, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_DEFAULT_REGION=REGION,
               AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
    p = subprocess.run(["aws", "--endpoint-url", server.endpoint, "--output", "json", "logs"] + list(args),
                       capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, f"aws logs {' '.join(args)} failed: {p.stderr}"
    return json.loads(p.stdout) if p.stdout.strip() else {}


def awslogs(group, **options):
    opts = {"awslogs-group": group, "awslogs-region": REGION, "awslogs-stream-prefix": "ecs"}
    opts.update({k.replace("_", "-"): v for k, v in options.items()})
    return {"logDriver": "awslogs", "options": opts}


def all_messages(c, group, stream):
    """Every message of the stream, oldest first (GetLogEvents paged forward to its end)."""
    out, token = [], None
    while True:
        kw = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
        if token:
            kw["nextToken"] = token
        r = c.get_log_events(**kw)
        out += [e["message"] for e in r["events"]]
        if r["nextForwardToken"] == token:
            return out
        token = r["nextForwardToken"]


def wait_messages(c, group, stream, n, timeout=60):
    """Waits until the stream has at least n messages; returns them."""
    got = []

    def enough():
        nonlocal got
        try:
            got = all_messages(c, group, stream)
        except c.exceptions.ResourceNotFoundException:
            return None
        return got if len(got) >= n else None

    try:
        return ah.wait_for(f"{n} messages in {group}/{stream}", enough, timeout=timeout, interval=0.25)
    except AssertionError as e:
        raise AssertionError(f"{e}; got {len(got)}: {got[-5:]}") from None


def counter(n, usleep=20000, name="line"):
    """A shell loop printing `name i` for i in 1..n on stdout, odd ones also `err i` on stderr."""
    return ["sh", "-c", f'i=0; while [ $i -lt {n} ]; do i=$((i+1)); echo "{name} $i"; '
                        f'[ $((i % 2)) = 1 ] && echo "err $i" >&2; usleep {usleep}; done']


def counted(n, name="line"):
    out = []
    for i in range(1, n + 1):
        out.append(f"{name} {i}")
        if i % 2 == 1:
            out.append(f"err {i}")
    return out


def test_awslogs_both_streams_cli_filter_multiline(server):
    with agent_env(server, ["--stop-timeout", "1"]) as env:
        c = logs(server)
        inst_arn = env.agent.metadata()["ContainerInstanceArn"]
        [inst] = env.ecs.describe_container_instances(cluster=env.cluster,
                                                      containerInstances=[inst_arn])["containerInstances"]
        attrs = {a["name"] for a in inst["attributes"]}
        assert "com.amazonaws.ecs.capability.logging-driver.awslogs" in attrs, attrs
        assert "ecs.capability.execution-role-awslogs" in attrs, attrs
        group = unique("/ecs/web")
        lc = awslogs(group, awslogs_create_group="true")
        script = ('echo "hello out"; echo "hello err" >&2; echo \'{"level":"error","code":7}\'; '
                  'echo \'{"level":"info","code":1}\'; echo "START one"; echo "  at frame 1"; '
                  'echo "  at frame 2"; echo "START two"; echo "done"')
        family = unique("logs")
        # an executionRoleArn with awslogs needs ecs.capability.execution-role-awslogs: placed here
        env.ecs.register_task_definition(
            family=family, executionRoleArn="arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
            containerDefinitions=[
                {"name": "web", "image": ah.LOCAL_IMAGE, "memory": 16, "command": ["sh", "-c", script],
                 "logConfiguration": lc, "essential": False},
                {"name": "multi", "image": ah.LOCAL_IMAGE, "memory": 16,
                 "command": ["sh", "-c", 'echo "START a"; echo "  more a"; echo "START b"; sleep 2; '
                                         'echo "  late b"; echo "START c"'],
                 "logConfiguration": awslogs(group, awslogs_multiline_pattern="^START")}])
        # the logConfiguration shows as sent
        td = env.ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
        assert td["containerDefinitions"][0]["logConfiguration"] == lc, td
        assert "ecs.capability.execution-role-awslogs" in [a["name"] for a in td["requiresAttributes"]], td
        arn = env.run(family)
        task_id = arn.rsplit("/", 1)[1]
        env.wait_status(arn, "STOPPED", timeout=90)
        # Docker ran it with a local driver; the agent shipped it
        ids = env.docker_ids(arn)
        assert ah.inspect(ids["web"])["HostConfig"]["LogConfig"]["Type"] == "json-file"
        stream = f"ecs/web/{task_id}"
        want = ["hello out", "hello err", '{"level":"error","code":7}', '{"level":"info","code":1}', "START one",
                "  at frame 1", "  at frame 2", "START two", "done"]
        got = wait_messages(c, group, stream, len(want))
        # stdout and stderr interleave by time; each is in order
        assert sorted(got) == sorted(want), got
        assert [m for m in got if m != "hello err"] == [m for m in want if m != "hello err"], got
        # the aws CLI reads them back
        r = cli(server, "get-log-events", "--log-group-name", group, "--log-stream-name", stream,
                "--start-from-head")
        assert [e["message"] for e in r["events"]] == got, r
        streams = cli(server, "describe-log-streams", "--log-group-name", group)["logStreams"]
        assert sorted(s["logStreamName"] for s in streams) == sorted([stream, f"ecs/multi/{task_id}"]), streams
        # filter patterns through the CLI
        for pattern, expect in [("hello", ["hello out", "hello err"]), ('"at frame"', ["  at frame 1", "  at frame 2"]),
                                ('{ $.level = "error" }', ['{"level":"error","code":7}']),
                                ("?done ?two", ["START two", "done"])]:
            r = cli(server, "filter-log-events", "--log-group-name", group, "--log-stream-names", stream,
                    "--filter-pattern", pattern)
            assert sorted(e["message"] for e in r["events"]) == sorted(expect), (pattern, r)
        # multi-line events: a line matching the pattern starts one; a quiet second ends one (as
        # Docker's driver flushes it), so the late line is an event of its own
        multi = wait_messages(c, group, f"ecs/multi/{task_id}", 4)
        assert multi == ["START a\n  more a", "START b", "  late b", "START c"], multi
        # what `aws logs tail GROUP` calls: FilterLogEvents interleaved over the group
        tail = [e["message"] for p in c.get_paginator("filter_log_events").paginate(
            logGroupName=group, interleaved=True, startTime=int(time.time() * 1000) - 3600 * 1000)
            for e in p["events"]]
        assert sorted(tail) == sorted(got + multi), tail


def test_awslogs_agent_kill9_loses_and_repeats_nothing(server):
    with agent_env(server, ["--stop-timeout", "1"]) as env:
        c = logs(server)
        group = unique("/ecs/kill")
        c.create_log_group(logGroupName=group)  # no awslogs-create-group: the group exists
        family = env.register([{"name": "app", "command": counter(300), "logConfiguration": awslogs(group)}])
        arn = env.run(family)
        stream = f"ecs/app/{arn.rsplit('/', 1)[1]}"
        wait_messages(c, group, stream, 60)
        env.agent.kill9()  # mid-stream: the container keeps printing
        time.sleep(2)
        env.agent.start()
        env.wait_status(arn, "STOPPED", timeout=120)
        want = counted(300)
        got = wait_messages(c, group, stream, len(want), timeout=60)
        time.sleep(1.5)  # nothing more comes
        got = all_messages(c, group, stream)
        assert len(got) == len(want) and sorted(got) == sorted(want), (len(got), [m for m in got if got.count(m) > 1])
        assert [m for m in got if m.startswith("line")] == [m for m in want if m.startswith("line")]


def fnv1a(text):
    h = 1469598103934665603
    for b in text.encode():
        h = ((h ^ b) * 1099511628211) % (1 << 64)
    return h


def test_awslogs_batch_in_flight_at_a_crash(server):
    """The position file names the batch in flight while it is sent; after a
    crash the stream's newest event says whether the server took it. Made
    here by writing the file an agent killed during a send leaves."""
    with agent_env(server, ["--stop-timeout", "1"]) as env:
        c = logs(server)
        group = unique("/ecs/flight")
        family = env.register([{"name": "app", "command": counter(20, usleep=1000),
                                "logConfiguration": awslogs(group, awslogs_create_group="true")}])
        arn = env.run(family)
        stream = f"ecs/app/{arn.rsplit('/', 1)[1]}"
        env.wait_status(arn, "STOPPED", timeout=60)
        want = counted(20)
        got = wait_messages(c, group, stream, len(want))
        [cid] = env.docker_ids(arn).values()
        pos = os.path.join(env.agent.data_dir, "logs", f"{cid}.pos")
        ah.wait_for("the position", lambda: os.path.exists(pos) and len(open(pos).read().split()) == 2, timeout=10)
        assert env.agent.stop() == 0
        end = open(pos).read().split()
        newest = c.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=False, limit=1)["events"][-1]
        # taken: nothing is sent again
        with open(pos, "w") as f:
            f.write(f"0 0 {end[0]} {end[1]} {newest['timestamp']} {fnv1a(newest['message']):x}\n")
        env.agent.start()
        ah.wait_for("the check", lambda: "was taken; resuming after it" in env.agent.read_log(), timeout=20)
        time.sleep(2)
        assert sorted(all_messages(c, group, stream)) == sorted(got)
        assert open(pos).read().split() == end
        # not taken (the newest event differs): sent again from the position before it
        assert env.agent.stop() == 0
        with open(pos, "w") as f:
            f.write(f"0 0 {end[0]} {end[1]} {newest['timestamp']} {fnv1a('something else'):x}\n")
        env.agent.start()
        again = wait_messages(c, group, stream, 2 * len(want))
        assert sorted(again) == sorted(got + got), len(again)


def test_awslogs_server_away_30s(server):
    with agent_env(server, ["--stop-timeout", "1"]) as env:
        c = logs(server)
        group = unique("/ecs/away")
        family = env.register([{"name": "app", "command": counter(250, usleep=150000),
                                "logConfiguration": awslogs(group, awslogs_create_group="true")}])
        arn = env.run(family)
        stream = f"ecs/app/{arn.rsplit('/', 1)[1]}"
        wait_messages(c, group, stream, 10)
        port = server.port
        assert server.stop() == 0
        time.sleep(30)  # the container prints on; the agent keeps its lines
        server.start(port=port)
        c = logs(server)
        want = counted(250)
        got = wait_messages(c, group, stream, len(want), timeout=90)
        assert sorted(got) == sorted(want) and len(got) == len(want), len(got)
        env.wait_status(arn, "STOPPED", timeout=60)
        assert "cannot send to" in env.agent.read_log()


def test_awslogs_container_kept_until_shipped(server):
    """More output than the blocking buffer (4 MiB) while the server is
    away, the container gone past --cleanup-delay: its removal waits until
    its output is shipped, so nothing of it is lost."""
    with agent_env(server, ["--stop-timeout", "1", "--cleanup-delay", "1s"]) as env:
        c = logs(server)
        group = unique("/ecs/keep")
        c.create_log_group(logGroupName=group)
        n = 60000  # ~6 MiB
        family = env.register([{"name": "app", "command": [
            "sh", "-c", f"sleep 2; awk 'BEGIN{{for(i=1;i<={n};i++) printf \"%06d %s\\n\", i, "
                        f"\"{'x' * 90}\"}}'"], "logConfiguration": awslogs(group)}])
        arn = env.run(family)
        env.wait_status(arn, "RUNNING", timeout=60)
        port = server.port
        assert server.stop() == 0  # before the first line
        ah.wait_for("the container to exit", lambda: all(
            ah.inspect(i)["State"]["Status"] == "exited" for i in env.docker_ids(arn).values()), timeout=60)
        time.sleep(4)  # well past the cleanup delay
        assert env.docker_ids(arn), "removed before its output was shipped"
        server.start(port=port)
        c = logs(server)
        stream = f"ecs/app/{arn.rsplit('/', 1)[1]}"
        got = wait_messages(c, group, stream, n, timeout=120)
        assert len(got) == n and got[0].startswith("000001 ") and got[-1].startswith(f"{n:06d} "), len(got)
        ah.wait_for("the container's removal", lambda: not env.docker_ids(arn), timeout=30)


def test_awslogs_non_blocking_drops_the_oldest(server):
    """mode non-blocking, max-buffer-size 1m, 3 MiB printed while the server
    is away: the oldest events go (counted in the agent's log), the newest
    arrive, in order."""
    with agent_env(server, ["--stop-timeout", "1", "--cleanup-delay", "1s"]) as env:
        c = logs(server)
        group = unique("/ecs/drop")
        c.create_log_group(logGroupName=group)
        n = 30000
        family = env.register([{"name": "app", "command": [
            "sh", "-c", f"sleep 2; awk 'BEGIN{{for(i=1;i<={n};i++) printf \"%06d %s\\n\", i, "
                        f"\"{'y' * 90}\"}}'"],
            "logConfiguration": awslogs(group, mode="non-blocking", max_buffer_size="1m")}])
        arn = env.run(family)
        env.wait_status(arn, "RUNNING", timeout=60)
        port = server.port
        assert server.stop() == 0
        ah.wait_for("the container to exit", lambda: all(
            ah.inspect(i)["State"]["Status"] == "exited" for i in env.docker_ids(arn).values()), timeout=60)
        ah.wait_for("the drops to be counted", lambda: "events dropped so far" in env.agent.read_log(), timeout=20)
        server.start(port=port)
        c = logs(server)
        stream = f"ecs/app/{arn.rsplit('/', 1)[1]}"
        last = f"{n:06d} " + "y" * 90
        ah.wait_for("the newest line", lambda: (lambda m: m and m[-1] == last)(all_messages(c, group, stream)),
                    timeout=60, interval=0.5)
        got = all_messages(c, group, stream)
        nums = [int(m.split()[0]) for m in got]
        assert nums == sorted(nums) and len(set(nums)) == len(nums), "in order, no repeats"
        assert 5000 < len(got) < n, len(got)  # about 1 MiB of them: the oldest were dropped


def test_awslogs_other_endpoint(server):
    """--logs-endpoint sends to another CloudWatch-compatible endpoint (here a
    second ecsd); a task's awslogs-endpoint wins over it."""
    with own_server() as other, own_server() as third, \
            agent_env(server, ["--stop-timeout", "1", "--logs-endpoint", other.endpoint]) as env:
        group = unique("/ecs/elsewhere")
        family = env.register([
            {"name": "a", "command": ["sh", "-c", "sleep 1; echo to the agent option"],
             "logConfiguration": awslogs(group, awslogs_create_group="true")},
            {"name": "b", "command": ["sh", "-c", "sleep 1; echo to the task option"],
             "logConfiguration": awslogs(group, awslogs_create_group="true", awslogs_endpoint=third.endpoint)}])
        arn = env.run(family)
        task_id = arn.rsplit("/", 1)[1]
        assert wait_messages(logs(other), group, f"ecs/a/{task_id}", 1) == ["to the agent option"]
        assert wait_messages(logs(third), group, f"ecs/b/{task_id}", 1) == ["to the task option"]
        assert logs(other).describe_log_streams(logGroupName=group)["logStreams"][0]["logStreamName"] == \
            f"ecs/a/{task_id}"
        assert logs(server).describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []


def test_awslogs_tty_and_long_lines(server):
    """A container with a TTY (Docker's raw stream, no frames) and a line
    longer than json-file's 16 KiB parts (one event, not pieces)."""
    with agent_env(server, ["--stop-timeout", "1"]) as env:
        c = logs(server)
        group = unique("/ecs/tty")
        long_line = "z" * 40000
        family = env.register([
            {"name": "tty", "pseudoTerminal": True, "command": ["sh", "-c", "echo with a tty; echo second; sleep 5"],
             "logConfiguration": awslogs(group, awslogs_create_group="true")},
            {"name": "long", "essential": False, "command": ["sh", "-c", f"echo {long_line}; echo after"],
             "logConfiguration": awslogs(group, awslogs_create_group="true")}])
        arn = env.run(family)
        task_id = arn.rsplit("/", 1)[1]
        tty = wait_messages(c, group, f"ecs/tty/{task_id}", 2)
        assert [m.rstrip("\r") for m in tty] == ["with a tty", "second"], tty
        assert wait_messages(c, group, f"ecs/long/{task_id}", 2) == [long_line, "after"]


def test_awslogs_retention_and_non_blocking(server):
    with own_server(extra_args=["--logs-sweep-interval", "1"]) as own, agent_env(own, ["--stop-timeout", "1"]) as env:
        c = logs(own)
        group = unique("/ecs/ret")
        c.create_log_group(logGroupName=group)
        family = env.register([{"name": "app", "command": ["sh", "-c", "sleep 3; echo fresh one; echo fresh two"],
                                "logConfiguration": awslogs(group, mode="non-blocking", max_buffer_size="2m")}])
        arn = env.run(family)
        stream = f"ecs/app/{arn.rsplit('/', 1)[1]}"
        # older events in the same stream, before the agent's (it meets the stream already there)
        c.create_log_stream(logGroupName=group, logStreamName=stream)
        day = 86400 * 1000
        t = int(time.time() * 1000)
        c.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
            {"timestamp": t - 3 * day, "message": "three days old"},
            {"timestamp": t - 2 * day, "message": "two days old"}])
        got = wait_messages(c, group, stream, 4)
        assert got == ["three days old", "two days old", "fresh one", "fresh two"], got
        c.put_retention_policy(logGroupName=group, retentionInDays=1)
        ah.wait_for("the janitor to drop the old events",
                    lambda: all_messages(c, group, stream) == ["fresh one", "fresh two"], timeout=20, interval=0.3)
        env.wait_status(arn, "STOPPED", timeout=60)


if not ah.enabled():
    # Not in the container stage: this module offers no tests (see the docstring).
    for _name in [n for n in list(globals()) if n.startswith("test_")]:
        del globals()[_name]
