"""A test helper that plays the ecsd agent over the real protocol
(docs/agent-protocol.md): RegisterContainerInstance, DiscoverPollEndpoint,
the blocking poll (POST <endpoint> with JSON, signed like any request), and
state reports with SubmitContainerStateChange / SubmitTaskStateChange.

    agent = FakeAgent(server, "web", cpu=1024, memory=2048).register()
    state = agent.poll()                 # index 0: answers at once
    agent.start_task(task_arn)           # containers RUNNING, then the task
    agent.stop_task(task_arn)            # containers STOPPED, then the task
"""
import json
import urllib.error
import urllib.request
import uuid

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from harness import KEY_ID, REGION, SECRET, Server

RESERVED_TCP = ("22", "2375", "2376", "51678")
VERSION = {"agentVersion": "1.5.0", "agentHash": "fakeagt", "dockerVersion": "DockerVersion: 1.7.1"}


# What a current agent registers (as the ecsd agent does: src/agent/agent_caps.c),
# so that task definitions whose members require attributes (memoryReservation:
# docker-remote-api.1.21, healthCheck, dependsOn, task-level cpu/memory...) place.
# A test of an instance without them passes attributes=[].
_CAP, _ATTR = "com.amazonaws.ecs.capability.", "ecs.capability."
MODERN_ATTRIBUTES = (
    [{"name": "ecs.os-type", "value": "linux"}, {"name": "ecs.cpu-architecture", "value": "x86_64"},
     {"name": _CAP + "privileged-container"}]
    + [{"name": f"{_CAP}docker-remote-api.1.{v}"} for v in range(17, 45)]
    + [{"name": f"{_CAP}logging-driver.{d}"} for d in
       ("json-file", "local", "syslog", "journald", "gelf", "fluentd", "splunk", "none")]
    + [{"name": _ATTR + n} for n in ("container-health-check", "container-ordering", "container-restart-policy",
                                     "network.container-port-range", "docker-plugin.local",
                                     "pid-ipc-namespace-sharing", "task-cpu-mem-limit",
                                     "increased-task-cpu-limit")])


def total_resources(cpu, memory, ports=RESERVED_TCP, ports_udp=()):
    return [{"name": "CPU", "type": "INTEGER", "integerValue": cpu},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": memory},
            {"name": "PORTS", "type": "STRINGSET", "stringSetValue": list(ports)},
            {"name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": list(ports_udp)}]


def resources(resource_list):
    """{"CPU": int, "MEMORY": int, "PORTS": set of str, "PORTS_UDP": set of str}."""
    out = {}
    for r in resource_list:
        out[r["name"]] = set(r.get("stringSetValue", [])) if r["type"] == "STRINGSET" else r["integerValue"]
    return out


