"""Starts a real ecsd for end-to-end tests and gives boto3 / aws CLI clients for it.

A test module defines functions named test_*; each takes one argument, the
running Server (shared by the tests of a module unless the module sets
FRESH_SERVER = True, which gives each test its own server and data folder).
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import boto3
import botocore.config

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(REPO, os.environ.get("ECSD_BIN", "build/ecsd"))
REGION = "us-east-1"
ACCOUNT = "123456789012"
KEY_ID, SECRET = "AKIDECSDTEST", "ecsd-test-secret"
# A second account, for isolation tests.
ACCOUNT2, KEY_ID2, SECRET2 = "210987654321", "AKIDECSDOTHER", "ecsd-other-secret"


# ECSD_STORE=postgresql://USER@HOST:PORT (scripts/pg-test.sh up): every
# Server keeps its state in a PostgreSQL database of its own on that server
# (named after its data folder, so a restart on the same folder finds it
# again) instead of SQLite in the folder.
PG_BASE = os.environ.get("ECSD_STORE", "").rstrip("/")


def pg_sql(sql, db="postgres"):
    p = subprocess.run(["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", f"{PG_BASE}/{db}", "-c", sql],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"psql {sql!r}: {p.stderr}")
    return p.stdout.strip()


def pg_database(data_dir):
    """The URI of the PostgreSQL database of this data folder, created when missing."""
    import hashlib
    name = "ecsd_" + hashlib.sha1(os.path.realpath(data_dir).encode()).hexdigest()[:16]
    if pg_sql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
        pg_sql(f"CREATE DATABASE {name}")
    return f"{PG_BASE}/{name}", name


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One ecsd server process on a free loopback port with its own data folder."""

    def __init__(self, data_dir=None, extra_args=(), env=None, auth=True, tls_ca=None, listen_host="127.0.0.1"):
        """auth: serve with SigV4 and the test credentials (the default), or
        without authentication (--insecure-no-auth) when False."""
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="ecsd-e2e-")
        self.extra_args = list(extra_args)
        self.creds_path = os.path.join(self.data_dir, "test-credentials")
        with open(self.creds_path, "w") as f:
            f.write(f"# test keys\n{KEY_ID} {SECRET} {ACCOUNT}\n{KEY_ID2} {SECRET2} {ACCOUNT2}\n")
        self.extra_args += ["--credentials", self.creds_path] if auth else ["--insecure-no-auth"]
        self.pg_name = None
        if PG_BASE and "--store" not in self.extra_args:
            url, self.pg_name = pg_database(self.data_dir)
            self.extra_args += ["--store", url]
        self.tls_ca = tls_ca  # the server serves HTTPS with a certificate this CA file trusts
        self.listen_host = listen_host  # an address of the test's own namespace (test_hosts_docker: a bridge)
        self.env = env or {}
        self.proc = None
        self.port = None

    @property
    def endpoint(self):
        return f"{'https' if self.tls_ca else 'http'}://{self.listen_host}:{self.port}"

    def start(self, port=None):
        self.port = port or free_port()
        self.log_path = os.path.join(self.data_dir, "server.log")
        env = dict(os.environ, **self.env)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BIN, "server", "--listen", f"{self.listen_host}:{self.port}", "--data-dir", self.data_dir,
             "--region", REGION, "--account-id", ACCOUNT] + self.extra_args,
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"ecsd exited with {self.proc.returncode}: {self.read_log()}")
            try:
                import ssl
                ctx = ssl.create_default_context(cafile=self.tls_ca) if self.tls_ca else None
                with urllib.request.urlopen(self.endpoint + "/healthz", timeout=1, context=ctx) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("ecsd did not become ready: " + self.read_log())

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM):
        """Stops the server; returns its exit code. A clean stop must exit 0
        (under ASan a leak or error makes it non-zero)."""
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        self.log.close()
        return rc

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def cleanup(self):
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            if self.pg_name:
                pg_sql(f"DROP DATABASE IF EXISTS {self.pg_name} WITH (FORCE)")

    def client(self, region=REGION, key=(KEY_ID, SECRET), verify=None, **cfg):
        return boto3.client(
            "ecs", endpoint_url=self.endpoint, region_name=region, verify=verify,
            aws_access_key_id=key[0], aws_secret_access_key=key[1],
            config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}, **cfg))

    def cli(self, *args, check=True, ca_bundle=None):
        """Runs `aws ecs ARGS...` against the server; returns the parsed JSON output
        (or a CompletedProcess when check is False)."""
        env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET,
                   AWS_DEFAULT_REGION=REGION, AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
        tls = ["--ca-bundle", ca_bundle] if ca_bundle else []
        p = subprocess.run(["aws", "--endpoint-url", self.endpoint, "--output", "json"] + tls + ["ecs"] + list(args),
                           capture_output=True, text=True, env=env, timeout=60)
        if not check:
            return p
        if p.returncode != 0:
            raise AssertionError(f"aws ecs {' '.join(args)} failed: {p.stderr}")
        return json.loads(p.stdout) if p.stdout.strip() else {}

    def raw(self, body, target="ListClusters", headers=None, path="/", method="POST", sign=True):
        """Sends a raw HTTP request, signed with SigV4 as botocore signs
        (unless sign is False); returns (status, headers, parsed-or-raw body)."""
        h = {"Content-Type": "application/x-amz-json-1.1",
             "X-Amz-Target": "AmazonEC2ContainerServiceV20141113." + target}
        if headers is not None:
            h.update(headers)
        h = {k: v for k, v in h.items() if v is not None}
        data = body if isinstance(body, (bytes, type(None))) else body.encode()
        if sign:
            h = sign_headers(self.endpoint + path, method, h, data or b"")
        req = urllib.request.Request(self.endpoint + path, data=data, headers=h, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, hdrs, raw = r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            status, hdrs, raw = e.code, dict(e.headers), e.read()
        try:
            return status, hdrs, json.loads(raw)
        except ValueError:
            return status, hdrs, raw


def sign_headers(url, method, headers, body, key=(KEY_ID, SECRET), region=REGION, service="ecs"):
    """The headers plus X-Amz-Date and Authorization, signed by botocore."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    req = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    SigV4Auth(Credentials(*key), service, region).add_auth(req)
    return dict(req.headers)


def error_code(exc):
    """The __type of a botocore ClientError."""
    return exc.response["Error"]["Code"]


def expect_error(fn, code, message=None, status=400):
    """Calls fn(); asserts it raised a ClientError with this code (and message
    substring and HTTP status). Returns the error response."""
    from botocore.exceptions import ClientError
    try:
        fn()
    except ClientError as e:
        got = error_code(e)
        assert got == code, f"expected {code}, got {got}: {e.response['Error'].get('Message')}"
        if message is not None:
            msg = e.response["Error"].get("Message", "")
            assert message in msg, f"expected message containing {message!r}, got {msg!r}"
        got_status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        assert got_status == status, f"expected HTTP {status}, got {got_status}"
        return e.response
    raise AssertionError(f"expected {code}, but the call succeeded")



def unique(prefix):
    """A name no other test uses (tests of a module share one server)."""
    import uuid
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class own_server:
    """`with own_server(extra_args=[...], **Server kwargs) as s:` a server of
    the test's own; it must stop cleanly (exit 0), and its data folder goes."""

    def __init__(self, extra_args=(), **kw):
        self.server = Server(extra_args=extra_args, **kw)

    def __enter__(self):
        return self.server.start()

    def __exit__(self, exc_type, exc, tb):
        rc = self.server.stop()
        log = self.server.read_log() if rc != 0 else ""
        self.server.cleanup()
        if exc_type is None:
            assert rc == 0, f"server exited {rc}: {log[-4000:]}"
        return False
