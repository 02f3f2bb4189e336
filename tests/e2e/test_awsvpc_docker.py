"""Container tests of issue 11 (point 6): Fargate and awsvpc tasks made real
by a real `ecsd agent` on a real dockerd (agent/agent_awsvpc.h).

Where: as test_agent_docker.py, inside the network namespace of the test
engine (ECSD_AGENT_DOCKER=1, DOCKER_HOST set); elsewhere this module offers
no tests. The test runs in that namespace, so the agent's bridge network
(--awsvpc-subnet) is routed here and each task's own address is reachable
from the test itself.
"""
import urllib.request

import agent_harness as ah
from harness import unique
from test_agent_docker import agent_env

FRESH_SERVER = True

SUBNET = "10.213.0.0/24"
VPC = {"awsvpcConfiguration": {"subnets": ["subnet-0a1b2c3d"], "securityGroups": ["sg-1"],
                               "assignPublicIp": "DISABLED"}}


def until(what, fn, timeout=60):
    return ah.wait_for(what, fn, timeout=timeout, interval=0.25)


def web(name, text, port):
    """A busybox httpd serving `text` on port."""
    return {"name": name, "image": ah.LOCAL_IMAGE, "essential": True,
            "portMappings": [{"containerPort": port, "protocol": "tcp"}],
            "command": ["sh", "-c", f"mkdir -p /tmp/w && echo {text} >/tmp/w/index.html && "
                                    f"exec httpd -f -p {port} -h /tmp/w"]}


def get(url):
    with urllib.request.urlopen(url, timeout=3) as r:
        return r.read().decode().strip()


def eni(task):
    [a] = task["attachments"]
    assert a["type"] == "ElasticNetworkInterface", a
    return a, {d["name"]: d["value"] for d in a["details"]}


def pause_containers(arn):
    return [c for c in ah.containers(f"com.amazonaws.ecs.task-arn={arn}")
            if ah.inspect(c)["Config"]["Labels"]["com.amazonaws.ecs.container-name"] == "~internal~ecs~pause"]


def test_fargate_task_two_containers_on_localhost(server):
    with agent_env(server, ["--stop-timeout", "2", "--awsvpc-subnet", SUBNET]) as env:
        inst = env.agent.metadata()["ContainerInstanceArn"]
        [ci] = env.ecs.describe_container_instances(cluster=env.cluster, containerInstances=[inst])[
            "containerInstances"]
        names = {a["name"] for a in ci["attributes"]}
        assert {"ecs.capability.task-eni", "ecs.capability.fargate"} <= names, names
        family = unique("fg")
        client = {"name": "client", "image": ah.LOCAL_IMAGE, "essential": True,
                  "command": ["sh", "-c", "sleep 600"]}
        env.ecs.register_task_definition(family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                                         cpu="256", memory="512",
                                         containerDefinitions=[web("web", "hello-fargate", 8080), client])
        r = env.ecs.run_task(cluster=env.cluster, taskDefinition=family, launchType="FARGATE",
                             networkConfiguration=VPC)
        assert not r["failures"], r
        t = r["tasks"][0]
        a, d = eni(t)
        assert a["status"] == "PRECREATED" and d == {"subnetId": "subnet-0a1b2c3d"}, a
        assert (t["launchType"], t["platformVersion"], t["platformFamily"]) == ("FARGATE", "1.4.0", "Linux"), t
        assert t["containerInstanceArn"] == inst
        arn = t["taskArn"]
        t = env.wait_status(arn, "RUNNING")
        a, d = until("attachment ATTACHED", lambda: (lambda x: x if x[0]["status"] == "ATTACHED" else None)(
            eni(env.describe(arn))))
        ip = d["privateIPv4Address"]
        assert ip.startswith("10.213.0."), d
        assert d["subnetId"] == "subnet-0a1b2c3d" and d["networkInterfaceId"].startswith("eni-"), d
        assert len(d["macAddress"].split(":")) == 6, d
        assert d["privateDnsName"] == "ip-" + ip.replace(".", "-") + ".ec2.internal", d
        t = env.describe(arn)
        for c in t["containers"]:
            assert c["networkInterfaces"] == [{"attachmentId": a["id"], "privateIpv4Address": ip}], c
        w = next(c for c in t["containers"] if c["name"] == "web")
        assert w["networkBindings"] == [{"bindIP": ip, "containerPort": 8080, "hostPort": 8080,
                                         "protocol": "tcp"}], w
        # the two containers share the namespace: the client reaches web on localhost
        ids = env.docker_ids(arn)
        got = until("web on localhost", lambda: ah.docker("exec", ids["client"], "wget", "-q", "-O-",
                                                           "http://127.0.0.1:8080/", check=False))
        assert "hello-fargate" in got, got
        info = ah.inspect(ids["web"])
        [pause] = pause_containers(arn)
        pinfo = ah.inspect(pause)
        # Docker shows container:NAME resolved to the id
        assert info["HostConfig"]["NetworkMode"] in ("container:" + pinfo["Name"].lstrip("/"),
                                                     "container:" + pinfo["Id"]), info["HostConfig"]
        assert pinfo["Config"]["Image"] == "ecsd-pause:1" and pinfo["Path"] == "/pause", pinfo["Config"]
        # the pause container is held by the task's cgroup (task-level cpu/memory), as its containers are
        assert info["HostConfig"]["CgroupParent"] and \
            pinfo["HostConfig"]["CgroupParent"] == info["HostConfig"]["CgroupParent"], pinfo["HostConfig"]
        # the task's own address, from the test's namespace, on the published port
        assert until("web on the task's address", lambda: get(f"http://{ip}:8080/")) == "hello-fargate"
        # its ports are its own: nothing was taken from the host's
        assert "8080" not in env.remaining_ports()
        env.ecs.stop_task(cluster=env.cluster, task=arn)
        t = env.wait_status(arn, "STOPPED")
        assert eni(t)[0]["status"] == "DELETED", t["attachments"]
        until("pause container removed", lambda: pause_containers(arn) == [] or None, timeout=30)


