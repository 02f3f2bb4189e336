"""The ecsd command line (issue 2): subcommands, --help on each, options
from flags and from ECSD_* environment variables."""
import os
import subprocess

import harness


def ecsd(*args, env=None):
    return subprocess.run([harness.BIN] + list(args), capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, **(env or {})))


def test_help_on_each_subcommand(_server):
    for cmd in ("server", "agent", "dev", "version"):
        p = ecsd(cmd, "--help")
        assert p.returncode == 0 and "usage: ecsd " + cmd in p.stdout, (cmd, p.returncode, p.stdout, p.stderr)
    p = ecsd("--help")
    assert p.returncode == 0 and all(c in p.stdout for c in ("server", "agent", "dev", "version"))
    p = ecsd("server", "--help")
    for flag, env in (("--listen", "ECSD_LISTEN"), ("--data-dir", "ECSD_DATA_DIR"), ("--region", "ECSD_REGION"),
                      ("--account-id", "ECSD_ACCOUNT_ID"), ("--credentials", "ECSD_CREDENTIALS")):
        assert flag in p.stdout and env in p.stdout, (flag, p.stdout)


def test_version_and_bad_input(_server):
    p = ecsd("version")
    assert p.returncode == 0 and p.stdout.startswith("ecsd "), p.stdout
    assert ecsd("nosuchcommand").returncode == 2
    p = ecsd("server", "--no-such-flag")
    assert p.returncode == 2 and "--no-such-flag" in p.stderr
    assert ecsd().returncode == 2


def test_flags_and_environment(_server):
    p = ecsd("server", "--print-config", env={"ECSD_LISTEN": "127.0.0.1:9999", "ECSD_REGION": "eu-west-1"})
    assert "ECSD_LISTEN=127.0.0.1:9999" in p.stdout and "ECSD_REGION=eu-west-1" in p.stdout, p.stdout
    p = ecsd("server", "--listen", "127.0.0.1:8888", "--print-config", env={"ECSD_LISTEN": "127.0.0.1:9999"})
    assert "ECSD_LISTEN=127.0.0.1:8888" in p.stdout, p.stdout  # a flag wins over the environment
    p = ecsd("server", "--account-id=12345", "--insecure-no-auth")
    assert p.returncode == 2 and "12 digits" in p.stderr, p.stderr


def test_region_and_account_are_configurable(_server):
    with harness.own_server(extra_args=["--region", "eu-west-1", "--account-id", "999988887777"],
                            auth=False) as s:
        ecs = s.client(region="eu-west-1")
        arn = ecs.create_cluster(clusterName="r")["cluster"]["clusterArn"]
        assert arn == "arn:aws:ecs:eu-west-1:999988887777:cluster/r", arn
