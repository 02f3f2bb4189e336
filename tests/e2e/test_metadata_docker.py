"""Container tests of issue 13 items 1-2: what a container of a task sees of
its agent, with a real server, a real agent and a real dockerd (in the
network namespace of scripts/docker-netns.sh, as test_agent_docker.py).

The agent serves its task metadata and credentials endpoint on
169.254.170.2:80 (--task-endpoint, whose address it adds to the
namespace's loopback and removes at exit). The containers (busybox) read
it with wget through `docker exec`, so each request comes from inside the
container's own network namespace: bridge and host mode. The signed call
with the task role's credentials is made by the test with exactly the
credentials the container read through the endpoint (busybox has no
signer): the role maps to this ecsd's own key, so the call needs the
session token the endpoint gave."""
import json
import os
import re
import subprocess
import tempfile

import boto3
import botocore.config

import agent_harness as ah
from fake_agent import own_server
from harness import ACCOUNT, KEY_ID, KEY_ID2, REGION, SECRET2, unique

APP = f"arn:aws:iam::{ACCOUNT}:role/app"
OTHER = f"arn:aws:iam::{ACCOUNT}:role/other"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
AZ = "us-east-1a"


def in_container(cid, script, check=True):
    """Runs sh -c script inside the container; (exit code, stdout, stderr)."""
    p = subprocess.run(["docker", "-H", ah.DOCKER_HOST, "exec", cid, "sh", "-c", script], capture_output=True,
                       text=True, timeout=60)
    if check and p.returncode != 0:
        raise AssertionError(f"in {cid[:12]}: {script}: {p.returncode} {p.stderr}")
    return p.returncode, p.stdout, p.stderr


def get_json(cid, what):
    return json.loads(in_container(cid, f'wget -qO- "{what}"')[1])


class env:
    def __init__(self):
        fd, self.roles = tempfile.mkstemp(prefix="ecsd-roles-")
        with os.fdopen(fd, "w") as f:
            f.write(f"{APP} {KEY_ID}\n{OTHER} {KEY_ID2}\n")

    def __enter__(self):
        self.own = own_server(["--roles-file", self.roles])
        self.server = self.own.__enter__()
        self.ecs = self.server.client()
        self.cluster = unique("meta")
        self.cluster_arn = self.ecs.create_cluster(clusterName=self.cluster)["cluster"]["clusterArn"]
        self.agent = ah.Agent(self.server, self.cluster, ["--stop-timeout", "1", "--task-endpoint",
                                                          ah.TASK_ENDPOINT, "--availability-zone", AZ]).start()
        return self

    def __exit__(self, exc_type, exc, tb):
        rc = self.agent.stop()
        log = self.agent.read_log()
        ah.remove_cluster_containers(self.cluster)
        self.agent.cleanup()
        self.own.__exit__(exc_type, exc, tb)
        os.unlink(self.roles)
        if exc_type is not None:
            print(f"--- agent log:\n{log[-4000:]}")
        elif rc != 0:
            raise AssertionError(f"agent exited {rc}: {log[-4000:]}")
        return False

    def run(self, containers, network="bridge", tags=None, **td):
        family = unique("meta")
        for c in containers:
            c.setdefault("image", ah.LOCAL_IMAGE)
            c.setdefault("memory", 32)
            c.setdefault("command", ["sleep", "1000"])
        self.ecs.register_task_definition(family=family, containerDefinitions=containers, networkMode=network, **td)
        r = self.ecs.run_task(cluster=self.cluster, taskDefinition=family, **({"tags": tags} if tags else {}))
        assert not r["failures"], r
        return family, r["tasks"][0]["taskArn"]

    def describe(self, arn):
        return self.ecs.describe_tasks(cluster=self.cluster, tasks=[arn])["tasks"][0]

    def wait(self, arn, status, timeout=60):
        return ah.wait_for(f"{arn} {status}", lambda: (lambda t: t if t["lastStatus"] == status else None)(
            self.describe(arn)), timeout=timeout)

    def docker_ids(self, arn):
        return {ah.inspect(c)["Config"]["Labels"]["com.amazonaws.ecs.container-name"]: c
                for c in ah.containers(f"com.amazonaws.ecs.task-arn={arn}")}


