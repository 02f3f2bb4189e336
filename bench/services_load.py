#!/usr/bin/env python3
"""bench/services_load.py - issue 5's measure: hosts played over the real
protocol (SigV4-signed RegisterContainerInstance, DiscoverPollEndpoint, the
blocking poll, SubmitContainerStateChange and SubmitTaskStateChange, as
docs/agent-protocol.md describes), no Docker, against a running ecsd.

  services_load.py steady   --port P --hosts 50 --count 1000
      time from CreateService (desiredCount --count) to the steady state
  services_load.py rollout  --port P --hosts 50 --count 1000
      the same, then RegisterTaskDefinition (revision 2) and UpdateService
      to it: time until the service is steady again on revision 2 (one
      deployment, every task of it RUNNING, the steady-state event), the
      rolling update within the default 100/200 percent (issue 12)
  services_load.py idle     --port P --hosts 100 --services 1000 --per 10
      creates --services services of --per tasks, waits until every one is
      steady, then leaves them idle (the caller reads the server's tick log)

A host is two keep-alive connections (one for its blocking poll, one for its
reports) driven by asyncio in one Python process: when a poll brings tasks
with desiredStatus RUNNING it reports each one's container RUNNING and then
the task RUNNING (two write requests per task, as the 2015 agent does); told
to stop one, it reports STOPPED. Prints one JSON line of results.
"""
import argparse
import asyncio
import datetime
import hashlib
import hmac
import json
import sys
import time

REGION = "us-east-1"
TARGET = "AmazonEC2ContainerServiceV20141113."


class Signer:
    """SigV4 as botocore signs ECS requests (content-type, host, x-amz-date, x-amz-target)."""

    def __init__(self, key, secret, host):
        self.key, self.secret, self.host = key, secret, host
        self.day, self.kdate = None, None

    def headers(self, path, body, target=None):
        now = datetime.datetime.now(datetime.timezone.utc)
        amz, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        if day != self.day:
            k = hmac.new(("AWS4" + self.secret).encode(), day.encode(), hashlib.sha256).digest()
            for part in (REGION, "ecs", "aws4_request"):
                k = hmac.new(k, part.encode(), hashlib.sha256).digest()
            self.day, self.kdate = day, k
        h = {"content-type": "application/x-amz-json-1.1", "host": self.host, "x-amz-date": amz}
        if target:
            h["x-amz-target"] = TARGET + target
        names = sorted(h)
        canon = "\n".join(["POST", path, "", "".join(f"{n}:{h[n]}\n" for n in names), ";".join(names),
                           hashlib.sha256(body).hexdigest()])
        scope = f"{day}/{REGION}/ecs/aws4_request"
        sts = f"AWS4-HMAC-SHA256\n{amz}\n{scope}\n{hashlib.sha256(canon.encode()).hexdigest()}"
        sig = hmac.new(self.kdate, sts.encode(), hashlib.sha256).hexdigest()
        h["authorization"] = (f"AWS4-HMAC-SHA256 Credential={self.key}/{scope}, "
                              f"SignedHeaders={';'.join(names)}, Signature={sig}")
        return h