def test_awsvpc_service_of_three_rolls_to_a_new_revision(server):
    with agent_env(server, ["--stop-timeout", "1", "--awsvpc-subnet", SUBNET]) as env:
        family = unique("vsvc")

        def revision(text):
            return env.ecs.register_task_definition(family=family, networkMode="awsvpc", containerDefinitions=[
                dict(web("web", text, 80), memory=32)])["taskDefinition"]["taskDefinitionArn"]

        rev1 = revision("one")
        name = unique("s")
        env.ecs.create_service(cluster=env.cluster, serviceName=name, taskDefinition=rev1, desiredCount=3,
                               networkConfiguration=VPC,
                               deploymentConfiguration={"maximumPercent": 200, "minimumHealthyPercent": 100})

        def running(rev):
            arns = env.ecs.list_tasks(cluster=env.cluster, serviceName=name, desiredStatus="RUNNING")["taskArns"]
            if not arns:
                return None
            ts = env.ecs.describe_tasks(cluster=env.cluster, tasks=arns)["tasks"]
            ok = [t for t in ts if t["taskDefinitionArn"] == rev and t["lastStatus"] == "RUNNING"
                  and eni(t)[0]["status"] == "ATTACHED"]
            return ok if len(ok) == 3 and len(ts) == 3 else None

        old = until("3 tasks of revision 1", lambda: running(rev1), timeout=90)
        ips = {eni(t)[1]["privateIPv4Address"] for t in old}
        assert len(ips) == 3, ips  # three tasks, three addresses, one port 80 each
        for ip in ips:
            assert until(f"{ip}:80", lambda ip=ip: get(f"http://{ip}/")) == "one"
        rev2 = revision("two")
        env.ecs.update_service(cluster=env.cluster, service=name, taskDefinition=rev2)
        new = until("3 tasks of revision 2", lambda: running(rev2), timeout=120)
        for t in new:
            ip = eni(t)[1]["privateIPv4Address"]
            assert until(f"{ip}:80", lambda ip=ip: get(f"http://{ip}/")) == "two"
        # the old tasks stopped, their attachments deleted, their pause containers gone
        olds = env.ecs.describe_tasks(cluster=env.cluster, tasks=[t["taskArn"] for t in old])["tasks"]
        until("old tasks stopped", lambda: all(
            t["lastStatus"] == "STOPPED" for t in env.ecs.describe_tasks(
                cluster=env.cluster, tasks=[x["taskArn"] for x in olds])["tasks"]) or None, timeout=60)
        for t in olds:
            until("old pause removed", lambda t=t: pause_containers(t["taskArn"]) == [] or None, timeout=30)
            assert eni(env.describe(t["taskArn"]))[0]["status"] == "DELETED"
        env.ecs.update_service(cluster=env.cluster, service=name, desiredCount=0)
        env.ecs.delete_service(cluster=env.cluster, service=name)


def test_agent_restart_keeps_an_awsvpc_task(server):
    """Adoption after a kill -9: the task keeps running on its address and
    stops cleanly afterwards (its pause container removed)."""
    with agent_env(server, ["--stop-timeout", "1", "--awsvpc-subnet", SUBNET]) as env:
        family = unique("adopt")
        env.ecs.register_task_definition(family=family, networkMode="awsvpc", containerDefinitions=[
            dict(web("web", "still", 8081), memory=32)])
        arn = env.run(family, networkConfiguration=VPC)
        env.wait_status(arn, "RUNNING")
        ip = until("address", lambda: (lambda a: a[1].get("privateIPv4Address") if a[0]["status"] == "ATTACHED"
                                        else None)(eni(env.describe(arn))))
        assert until("served", lambda: get(f"http://{ip}:8081/")) == "still"
        env.agent.kill9()
        env.agent.start()
        assert get(f"http://{ip}:8081/") == "still"
        assert env.describe(arn)["lastStatus"] == "RUNNING"
        env.ecs.stop_task(cluster=env.cluster, task=arn)
        env.wait_status(arn, "STOPPED")
        until("pause container removed", lambda: pause_containers(arn) == [] or None, timeout=30)


if not ah.enabled():
    for _name in [n for n in list(globals()) if n.startswith("test_")]:
        del globals()[_name]
