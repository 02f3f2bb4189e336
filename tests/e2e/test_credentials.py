"""Credentials files as users already write them (issue 10, point 8): access
key ids of 3 to 128 letters, digits and underscores, lower case included
(`test test 000000000000`, as other local AWS tools take), used by boto3 and
by the aws CLI from a shared credentials file and its profiles."""
import os
import subprocess
import tempfile

import harness
from harness import REGION, expect_error

LINES = ("# keys as local AWS tools write them\n"
         "test test 000000000000\n"
         "testing testing 111111111111\n"
         "my_Key_01 s3cret/with+chars= 222222222222  # a comment\n"
         "AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY 333333333333\n")


class server_with_keys(harness.own_server):
    def __init__(self, text=LINES):
        super().__init__()
        with open(self.server.creds_path, "w") as f:
            f.write(text)


def cli(server, *args, env=None):
    e = dict(os.environ, AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        e.pop(k, None)
    e.update(env or {})
    return subprocess.run(["aws", "--endpoint-url", server.endpoint, "--output", "json", "ecs"] + list(args),
                          capture_output=True, text=True, env=e, timeout=60)


def test_lower_case_keys_with_boto3(_server):
    with server_with_keys() as s:
        for key, secret, account in (("test", "test", "000000000000"), ("testing", "testing", "111111111111"),
                                     ("my_Key_01", "s3cret/with+chars=", "222222222222"),
                                     ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                      "333333333333")):
            ecs = s.client(key=(key, secret))
            arn = ecs.create_cluster(clusterName="k-" + key.lower())["cluster"]["clusterArn"]
            assert arn == f"arn:aws:ecs:{REGION}:{account}:cluster/k-{key.lower()}", (key, arn)
            # each key acts for its own account only
            assert ecs.list_clusters()["clusterArns"] == [arn], (key, ecs.list_clusters())
        # key ids are matched exactly: case counts, and a wrong secret is a bad signature
        expect_error(lambda: s.client(key=("TEST", "test")).list_clusters(), "UnrecognizedClientException")
        expect_error(lambda: s.client(key=("tes", "test")).list_clusters(), "UnrecognizedClientException")
        expect_error(lambda: s.client(key=("test", "wrong")).list_clusters(), "InvalidSignatureException")


def test_aws_cli_with_a_shared_credentials_file(_server):
    d = tempfile.mkdtemp(prefix="ecsd-awscreds-")
    path = os.path.join(d, "credentials")
    with open(path, "w") as f:
        f.write("[default]\naws_access_key_id = test\naws_secret_access_key = test\n\n"
                "[other]\naws_access_key_id = my_Key_01\naws_secret_access_key = s3cret/with+chars=\n")
    env = {"AWS_SHARED_CREDENTIALS_FILE": path, "AWS_CONFIG_FILE": os.path.join(d, "config"),
           "AWS_DEFAULT_REGION": REGION}
    try:
        with server_with_keys() as s:
            p = cli(s, "create-cluster", "--cluster-name", "from-cli", env=env)
            assert p.returncode == 0, p.stderr
            p = cli(s, "list-clusters", env=env)
            assert p.returncode == 0 and f"arn:aws:ecs:{REGION}:000000000000:cluster/from-cli" in p.stdout, \
                (p.stdout, p.stderr)
            p = cli(s, "list-clusters", "--profile", "other", env=env)
            assert p.returncode == 0 and "from-cli" not in p.stdout, (p.stdout, p.stderr)
            # the same key in the environment, as `export AWS_ACCESS_KEY_ID=test` does
            p = cli(s, "describe-clusters", "--clusters", "from-cli",
                    env=dict(env, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                             AWS_SHARED_CREDENTIALS_FILE=os.path.join(d, "none")))
            assert p.returncode == 0 and '"ACTIVE"' in p.stdout, (p.stdout, p.stderr)
    finally:
        for name in os.listdir(d):
            os.unlink(os.path.join(d, name))
        os.rmdir(d)


def test_bad_key_lines_stop_the_server_naming_the_line(_server):
    for text, words in (("test test 000000000000\nno-hyphens x 123456789012\n", "line 2"),
                        ("ab x 123456789012\n", "3 to 128"),
                        ("test test 12345\n", "12 digits")):
        s = harness.Server()
        with open(s.creds_path, "w") as f:
            f.write(text)
        try:
            s.start()
        except RuntimeError as e:
            assert words in str(e), (text, str(e)[-2000:])
        else:
            s.stop()
            raise AssertionError(f"the server started with {text!r}")
        finally:
            s.cleanup()