def env_of(cid):
    return dict(e.split("=", 1) for e in ah.inspect(cid)["Config"]["Env"])


def check_container(v, info, name, image, arn_of, version):
    assert v["DockerId"] == info["Id"] and v["Name"] == name and v["DockerName"] == info["Name"].lstrip("/"), v
    assert v["Image"] == image and v["ImageID"] == info["Image"] and v["Type"] == "NORMAL", v
    assert v["DesiredStatus"] == "RUNNING" and v["KnownStatus"] == "RUNNING", v
    assert v["Labels"] == info["Config"]["Labels"], v
    assert v["Labels"]["com.amazonaws.ecs.container-name"] == name
    assert v["Limits"] == {"CPU": 0, "Memory": 32}, v
    assert v["CreatedAt"] == info["Created"] and v["StartedAt"] == info["State"]["StartedAt"], v
    mode = info["HostConfig"]["NetworkMode"]
    ips = [n["IPAddress"] for n in info["NetworkSettings"]["Networks"].values() if n["IPAddress"]]
    assert v["Networks"] == [dict({"NetworkMode": "bridge" if mode == "default" else mode},
                                  **({"IPv4Addresses": ips} if ips else {}))], (v, ips)
    if version == 4:
        assert v["ContainerARN"] == arn_of[name], v
    else:
        assert "ContainerARN" not in v and "LogDriver" not in v, v
    assert "ExitCode" not in v and "FinishedAt" not in v, v