class Conn:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port."""

    def __init__(self, port, signer):
        self.port, self.signer, self.rw = port, signer, None
        self.requests = 0

    async def call(self, target, doc, path="/"):
        body = json.dumps(doc).encode()
        h = self.signer.headers(path, body, target)
        head = f"POST {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items())
        req = (head + f"content-length: {len(body)}\r\n\r\n").encode() + body
        for attempt in range(3):
            if self.rw is None:
                self.rw = await asyncio.open_connection("127.0.0.1", self.port)
            r, w = self.rw
            try:
                w.write(req)
                status_line = await r.readuntil(b"\r\n")
                hdrs = (await r.readuntil(b"\r\n\r\n")).decode().lower()
                n = int(hdrs.split("content-length:")[1].split("\r\n")[0])
                data = await r.readexactly(n)
                if "connection: close" in hdrs:
                    w.close()
                    self.rw = None
                break
            except (ConnectionError, asyncio.IncompleteReadError):
                self.rw = None
                if attempt == 2:
                    raise
        self.requests += 1
        status = int(status_line.split()[1])
        out = json.loads(data) if data else {}
        if status != 200:
            raise RuntimeError(f"{target or path}: {status} {out}")
        return out


class Host:
    def __init__(self, port, signer, cluster, memory):
        self.cluster, self.memory = cluster, memory
        self.api, self.poller = Conn(port, signer), Conn(port, signer)
        self.known, self.index, self.reports = set(), 0, 0

    async def register(self):
        res = [{"name": "CPU", "type": "INTEGER", "integerValue": 4096},
               {"name": "MEMORY", "type": "INTEGER", "integerValue": self.memory},
               {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ["22", "2375", "2376", "51678"]},
               {"name": "PORTS_UDP", "type": "STRINGSET", "stringSetValue": []}]
        r = await self.api.call("RegisterContainerInstance", {
            "cluster": self.cluster, "totalResources": res,
            "versionInfo": {"agentVersion": "1.5.0", "agentHash": "bench", "dockerVersion": "DockerVersion: 1.7.1"}})
        self.arn = r["containerInstance"]["containerInstanceArn"]
        await self.api.call("DiscoverPollEndpoint", {"cluster": self.cluster, "containerInstance": self.arn})

    async def run(self):
        while True:
            r = await self.poller.call(None, {"cluster": self.cluster, "containerInstance": self.arn,
                                              "index": self.index, "waitSeconds": 20}, path="/v1/poll")
            self.index = r["index"]
            for t in r["tasks"]:
                arn = t["taskArn"]
                if t["desiredStatus"] == "RUNNING" and arn not in self.known:
                    self.known.add(arn)
                    for c in t["containers"]:
                        await self.api.call("SubmitContainerStateChange", {
                            "cluster": self.cluster, "task": arn, "containerName": c["name"], "status": "RUNNING"})
                    await self.api.call("SubmitTaskStateChange", {"cluster": self.cluster, "task": arn,
                                                                  "status": "RUNNING"})
                    self.reports += 2
                elif t["desiredStatus"] == "STOPPED":
                    await self.api.call("SubmitTaskStateChange", {"cluster": self.cluster, "task": arn,
                                                                  "status": "STOPPED", "reason": "bench"})
                    self.reports += 1


async def setup(a, cluster, family):
    await a.call("CreateCluster", {"clusterName": cluster})
    await a.call("RegisterTaskDefinition", {"family": family, "containerDefinitions": [
        {"name": "app", "image": "busybox", "memory": 16, "cpu": 1}]})


async def start_hosts(args, signer, cluster, memory):
    hosts = [Host(args.port, signer, cluster, memory) for _ in range(args.hosts)]
    await asyncio.gather(*(h.register() for h in hosts))
    tasks = [asyncio.create_task(h.run()) for h in hosts]
    return hosts, tasks


def is_steady(s):
    ev = s["events"]
    return (s["runningCount"] == s["desiredCount"] and s["pendingCount"] == 0 and len(s["deployments"]) == 1
            and ev and ev[0]["message"].endswith("has reached a steady state."))


async def steady(args, signer):
    a = Conn(args.port, signer)
    await setup(a, "bench", "bench")
    # room for twice the tasks: a rolling update runs old and new side by side (maximumPercent 200)
    hosts, tasks = await start_hosts(args, signer, "bench", 2 * 16 * args.count // args.hosts + 512)
    t0 = time.monotonic()
    await a.call("CreateService", {"cluster": "bench", "serviceName": "big", "taskDefinition": "bench",
                                   "desiredCount": args.count})
    placed = running = None
    while True:
        s = (await a.call("DescribeServices", {"cluster": "bench", "services": ["big"]}))["services"][0]
        t = time.monotonic() - t0
        if placed is None and s["runningCount"] + s["pendingCount"] == args.count:
            placed = t
        if running is None and s["runningCount"] == args.count:
            running = t
        if is_steady(s):
            break
        if t > 120:
            raise RuntimeError(f"not steady after 120 s: {s['runningCount']} running")
        await asyncio.sleep(0.02)
    total = time.monotonic() - t0
    out = {"mode": "steady", "count": args.count, "hosts": args.hosts, "all_placed_s": placed,
           "all_running_s": running, "steady_s": total, "reports": sum(h.reports for h in hosts),
           "requests": sum(h.api.requests + h.poller.requests for h in hosts) + a.requests}
    if args.mode == "rollout":
        out.update(await rollout(args, a))
        out["mode"] = "rollout"
    for x in tasks:
        x.cancel()
    print(json.dumps(out))


async def rollout(args, a):
    """UpdateService to a new revision of a steady service: until steady on it."""
    td = (await a.call("RegisterTaskDefinition", {"family": "bench", "containerDefinitions": [
        {"name": "app", "image": "busybox", "memory": 16, "cpu": 1, "environment": [{"name": "V", "value": "2"}]}]}))
    arn = td["taskDefinition"]["taskDefinitionArn"]
    t0 = time.monotonic()
    u = (await a.call("UpdateService", {"cluster": "bench", "service": "big", "taskDefinition": arn}))["service"]
    new_id = u["deployments"][0]["id"]
    first_new = None
    while True:
        s = (await a.call("DescribeServices", {"cluster": "bench", "services": ["big"]}))["services"][0]
        t = time.monotonic() - t0
        d = s["deployments"]
        if first_new is None and d and d[0]["id"] == new_id and d[0]["runningCount"] > 0:
            first_new = t
        if is_steady(s) and d[0]["id"] == new_id and d[0]["taskDefinition"] == arn:
            break
        if t > 300:
            raise RuntimeError(f"not rolled after 300 s: {[(x['id'], x['runningCount']) for x in d]}")
        await asyncio.sleep(0.02)
    return {"rollout_s": time.monotonic() - t0, "first_new_running_s": first_new}


async def idle(args, signer):
    a = Conn(args.port, signer)
    await setup(a, "idle", "idle")
    per_host = args.services * args.per // args.hosts + 16
    hosts, tasks = await start_hosts(args, signer, "idle", 16 * per_host + 256)
    t0 = time.monotonic()
    names = [f"s{i:04d}" for i in range(args.services)]
    conns = [Conn(args.port, signer) for _ in range(8)]

    async def create(k):
        for n in names[k::len(conns)]:
            await conns[k].call("CreateService", {"cluster": "idle", "serviceName": n, "taskDefinition": "idle",
                                                  "desiredCount": args.per})
    await asyncio.gather(*(create(k) for k in range(len(conns))))
    created = time.monotonic() - t0
    pending = list(names)
    while pending:
        still = []
        for i in range(0, len(pending), 10):
            r = await a.call("DescribeServices", {"cluster": "idle", "services": pending[i:i + 10]})
            still += [s["serviceName"] for s in r["services"] if not is_steady(s)]
        pending = still
        if time.monotonic() - t0 > 600:
            raise RuntimeError(f"{len(pending)} services not steady after 600 s")
        if pending:
            await asyncio.sleep(0.5)
    all_steady = time.monotonic() - t0
    print(json.dumps({"mode": "idle", "services": args.services, "per": args.per, "hosts": args.hosts,
                      "created_s": created, "all_steady_s": all_steady,
                      "reports": sum(h.reports for h in hosts)}), flush=True)
    await asyncio.sleep(args.hold)  # idle: the hosts keep polling, nothing changes
    for x in tasks:
        x.cancel()
    print(json.dumps({"mode": "idle-done", "held_s": args.hold}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["steady", "rollout", "idle"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key", default="AKIDBENCH")
    p.add_argument("--secret", default="bench-secret")
    p.add_argument("--hosts", type=int, default=50)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--services", type=int, default=1000)
    p.add_argument("--per", type=int, default=10)
    p.add_argument("--hold", type=float, default=45)
    args = p.parse_args()
    signer = Signer(args.key, args.secret, f"127.0.0.1:{args.port}")
    asyncio.run(idle(args, signer) if args.mode == "idle" else steady(args, signer))


if __name__ == "__main__":
    sys.exit(main())
