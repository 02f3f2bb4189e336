"""Task roles (issue 13 item 2) through the real protocol: the server's
roles file (--roles-file) maps a role ARN to the keys it hands out; the
poll answer carries them as roleCredentials / executionRoleCredentials
(docs/agent-protocol.md §3), a role the server cannot serve as
credentialsError, which the agent reports as the task's stoppedReason.
ecsd's own keys come with a session token of ecsd's, which its SigV4
checks (forged: UnrecognizedClientException, expired:
ExpiredTokenException). SIGHUP re-reads the file; no secret reaches the
log. The real agent's side: test_metadata_docker.py."""
import hashlib
import hmac
import os
import signal
import tempfile
import time

import boto3
import botocore.config

from fake_agent import MODERN_ATTRIBUTES, FakeAgent, own_server, unique
from harness import ACCOUNT, ACCOUNT2, KEY_ID, KEY_ID2, REGION, SECRET, SECRET2, expect_error

APP = f"arn:aws:iam::{ACCOUNT}:role/app"
EXT = f"arn:aws:iam::{ACCOUNT}:role/path/ext"
OTHER = f"arn:aws:iam::{ACCOUNT2}:role/app"
EXT_KEY, EXT_SECRET, EXT_TOKEN = "AKIDEXTERNAL", "external-secret-value", "external-token-value"


def forge(token):
    """The token with its last character changed (always a different one:
    replacing it with a fixed character left it valid when it was that one)."""
    return token[:-1] + ("1" if token[-1] == "0" else "0")


def roles_file(text):
    fd, path = tempfile.mkstemp(prefix="ecsd-roles-")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def client(server, key, secret, token=None):
    return boto3.client("ecs", endpoint_url=server.endpoint, region_name=REGION, aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token,
                        config=botocore.config.Config(retries={"max_attempts": 1}))


def run_with_roles(server, agent, cluster, task_role=None, exec_role=None):
    ecs = server.client()
    family = unique("roles")
    kw = {}
    if task_role:
        kw["taskRoleArn"] = task_role
    if exec_role:
        kw["executionRoleArn"] = exec_role
    ecs.register_task_definition(family=family, containerDefinitions=[{"name": "a", "image": "busybox",
                                                                       "memory": 32}], **kw)
    r = ecs.run_task(cluster=cluster, taskDefinition=family)
    assert not r["failures"], r
    arn = r["tasks"][0]["taskArn"]
    return arn, agent.tasks()[arn]


def setup(server):
    cluster = unique("roles")
    server.client().create_cluster(clusterName=cluster)
    # what the ecsd agent registers when its task endpoint serves
    attrs = MODERN_ATTRIBUTES + [{"name": "com.amazonaws.ecs.capability.task-iam-role"}]
    return cluster, FakeAgent(server, cluster, attributes=attrs).register()


def test_roles_credentials_in_poll_token_checked_sighup_and_no_log(_server):
    path = roles_file(f"# roles\n{APP} {KEY_ID}\n{EXT}  {EXT_KEY} {EXT_SECRET} {EXT_TOKEN}  # operator's\n")
    try:
        with own_server(["--roles-file", path]) as server:
            cluster, agent = setup(server)
            arn, entry = run_with_roles(server, agent, cluster, APP, EXT)
            rc, xc = entry["roleCredentials"], entry["executionRoleCredentials"]
            assert "credentialsError" not in entry, entry
            assert set(rc) == {"roleArn", "accessKeyId", "secretAccessKey", "sessionToken", "expiration"}, rc
            assert (rc["roleArn"], rc["accessKeyId"], rc["secretAccessKey"]) == (APP, KEY_ID, SECRET), rc
            assert rc["sessionToken"].startswith("ecsd1."), rc
            now = time.time()
            assert now + 5 * 3600 < rc["expiration"] <= now + 6 * 3600, rc
            assert xc == {"roleArn": EXT, "accessKeyId": EXT_KEY, "secretAccessKey": EXT_SECRET,
                          "sessionToken": EXT_TOKEN, "expiration": rc["expiration"]}, xc
            # the same credentials at every poll of the hour
            assert agent.tasks()[arn]["roleCredentials"] == rc

            # A call with the task's credentials works (token and all) ...
            ecs = client(server, rc["accessKeyId"], rc["secretAccessKey"], rc["sessionToken"])
            assert any(a.endswith("/" + cluster) for a in ecs.list_clusters()["clusterArns"])
            # ... a forged or an expired token does not
            expect_error(lambda: client(server, KEY_ID, SECRET, forge(rc["sessionToken"])).list_clusters(),
                         "UnrecognizedClientException", "The security token included in the request is invalid.")
            expect_error(lambda: client(server, KEY_ID, SECRET, "test").list_clusters(),
                         "UnrecognizedClientException")
            past = int(now) - 10
            mac = hmac.new(SECRET.encode(), f"ecsd-session-token|{KEY_ID}|{past}".encode(), hashlib.sha256)
            expect_error(lambda: client(server, KEY_ID, SECRET, f"ecsd1.{past}.{mac.hexdigest()}").list_clusters(),
                         "ExpiredTokenException", "The security token included in the request is expired")
            # another key's token is not this key's
            expect_error(lambda: client(server, KEY_ID2, SECRET2, rc["sessionToken"]).list_clusters(),
                         "UnrecognizedClientException")

            # SIGHUP: the file again; the next poll carries the new mapping
            with open(path, "w") as f:
                f.write(f"{APP} {KEY_ID2}\n")
            server.proc.send_signal(signal.SIGHUP)
            def remapped():
                e = agent.tasks()[arn]
                return e if e.get("roleCredentials", {}).get("accessKeyId") == KEY_ID2 else None
            from agent_harness import wait_for
            e = wait_for("the new role mapping", remapped, timeout=10)
            assert e["roleCredentials"]["secretAccessKey"] == SECRET2
            assert "not in the server's roles file" in e["credentialsError"], e  # EXT is gone
            # a bad file keeps the roles in force
            with open(path, "w") as f:
                f.write("not-an-arn KEY\n")
            server.proc.send_signal(signal.SIGHUP)
            wait_for("the refused reload in the log", lambda: "the roles in force stay" in server.read_log(),
                     timeout=10)
            assert agent.tasks()[arn]["roleCredentials"]["accessKeyId"] == KEY_ID2
            log = server.read_log()
            for secret in (SECRET, SECRET2, EXT_SECRET, EXT_TOKEN, rc["sessionToken"]):
                assert secret not in log, f"a secret in the log: {secret}"
    finally:
        os.unlink(path)