def test_metadata_v4_v3_task_container_stats_and_variables(_server):
    with env() as e:
        family, arn = e.run([{"name": "app", "logConfiguration": {"logDriver": "json-file",
                                                                   "options": {"max-size": "1m"}}},
                             {"name": "side", "essential": False}],
                            tags=[{"key": "team", "value": "web"}], taskRoleArn=APP)
        t = e.wait(arn, "RUNNING")
        arn_of = {c["name"]: c["containerArn"] for c in t["containers"]}
        ids = e.docker_ids(arn)
        app, side = ids["app"], ids["side"]
        va, vs = env_of(app), env_of(side)
        m = re.fullmatch(rf"http://169\.254\.170\.2/v4/({UUID})", va["ECS_CONTAINER_METADATA_URI_V4"])
        assert m, va
        assert va["ECS_CONTAINER_METADATA_URI"] == f"http://169.254.170.2/v3/{m.group(1)}"
        assert va["ECS_AGENT_URI"] == va["ECS_CONTAINER_METADATA_URI_V4"]
        assert re.fullmatch(rf"/v2/credentials/{UUID}", va["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]), va
        assert (va["AWS_REGION"], va["AWS_DEFAULT_REGION"], va["AWS_EXECUTION_ENV"]) == (REGION, REGION,
                                                                                         "AWS_ECS_EC2")
        # each container its own metadata id, the task one credentials id
        assert vs["ECS_CONTAINER_METADATA_URI_V4"] != va["ECS_CONTAINER_METADATA_URI_V4"]
        assert vs["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] == va["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]

        # the container's own view, read from inside it
        c = get_json(app, "$ECS_CONTAINER_METADATA_URI_V4")
        check_container(c, ah.inspect(app), "app", ah.LOCAL_IMAGE, arn_of, 4)
        assert c["LogDriver"] == "json-file" and c["LogOptions"] == {"max-size": "1m"}, c
        c3 = get_json(app, "$ECS_CONTAINER_METADATA_URI")
        check_container(c3, ah.inspect(app), "app", ah.LOCAL_IMAGE, arn_of, 3)

        task = get_json(side, "$ECS_CONTAINER_METADATA_URI_V4/task")
        assert (task["Cluster"], task["TaskARN"], task["Family"], task["Revision"]) == (e.cluster_arn, arn, family,
                                                                                        "1"), task
        assert (task["DesiredStatus"], task["KnownStatus"], task["LaunchType"]) == ("RUNNING", "RUNNING", "EC2")
        assert task["AvailabilityZone"] == AZ and task["FaultInjectionEnabled"] is False, task
        assert task["PullStartedAt"] <= task["PullStoppedAt"], task
        assert "Limits" not in task and "TaskTags" not in task, task
        assert sorted(x["Name"] for x in task["Containers"]) == ["app", "side"]
        for x in task["Containers"]:
            check_container(x, ah.inspect(ids[x["Name"]]), x["Name"], ah.LOCAL_IMAGE, arn_of, 4)
        tags = get_json(side, "$ECS_CONTAINER_METADATA_URI_V4/taskWithTags")
        assert tags["TaskTags"] == {"team": "web"} and tags["ContainerInstanceTags"] == {}, tags
        task3 = get_json(app, "$ECS_CONTAINER_METADATA_URI/task")
        assert task3["TaskARN"] == arn and "LaunchType" not in task3 and "FaultInjectionEnabled" not in task3

        stats = get_json(app, "$ECS_CONTAINER_METADATA_URI_V4/stats")
        assert stats["id"] == app and "memory_stats" in stats and "cpu_stats" in stats, list(stats)
        tstats = get_json(app, "$ECS_CONTAINER_METADATA_URI_V4/task/stats")
        assert set(tstats) == {app, side} and tstats[side]["id"] == side, list(tstats)

        # the id in the path is what counts: the other container's id from this one
        assert get_json(app, va["ECS_CONTAINER_METADATA_URI_V4"].replace(
            m.group(1), vs["ECS_CONTAINER_METADATA_URI_V4"].rsplit("/", 1)[1]))["Name"] == "side"
        rc, _, err = in_container(app, "wget -qO- http://169.254.170.2/v4/00000000-0000-4000-8000-000000000000",
                                  check=False)
        assert rc != 0 and "404" in err, err


def test_task_role_credentials_signed_call_and_isolation(_server):
    with env() as e:
        _, a = e.run([{"name": "a"}], taskRoleArn=APP)
        _, b = e.run([{"name": "b"}], taskRoleArn=OTHER)
        _, n = e.run([{"name": "n"}])
        for arn in (a, b, n):
            e.wait(arn, "RUNNING")
        ca, cb, cn = e.docker_ids(a)["a"], e.docker_ids(b)["b"], e.docker_ids(n)["n"]
        creds = get_json(ca, "http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        assert set(creds) == {"RoleArn", "AccessKeyId", "SecretAccessKey", "Token", "Expiration"}, list(creds)
        assert creds["RoleArn"] == APP and creds["AccessKeyId"] == KEY_ID and creds["Token"].startswith("ecsd1.")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", creds["Expiration"]), creds
        # the signed call with exactly what the container read
        ecs = boto3.client("ecs", endpoint_url=e.server.endpoint, region_name=REGION,
                           aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                           aws_session_token=creds["Token"], config=botocore.config.Config(retries={"max_attempts": 1}))
        assert e.cluster_arn in ecs.list_clusters()["clusterArns"]
        assert ecs.describe_tasks(cluster=e.cluster, tasks=[a])["tasks"][0]["taskArn"] == a

        # task b: its own role's keys, under its own id
        cb_creds = get_json(cb, "http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        assert (cb_creds["RoleArn"], cb_creds["AccessKeyId"], cb_creds["SecretAccessKey"]) == (OTHER, KEY_ID2,
                                                                                              SECRET2)
        id_a = env_of(ca)["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"].rsplit("/", 1)[1]
        assert id_a not in json.dumps(get_json(cb, "$ECS_CONTAINER_METADATA_URI_V4/task")), "a's id leaked"
        # even knowing a's id, b (a bridge container of another task) is refused
        rc, out, err = in_container(cb, f"wget -qO- http://169.254.170.2/v2/credentials/{id_a}", check=False)
        assert rc != 0 and "400" in err and "SecretAccessKey" not in out, err
        assert get_json(ca, f"http://169.254.170.2/v2/credentials/{id_a}")["RoleArn"] == APP
        # a task without a role has no credentials; ids it makes up are refused
        assert "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" not in env_of(cn)
        for path, code in [("/v2/credentials/00000000-0000-4000-8000-000000000000", "400"),
                           ("/v2/credentials/", "400"), ("/v1/credentials?id=nope", "400")]:
            rc, out, err = in_container(cn, f"wget -qO- 'http://169.254.170.2{path}'", check=False)
            assert rc != 0 and code in err and "SecretAccessKey" not in out, (path, err)
        # stopping task a forgets its credentials
        e.ecs.stop_task(cluster=e.cluster, task=a)
        e.wait(a, "STOPPED")
        rc, out, err = in_container(cb, f"wget -qO- http://169.254.170.2/v2/credentials/{id_a}", check=False)
        assert rc != 0 and "400" in err, err
        for secret in (creds["SecretAccessKey"], creds["Token"], SECRET2):
            assert secret not in e.agent.read_log() and secret not in e.server.read_log()


def test_host_mode_unknown_role_and_address_removed(_server):
    with env() as e:
        _, h = e.run([{"name": "h"}], network="host", taskRoleArn=APP)
        e.wait(h, "RUNNING")
        ch = e.docker_ids(h)["h"]
        v = get_json(ch, "$ECS_CONTAINER_METADATA_URI_V4")
        assert v["Name"] == "h" and v["Networks"] == [{"NetworkMode": "host"}], v
        assert get_json(ch, "http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")["RoleArn"] == APP
        _, u = e.run([{"name": "u"}], taskRoleArn=f"arn:aws:iam::{ACCOUNT}:role/unknown")
        t = e.wait(u, "STOPPED")
        assert t["stoppedReason"] == ("ResourceInitializationError: unable to get credentials for the task role: "
                                      f"role arn:aws:iam::{ACCOUNT}:role/unknown is not in the server's roles file"), t
        assert not e.docker_ids(u), "no container for a task whose role is unknown"
        assert "169.254.170.2" in subprocess.run(["ip", "-4", "addr", "show", "dev", "lo"], capture_output=True,
                                                 text=True).stdout
    out = subprocess.run(["ip", "-4", "addr", "show", "dev", "lo"], capture_output=True, text=True).stdout
    assert "169.254.170.2" not in out, out  # the agent removed what it added


def test_agent_restart_keeps_ids_and_serves_adopted_containers(_server):
    with env() as e:
        _, arn = e.run([{"name": "app"}], taskRoleArn=APP)
        t = e.wait(arn, "RUNNING")
        cid = e.docker_ids(arn)["app"]
        before = get_json(cid, "$ECS_CONTAINER_METADATA_URI_V4")
        assert e.agent.stop() == 0  # containers keep running; the endpoint goes with the agent
        rc, _, err = in_container(cid, "wget -T 2 -qO- $ECS_CONTAINER_METADATA_URI_V4", check=False)
        assert rc != 0, err
        e.agent.start()
        # the same ids (the key in the data folder), the adopted container in full
        after = ah.wait_for("the endpoint back", lambda: get_json(cid, "$ECS_CONTAINER_METADATA_URI_V4"), timeout=30)
        check_container(after, ah.inspect(cid), "app", ah.LOCAL_IMAGE,
                        {c["name"]: c["containerArn"] for c in t["containers"]}, 4)
        assert after == before, (before, after)
        creds = ah.wait_for("the credentials back", lambda: get_json(
            cid, "http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), timeout=30)
        assert creds["RoleArn"] == APP and creds["AccessKeyId"] == KEY_ID


if not ah.enabled():
    # Not in the container stage: this module offers no tests (see the docstring).
    for _name in [n for n in list(globals()) if n.startswith("test_")]:
        del globals()[_name]
