#!/usr/bin/env python3
"""bench/hosts.py - the measurements of issue 16, with real dockerds and
agents in network namespaces of its own (tests/e2e/hosts_netns.py).

  lost     three hosts, a service of 6 tasks; RUNS times (default 5): a host
           that runs tasks has its link cut; the time until its tasks RUN on
           the others (server's view), then its link restored: the time until
           its old containers are stopped (Docker's view). --agent-timeout 3
           --host-lost-after 3, so a host is lost after 6 s of silence.
  reports  one host, a service of TASKS tasks (default 200) of one container
           each: the agent's report requests (SubmitTaskStateChange +
           SubmitContainerStateChange) until all RUN, counted from its log,
           for each binary of BINS (comma list; default build/ecsd).

Run as root inside a namespace of its own, e.g.:
  ns=ecsd-bench-$$; DH=$(scripts/docker-netns.sh up $ns)
  DOCKER_HOST=$DH ECSD_AGENT_DOCKER=1 nsenter --net=/run/netns/$ns python3 bench/hosts.py lost reports
  scripts/docker-netns.sh down $ns
"""
import os
import re
import signal
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

import harness  # noqa: E402
from hosts_netns import Hosts  # noqa: E402

LOOP = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]


def wait(fn, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if fn():
            return
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


def service_tasks(ecs, cluster, name):
    arns = []
    for page in ecs.get_paginator("list_tasks").paginate(cluster=cluster, serviceName=name):
        arns += page["taskArns"]
    out = []
    for i in range(0, len(arns), 100):
        out += ecs.describe_tasks(cluster=cluster, tasks=arns[i:i + 100])["tasks"]
    return out


def running(tasks, not_on=None):
    return [t for t in tasks if t["lastStatus"] == "RUNNING" and t["containerInstanceArn"] != not_on]


def instance_of(host, ecs, cluster):
    for arn in ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]:
        i = ecs.describe_container_instances(cluster=cluster, containerInstances=[arn])["containerInstances"][0]
        if any(a["name"] == "ecsd.bench-host" and a.get("value") == str(host.i) for a in i["attributes"]):
            return arn
    return None


def bench_lost(runs):
    cut_s, back_s = [], []
    with Hosts(3) as hosts:
        server = harness.Server(listen_host=hosts.gateway,
                                extra_args=["--agent-timeout", "3", "--host-lost-after", "3"]).start()
        try:
            ecs = server.client()
            cluster = "bench-hosts"
            ecs.create_cluster(clusterName=cluster)
            for h in hosts:
                h.start_agent(server, cluster, ["--instance-attributes", f'{{"ecsd.bench-host": "{h.i}"}}'])
            wait(lambda: len(ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]) == 3, 90,
                 "3 hosts")
            arns = {h.i: instance_of(h, ecs, cluster) for h in hosts}
            mem = min(next(r["integerValue"] for r in i["remainingResources"] if r["name"] == "MEMORY")
                      for i in ecs.describe_container_instances(cluster=cluster, containerInstances=list(
                          arns.values()))["containerInstances"])
            ecs.register_task_definition(family="loop", containerDefinitions=[
                {"name": "loop", "image": "busybox:latest", "memory": mem // 3, "command": LOOP}])
            ecs.create_service(cluster=cluster, serviceName="s", taskDefinition="loop", desiredCount=6)
            wait(lambda: len(running(service_tasks(ecs, cluster, "s"))) == 6, 120, "6 running")
            for _ in range(runs):
                on = {t["containerInstanceArn"] for t in running(service_tasks(ecs, cluster, "s"))}
                host = next(h for h in hosts if arns[h.i] in on)
                old = {t["taskArn"] for t in running(service_tasks(ecs, cluster, "s"))
                       if t["containerInstanceArn"] == arns[host.i]}
                t0 = time.time()
                host.cut()
                wait(lambda: len(running(service_tasks(ecs, cluster, "s"), not_on=arns[host.i])) == 6, 60,
                     "replacement")
                cut_s.append(time.time() - t0)
                t1 = time.time()
                host.restore()
                wait(lambda: not {t for t, _, up in host.containers(cluster) if up} & old, 60, "old copies stopped")
                back_s.append(time.time() - t1)
                wait(lambda: ecs.describe_container_instances(cluster=cluster, containerInstances=[arns[host.i]])[
                    "containerInstances"][0]["agentConnected"], 30, "reconnected")
                print(f"run: cut -> replaced {cut_s[-1]:.2f} s, return -> old stopped {back_s[-1]:.2f} s",
                      flush=True)
        finally:
            for h in hosts:
                h.stop_agent(signal.SIGKILL)
            server.stop()
            server.cleanup()
    print(f"lost: cut -> replaced p50 {statistics.median(cut_s):.2f} s (min {min(cut_s):.2f}, max "
          f"{max(cut_s):.2f}); return -> old copies stopped p50 {statistics.median(back_s):.2f} s (min "
          f"{min(back_s):.2f}, max {max(back_s):.2f}); {runs} runs")


def bench_reports(binary, tasks):
    import agent_harness as ah
    harness.BIN = binary
    ah.BIN = binary
    server = harness.Server().start()
    try:
        ecs = server.client()
        ecs.create_cluster(clusterName="bench-reports")
        agent = ah.Agent(server, "bench-reports").start()
        ecs.register_task_definition(family="loop", containerDefinitions=[
            {"name": "loop", "image": "busybox:latest", "memory": 8, "command": LOOP}])
        t0 = time.time()
        ecs.create_service(cluster="bench-reports", serviceName="s", taskDefinition="loop", desiredCount=tasks)
        wait(lambda: len(running(service_tasks(ecs, "bench-reports", "s"))) == tasks, 900, f"{tasks} running")
        took = time.time() - t0
        time.sleep(2)
        n = len(re.findall(r"\breport: task ", agent.read_log()))
        ecs.update_service(cluster="bench-reports", service="s", desiredCount=0)
        wait(lambda: not running(service_tasks(ecs, "bench-reports", "s")), 600, "scaled to 0")
        agent.stop()
        ah.remove_cluster_containers("bench-reports")
        agent.cleanup()
    finally:
        server.stop()
        server.cleanup()
    print(f"reports: {binary}: {n} report requests for a {tasks}-task service start ({n / tasks:.2f} per task; "
          f"all RUNNING after {took:.1f} s)")


def main():
    what = sys.argv[1:] or ["lost", "reports"]
    if "lost" in what:
        bench_lost(int(os.environ.get("RUNS", "5")))
    if "reports" in what:
        for b in os.environ.get("BINS", "build/ecsd").split(","):
            bench_reports(os.path.abspath(b), int(os.environ.get("TASKS", "200")))


if __name__ == "__main__":
    main()