def test_unknown_role_fails_with_stopped_reason(_server):
    path = roles_file(f"{APP} {KEY_ID}\n{OTHER} {KEY_ID2}\narn:aws:iam::{ACCOUNT}:role/ghost AKIDNOSUCHKEY\n")
    try:
        with own_server(["--roles-file", path]) as server:
            cluster, agent = setup(server)
            cases = [
                (f"arn:aws:iam::{ACCOUNT}:role/unknown", None, "the task role: role arn:aws:iam::"
                 f"{ACCOUNT}:role/unknown is not in the server's roles file"),
                (APP, f"arn:aws:iam::{ACCOUNT}:role/nope", "the task execution role: role "
                 f"arn:aws:iam::{ACCOUNT}:role/nope is not in the server's roles file"),
                (OTHER, None, f"belongs to account {ACCOUNT2}, not the task's account {ACCOUNT}"),
                (f"arn:aws:iam::{ACCOUNT}:role/ghost", None, "maps to an access key that is not one of this "
                 "server's keys"),
            ]
            for task_role, exec_role, words in cases:
                arn, entry = run_with_roles(server, agent, cluster, task_role, exec_role)
                why = entry.get("credentialsError", "")
                assert why.startswith("ResourceInitializationError: unable to get credentials for ") and words in why, \
                    (why, words)
                assert "roleCredentials" not in entry or exec_role, entry
                # what the agent does with it: the task STOPPED with that reason
                agent.report_task(arn, "STOPPED", reason=why)
                t = server.client().describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]
                assert t["lastStatus"] == "STOPPED" and t["stoppedReason"] == why, t
    finally:
        os.unlink(path)


def test_roles_file_errors_name_the_line(server):
    for text, words in [("arn:aws:iam::12:role/x KEY\n", "line 1: the first word must be a role ARN"),
                        (f"\n{APP}\n", "line 2: expected ROLE_ARN ACCESS_KEY_ID"),
                        (f"{APP} KEY a b c\n", "line 1: more than four words"),
                        (f"{APP} KEY\n{APP} KEY2\n", "appears twice")]:
        path = roles_file(text)
        try:
            import subprocess
            from harness import BIN
            d = tempfile.mkdtemp(prefix="ecsd-roles-bad-")
            p = subprocess.run([BIN, "server", "--listen", "127.0.0.1:0", "--data-dir", d, "--insecure-no-auth",
                                "--roles-file", path], capture_output=True, text=True, timeout=30)
            assert p.returncode != 0 and words in p.stdout + p.stderr, (text, p.stdout + p.stderr)
        finally:
            os.unlink(path)


def test_without_roles_file_no_credentials(server):
    cluster, agent = setup(server)
    arn, entry = run_with_roles(server, agent, cluster, APP, EXT)
    assert not {"roleCredentials", "executionRoleCredentials", "credentialsError"} & set(entry), entry
