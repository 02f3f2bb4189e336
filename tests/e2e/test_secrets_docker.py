"""Container tests of issue 13 (secrets and environment files): a real
`ecsd server`, a real `ecsd agent` and a real dockerd. The task's
containers echo their environment; what they print is read back with
`docker logs`.

- `secrets` from Parameter Store (String and SecureString, by name and by
  ARN) and from Secrets Manager (the whole string, a json key, the
  AWSPREVIOUS stage, a version id), and `secretOptions` of the log
  configuration, resolved by the agent at task start;
- a missing parameter or secret stops the task with ECS's reason;
- `environmentFiles` from the agent's --env-files-dir (ECS's rules: the
  first file and line win, an explicit `environment` wins), and without it
  a clear stoppedReason;
- no SecureString or secret value is written in clear in the store's file.

Where: as test_agent_docker.py, inside the network namespace of the test
engine (ECSD_AGENT_DOCKER=1, DOCKER_HOST set); elsewhere no tests.
"""
import os

import agent_harness as ah
import boto3
import botocore.config
from harness import ACCOUNT, KEY_ID, REGION, SECRET, unique
from test_agent_docker import agent_env

FRESH_SERVER = True  # a server per test, as test_agent_docker.py

PULL = ("ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
        "failed: ")


def client(server, service):
    return boto3.client(service, endpoint_url=server.endpoint, region_name=REGION, aws_access_key_id=KEY_ID,
                        aws_secret_access_key=SECRET, config=botocore.config.Config(retries={"max_attempts": 1}))


def echo(names):
    """A command printing NAME=<value> for each name, then waiting."""
    return ["sh", "-c", "; ".join(f'echo "{n}=${n}"' for n in names) + "; echo done; sleep 1000"]


