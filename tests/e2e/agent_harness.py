"""Starts a real `ecsd agent` for the container tests (test_agent_docker.py)
and gives what they need around it: the Docker CLI of the test engine,
waiting with a bound, the agent's introspection API.

The tests run inside the network namespace of the test dockerd
(scripts/docker-netns.sh; scripts/test.sh starts tests/e2e/run.py with
nsenter --net=/run/netns/ecsd-test): the server, the agent, boto3 and the
containers' published ports all live on that namespace's loopback, so no
traffic leaves it. DOCKER_HOST names the engine (unix:///run/NAME.sock).
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request

from harness import BIN, KEY_ID, REGION, SECRET, free_port

DOCKER_HOST = os.environ.get("DOCKER_HOST", "")
REGISTRY_IMAGE = "127.0.0.1:5000/busybox:latest"  # pushed by scripts/docker-netns.sh up
LOCAL_IMAGE = "busybox:latest"
TASK_ENDPOINT = "169.254.170.2:80"  # the agent's task metadata endpoint, as ECS's (test_metadata_docker.py)


def enabled():
    """The container tests run only where scripts/test.sh's docker stage
    asks for them (ECSD_AGENT_DOCKER=1, DOCKER_HOST set, inside the
    namespace)."""
    return os.environ.get("ECSD_AGENT_DOCKER") == "1" and DOCKER_HOST.startswith("unix://")


def wait_for(what, fn, timeout=30, interval=0.1):
    """Calls fn until it returns something true; returns it. Raises after timeout s."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - kept for the message
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


def docker(*args, check=True):
    """Runs the docker CLI against the test engine; returns stdout."""
    p = subprocess.run(["docker", "-H", DOCKER_HOST] + list(args), capture_output=True, text=True, timeout=60)
    if check and p.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed: {p.stderr}")
    return p.stdout


def inspect(id_or_name):
    return json.loads(docker("inspect", id_or_name))[0]


def containers(label, all_=True):
    """Ids of the containers with this label (key=value)."""
    args = ["ps", "-q", "--no-trunc", "--filter", f"label={label}"]
    if all_:
        args.insert(1, "-a")
    return docker(*args).split()


def remove_cluster_containers(cluster):
    ids = containers(f"com.amazonaws.ecs.cluster={cluster}")
    if ids:
        docker("rm", "-f", "-v", *ids, check=False)


def http_get(url, timeout=3):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


class Agent:
    """One `ecsd agent` process for a cluster of the server, with its own data
    folder and introspection port."""

    def __init__(self, server, cluster, extra_args=(), data_dir=None):
        self.server, self.cluster = server, cluster
        self.extra_args = list(extra_args)
        if not any(a.startswith("--task-endpoint") for a in self.extra_args):
            # several agents share a namespace: only a test that asks serves 169.254.170.2
            self.extra_args += ["--task-endpoint", ""]
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="ecsd-agent-")
        self.port = free_port()
        self.proc = None
        self.log = None
        self.log_path = os.path.join(self.data_dir, "agent.log")

    @property
    def introspection(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait_registered=True):
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BIN, "agent", "--cluster", self.cluster, "--endpoint", self.server.endpoint,
             "--data-dir", self.data_dir, "--docker-host", DOCKER_HOST, "--region", REGION,
             "--access-key", KEY_ID, "--secret-key", SECRET,
             "--introspection", f"127.0.0.1:{self.port}"] + self.extra_args,
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        wait_for("the agent's introspection API", lambda: self._alive() and self.metadata(), timeout=20)
        if wait_registered:
            wait_for("the agent to register", lambda: self._alive() and self.metadata()["ContainerInstanceArn"],
                     timeout=30)
        return self

    def _alive(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"agent exited with {self.proc.returncode}: {self.read_log()[-3000:]}")
        return True

    def metadata(self):
        return json.loads(http_get(self.introspection + "/v1/metadata"))

    def tasks(self):
        return json.loads(http_get(self.introspection + "/v1/tasks"))["Tasks"]

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=90):
        """Stops the agent; returns its exit code (0 for a clean stop, also
        under ASan: a leak makes it non-zero)."""
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
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