def unique(prefix):
    """A name no other test uses (the tests of a module share one server)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class own_server:
    """`with own_server(extra_args=[...]) as s:` a server of the test's own,
    started with extra flags (e.g. --agent-timeout 2); it must stop cleanly
    (exit 0), and its data folder is removed."""

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


class PollError(Exception):
    def __init__(self, status, body):
        super().__init__(f"poll answered {status}: {body}")
        self.status, self.body = status, body
        self.code = body.get("__type") if isinstance(body, dict) else None


class FakeAgent:
    def __init__(self, server, cluster, cpu=1024, memory=2048, ports=RESERVED_TCP, ports_udp=(),
                 instance_id=None, region=REGION, attributes=MODERN_ATTRIBUTES):
        self.server, self.cluster = server, cluster
        self.attributes = list(attributes)
        self.cpu, self.memory, self.ports, self.ports_udp = cpu, memory, ports, ports_udp
        self.instance_id = instance_id
        self.region = region  # every call, the poll too, is signed for it
        self.ecs = server.client(region=region)
        self.arn = None
        self.index = 0
        self.endpoint = None

    # -- registration ----------------------------------------------------
    def register(self, reattach=None, **changes):
        """Registers (or, with reattach=ARN, re-attaches); returns self. Keyword
        arguments (cpu, memory, ports, ports_udp) change the declared totals."""
        for k, v in changes.items():
            setattr(self, k, v)
        kw = {"cluster": self.cluster, "versionInfo": VERSION,
              "totalResources": total_resources(self.cpu, self.memory, self.ports, self.ports_udp)}
        if self.attributes:
            kw["attributes"] = self.attributes
        if self.instance_id:
            kw["instanceIdentityDocument"] = json.dumps({"instanceId": self.instance_id, "region": self.region})
        if reattach:
            kw["containerInstanceArn"] = reattach
        self.registered = self.ecs.register_container_instance(**kw)["containerInstance"]
        self.arn = self.registered["containerInstanceArn"]
        self.index = 0
        return self

    def discover(self):
        self.endpoint = self.ecs.discover_poll_endpoint(cluster=self.cluster,
                                                        containerInstance=self.arn)["endpoint"]
        return self.endpoint

    # -- the blocking poll -----------------------------------------------
    def poll_raw(self, index, wait=1, timeout=None):
        """One poll; returns (HTTP status, parsed body)."""
        if self.endpoint is None:
            self.discover()
        body = json.dumps({"cluster": self.cluster, "containerInstance": self.arn, "index": index,
                           "waitSeconds": wait}).encode()
        req = AWSRequest(method="POST", url=self.endpoint, data=body,
                         headers={"Content-Type": "application/json"})
        SigV4Auth(Credentials(KEY_ID, SECRET), "ecs", self.region).add_auth(req)
        http_req = urllib.request.Request(self.endpoint, data=body, headers=dict(req.headers), method="POST")
        try:
            with urllib.request.urlopen(http_req, timeout=timeout or wait + 15) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, raw

    def poll(self, index=None, wait=1):
        """Polls with `index` (default: the last one seen) and remembers the
        new index; returns the answer. Raises PollError on an error answer."""
        status, body = self.poll_raw(self.index if index is None else index, wait)
        if status != 200:
            raise PollError(status, body)
        self.index = body["index"]
        return body

    def tasks(self):
        """The desired state right now (a poll with index 0): taskArn -> task."""
        return {t["taskArn"]: t for t in self.poll(index=0)["tasks"]}

    # -- reports ----------------------------------------------------------
    def report_container(self, task, name, status, exit_code=None, reason=None, bindings=None):
        kw = {"cluster": self.cluster, "task": task, "containerName": name, "status": status}
        if exit_code is not None:
            kw["exitCode"] = exit_code
        if reason is not None:
            kw["reason"] = reason
        if bindings is not None:
            kw["networkBindings"] = bindings
        return self.ecs.submit_container_state_change(**kw)

    def report_task(self, task, status, reason=None, containers=None):
        """containers: the containers' changes in the same report (ContainerStateChange items)."""
        kw = {"cluster": self.cluster, "task": task, "status": status}
        if reason is not None:
            kw["reason"] = reason
        if containers is not None:
            kw["containers"] = containers
        return self.ecs.submit_task_state_change(**kw)

    def start_task(self, task, names=None, bindings=None):
        """Reports every container RUNNING (bindings: name -> networkBindings), then the task."""
        names = names or [c["name"] for c in self.describe_task(task)["containers"]]
        for n in names:
            assert self.report_container(task, n, "RUNNING", bindings=(bindings or {}).get(n))["acknowledgment"]
        assert self.report_task(task, "RUNNING")["acknowledgment"]

    def stop_task(self, task, reason=None, exit_code=0):
        for c in self.describe_task(task)["containers"]:
            self.report_container(task, c["name"], "STOPPED", exit_code=exit_code)
        assert self.report_task(task, "STOPPED", reason)["acknowledgment"]

    # -- looking at the result -------------------------------------------
    def describe(self):
        r = self.ecs.describe_container_instances(cluster=self.cluster, containerInstances=[self.arn])
        assert not r["failures"], r["failures"]
        return r["containerInstances"][0]

    def remaining(self):
        return resources(self.describe()["remainingResources"])

    def describe_task(self, task):
        r = self.ecs.describe_tasks(cluster=self.cluster, tasks=[task])
        assert not r["failures"], r["failures"]
        return r["tasks"][0]