def printed(env, arn, name="app"):
    cid = env.docker_ids(arn)[name]
    out = ah.wait_for("the container's output", lambda: (lambda o: o if "done" in o else None)(
        ah.docker("logs", cid)), timeout=30)
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def test_secrets_from_both_services_injected(server):
    ssm, sm = client(server, "ssm"), client(server, "secretsmanager")
    base = "/" + unique("app")
    ssm.put_parameter(Name=base + "/host", Value="db.internal", Type="String")
    ssm.put_parameter(Name=base + "/pass", Value="ssm pass with spaces", Type="SecureString")
    ssm.put_parameter(Name=base + "/logsize", Value="7m", Type="String")
    sec = sm.create_secret(Name=unique("prod/db"), SecretString='{"user":"admin","port":5432}')
    sm.put_secret_value(SecretId=sec["ARN"], SecretString='{"user":"root","port":6543}')
    plain = sm.create_secret(Name=unique("token"), SecretString="tok-123")
    first = sm.describe_secret(SecretId=sec["ARN"])["VersionIdsToStages"]
    prev_id = next(v for v, st in first.items() if "AWSPREVIOUS" in st)
    names = ["HOST", "PASS", "PASS_ARN", "USER", "PORT", "OLD_USER", "BY_ID", "TOKEN", "PLAIN"]
    with agent_env(server, ["--stop-timeout", "1"]) as env:
        family = env.register([{
            "name": "app", "command": echo(names),
            "environment": [{"name": "PLAIN", "value": "not-secret"}, {"name": "PASS", "value": "overridden"}],
            "secrets": [
                {"name": "HOST", "valueFrom": base + "/host"},
                {"name": "PASS", "valueFrom": base + "/pass"},
                {"name": "PASS_ARN", "valueFrom": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{base}/pass"},
                {"name": "USER", "valueFrom": sec["ARN"] + ":user::"},
                {"name": "PORT", "valueFrom": sec["ARN"] + ":port:AWSCURRENT:"},
                {"name": "OLD_USER", "valueFrom": sec["ARN"] + ":user:AWSPREVIOUS:"},
                {"name": "BY_ID", "valueFrom": f"{sec['ARN']}:user::{prev_id}"},
                {"name": "TOKEN", "valueFrom": plain["ARN"]}],
            "logConfiguration": {"logDriver": "json-file", "options": {"max-file": "2"},
                                 "secretOptions": [{"name": "max-size", "valueFrom": base + "/logsize"}]}}])
        arn = env.run(family)
        env.wait_status(arn, "RUNNING", timeout=90)
        got = printed(env, arn)
        assert got == {"HOST": "db.internal", "PASS": "ssm pass with spaces", "PASS_ARN": "ssm pass with spaces",
                       "USER": "root", "PORT": "6543", "OLD_USER": "admin", "BY_ID": "admin", "TOKEN": "tok-123",
                       "PLAIN": "not-secret"}, got
        cfg = ah.inspect(env.docker_ids(arn)["app"])["HostConfig"]["LogConfig"]
        assert cfg["Type"] == "json-file" and cfg["Config"] == {"max-file": "2", "max-size": "7m"}, cfg
        # the values are in the container only: never in what ECS shows, nor in the agent's log
        text = str(env.describe(arn))
        assert "ssm pass with spaces" not in text and "tok-123" not in text
        assert "ssm pass with spaces" not in env.agent.read_log() and "tok-123" not in env.agent.read_log()
        env.ecs.stop_task(cluster=env.cluster, task=arn)
        env.wait_status(arn, "STOPPED")
    # and never in clear in the store's file
    for path in [os.path.join(server.data_dir, "secrets.db"), os.path.join(server.data_dir, "secrets.db-wal")]:
        if os.path.exists(path):
            data = open(path, "rb").read()
            assert b"ssm pass with spaces" not in data and b"tok-123" not in data and b"db.internal" not in data


def test_missing_secret_stops_the_task_with_its_reason(server):
    sm = client(server, "secretsmanager")
    gone = unique("/gone/param")
    with agent_env(server, ["--stop-timeout", "1"]) as env:
        family = env.register([{"name": "app", "command": ["sleep", "1000"],
                                "secrets": [{"name": "X", "valueFrom": gone}]}])
        arn = env.run(family)
        task = env.wait_status(arn, "STOPPED", timeout=60)
        assert task["stoppedReason"] == (PULL + "unable to retrieve secrets from ssm: service call has been "
                                         "retried 1 time(s): invalid ssm parameters: " + gone), task
        assert env.docker_ids(arn) == {}  # no container was made
        # a Secrets Manager ARN that does not exist, and a json key that does not
        missing_arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{unique('none')}-AbCdEf"
        family = env.register([{"name": "app", "command": ["sleep", "1000"],
                                "secrets": [{"name": "X", "valueFrom": missing_arn}]}])
        task = env.wait_status(env.run(family), "STOPPED", timeout=60)
        # (the server keeps the first 255 characters of a reason)
        want = (PULL + "unable to retrieve secret from asm: service call has been retried 1 time(s): failed to "
                f"fetch secret {missing_arn} from secrets manager: ResourceNotFoundException: ")
        assert task["stoppedReason"] == want[:255], task
        sec = sm.create_secret(Name=unique("j"), SecretString='{"a":"1"}')
        family = env.register([{"name": "app", "command": ["sleep", "1000"],
                                "secrets": [{"name": "X", "valueFrom": sec["ARN"] + ":b::"}]}])
        task = env.wait_status(env.run(family), "STOPPED", timeout=60)
        assert "did not contain json key b" in task["stoppedReason"], task


def test_environment_files_injected(server):
    envdir = os.path.realpath(__import__("tempfile").mkdtemp(prefix="ecsd-envfiles-"))
    os.makedirs(os.path.join(envdir, "my-bucket", "conf"))
    with open(os.path.join(envdir, "my-bucket", "conf", "one.env"), "w") as f:
        f.write("# comment\nA=from-one\nB=one b\n\nEXPLICIT=from-file\nnot a line\n")
    with open(os.path.join(envdir, "my-bucket", "two.env"), "w") as f:
        f.write("A=from-two\nC=\"quoted\"\r\n")
    try:
        with agent_env(server, ["--stop-timeout", "1", "--env-files-dir", envdir]) as env:
            family = env.register([{
                "name": "app", "command": echo(["A", "B", "C", "EXPLICIT"]),
                "environment": [{"name": "EXPLICIT", "value": "explicit"}],
                "environmentFiles": [{"value": "arn:aws:s3:::my-bucket/conf/one.env", "type": "s3"},
                                     {"value": "arn:aws:s3:::my-bucket/two.env", "type": "s3"}]}])
            arn = env.run(family)
            env.wait_status(arn, "RUNNING", timeout=90)
            assert printed(env, arn) == {"A": "from-one", "B": "one b", "C": '"quoted"', "EXPLICIT": "explicit"}
            env.ecs.stop_task(cluster=env.cluster, task=arn)
            # a file outside the folder, or absent: the task stops, naming the field
            family = env.register([{"name": "app", "command": ["sleep", "1000"],
                                    "environmentFiles": [{"value": "arn:aws:s3:::my-bucket/../../etc/x.env",
                                                          "type": "s3"}]}])
            task = env.wait_status(env.run(family), "STOPPED", timeout=60)
            assert task["stoppedReason"].startswith(
                "ResourceInitializationError: failed to download env files: container app: environmentFiles[0]"), task
    finally:
        __import__("shutil").rmtree(envdir, ignore_errors=True)


def test_environment_files_without_a_folder_fail_clearly(server):
    with agent_env(server, ["--stop-timeout", "1"]) as env:
        family = env.register([{"name": "app", "command": ["sleep", "1000"],
                                "environmentFiles": [{"value": "arn:aws:s3:::b/app.env", "type": "s3"}]}])
        arn = env.run(family)
        task = env.wait_status(arn, "STOPPED", timeout=60)
        reason = task["stoppedReason"]
        assert reason.startswith("ResourceInitializationError: failed to download env files: container app: "
                                 "environmentFiles[0]: arn:aws:s3:::b/app.env: ecsd has no S3"), reason
        assert "--env-files-dir" in reason
        assert env.docker_ids(arn) == {}


if not ah.enabled():
    # Not in the container stage: this module offers no tests (see the docstring).
    for _name in [n for n in list(globals()) if n.startswith("test_")]:
        del globals()[_name]
