"""Several hosts for the container tests of issue 16 (test_hosts_docker.py):
each host is a network namespace of the test's own with its own dockerd
(scripts/docker-netns.sh up) and its own `ecsd agent`, joined to the test's
namespace by a veth pair on a bridge the test makes there (10.99.0.1/24;
host i at 10.99.0.(10+i)). Only addresses inside those namespaces are used.
Cutting a host's link is setting its veth end on the bridge down.

    with Hosts(3) as hosts:
        server = Server(listen_host=hosts.gateway, ...).start()
        hosts.start_agents(server, cluster)
        hosts[0].cut(); hosts[0].restore()
"""
import json
import os
import signal
import subprocess
import tempfile
import time

from harness import BIN, KEY_ID, REGION, SECRET

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NETNS_SCRIPT = os.path.join(ROOT, "scripts", "docker-netns.sh")
GATEWAY = "10.99.0.1"


def sh(*args, check=True):
    p = subprocess.run(list(args), capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({p.returncode}): {p.stderr[-2000:]}")
    return p.stdout


class Host:
    def __init__(self, tag, i):
        self.i = i
        self.ns = f"ecsd-h{tag}-{i}"
        self.outer, self.inner = f"eh{tag}x{i}", f"ec{tag}x{i}"  # veth ends: on the bridge / in the host
        self.address = f"10.99.0.{10 + i}"
        self.docker_host = None
        self.agent = None
        self.data_dir = tempfile.mkdtemp(prefix=f"ecsd-host{i}-")
        self.log_path = os.path.join(self.data_dir, "agent.log")

    def docker(self, *args, check=True):
        return sh("docker", "-H", self.docker_host, *args, check=check)

    def containers(self, cluster):
        """(task ARN, container name, running) of every container of the cluster on this host."""
        out = self.docker("ps", "-a", "--filter", f"label=com.amazonaws.ecs.cluster={cluster}", "--format",
                          "{{json .Labels}}\t{{.State}}")
        rows = []
        for line in out.splitlines():
            labels, state = line.rsplit("\t", 1)
            kv = dict(x.split("=", 1) for x in json.loads(labels).split(",") if "=" in x)
            rows.append((kv.get("com.amazonaws.ecs.task-arn"), kv.get("com.amazonaws.ecs.container-name"),
                         state == "running"))
        return rows

    def start_agent(self, server, cluster, extra_args=()):
        log = open(self.log_path, "ab")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        self.agent = subprocess.Popen(
            ["nsenter", f"--net=/run/netns/{self.ns}", BIN, "agent", "--cluster", cluster,
             "--endpoint", server.endpoint, "--data-dir", os.path.join(self.data_dir, "agent"),
             "--docker-host", self.docker_host, "--region", REGION, "--access-key", KEY_ID,
             "--secret-key", SECRET, "--introspection", "127.0.0.1:51678", "--stop-timeout", "2",
             *extra_args], stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        return self

    def stop_agent(self, sig=signal.SIGTERM, timeout=60):
        if self.agent is None:
            return None
        self.agent.send_signal(sig)
        try:
            rc = self.agent.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.agent.kill()
            rc = self.agent.wait()
        self.agent = None
        return rc

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def cut(self):
        sh("ip", "link", "set", self.outer, "down")

    def restore(self):
        sh("ip", "link", "set", self.outer, "up")


class Hosts:
    def __init__(self, n):
        self.tag = os.getpid() % 10000
        self.bridge = f"eb{self.tag}"
        self.gateway = GATEWAY
        self.hosts = [Host(self.tag, i) for i in range(n)]

    def __getitem__(self, i):
        return self.hosts[i]

    def __iter__(self):
        return iter(self.hosts)

    def __enter__(self):
        try:
            sh("ip", "link", "add", self.bridge, "type", "bridge")
            sh("ip", "addr", "add", f"{GATEWAY}/24", "dev", self.bridge)
            sh("ip", "link", "set", self.bridge, "up")
            for h in self.hosts:
                h.docker_host = sh(NETNS_SCRIPT, "up", h.ns).strip()
                sh("ip", "link", "add", h.outer, "type", "veth", "peer", "name", h.inner)
                sh("ip", "link", "set", h.inner, "netns", h.ns)
                sh("ip", "link", "set", h.outer, "master", self.bridge)
                sh("ip", "link", "set", h.outer, "up")
                inside = ["nsenter", f"--net=/run/netns/{h.ns}", "ip"]
                sh(*inside, "addr", "add", f"{h.address}/24", "dev", h.inner)
                sh(*inside, "link", "set", h.inner, "up")
            for h in self.hosts:  # each reaches the gateway before anything runs
                deadline = time.time() + 10
                while subprocess.run(["nsenter", f"--net=/run/netns/{h.ns}", "busybox", "ping", "-c1", "-W1",
                                      GATEWAY],
                                     capture_output=True).returncode != 0:
                    if time.time() > deadline:
                        raise AssertionError(f"host {h.i} cannot reach {GATEWAY}")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        for h in self.hosts:
            h.stop_agent(signal.SIGKILL)
            sh(NETNS_SCRIPT, "down", h.ns, check=False)  # its veth end goes with it
            subprocess.run(["rm", "-rf", h.data_dir])
        sh("ip", "link", "del", self.bridge, check=False)
        return False
