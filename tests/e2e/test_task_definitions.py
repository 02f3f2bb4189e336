"""Task definitions end to end (issue 2; ecs-behavior.md §3.3, §4.5-§4.9, Appendix A,
Appendix G 10-13): register / deregister / describe / list with boto3 and the aws
CLI, every validation rule of src/api/taskdef_validate.c through the API, and
pagination across 250 task definitions.

The tests share one server: each uses its own families, and looks only at its
own families in listings that are not filtered by family.
"""
import json

from harness import ACCOUNT, REGION, expect_error

TD_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/"
NOT_FOUND = "Unable to describe task definition."


def c(name="a", **kw):
    return dict({"name": name, "image": "busybox", "memory": 64}, **kw)


def reg(ecs, family, containers=None, **kw):
    return ecs.register_task_definition(family=family, containerDefinitions=containers or [c()],
                                        **kw)["taskDefinition"]


def list_all(ecs, method="list_task_definitions", key="taskDefinitionArns", page=None, **kw):
    out, token, tokens = [], None, set()
    while True:
        args = dict(kw, **({"maxResults": page} if page else {}), **({"nextToken": token} if token else {}))
        r = getattr(ecs, method)(**args)
        if page and r.get("nextToken"):
            assert len(r[key]) == page, r
        out += r[key]
        token = r.get("nextToken")
        if not token:
            return out
        assert token not in tokens, "a token came back twice"
        tokens.add(token)


def revs(arns, family):
    return [int(a.rsplit(":", 1)[1]) for a in arns if a.startswith(f"{TD_ARN}{family}:")]


# ---- RegisterTaskDefinition ------------------------------------------------

def test_revisions_grow_and_are_never_reused(server):
    ecs = server.client()
    assert [reg(ecs, "rev")["revision"] for _ in range(2)] == [1, 2]
    gone = ecs.deregister_task_definition(taskDefinition="rev:2")["taskDefinition"]
    assert gone["status"] == "INACTIVE" and gone["revision"] == 2
    third = reg(ecs, "rev")
    assert third["revision"] == 3 and third["taskDefinitionArn"] == TD_ARN + "rev:3"
    for r in (1, 3):
        ecs.deregister_task_definition(taskDefinition=f"rev:{r}")
    assert reg(ecs, "rev")["revision"] == 4  # even with no ACTIVE revision left
    assert reg(ecs, "rev-other")["revision"] == 1  # revisions are per family


def test_normalised_echo(server):
    ecs = server.client()
    td = reg(ecs, "echo", [c("web", portMappings=[{"containerPort": 80}, {"containerPort": 53, "hostPort": 53,
                                                                            "protocol": "udp"}],
                             links=["db:database"], mountPoints=[{"sourceVolume": "data", "containerPath": "/d"}],
                             command=["sleep", "1"], environment=[{"name": "K", "value": "v"}],
                             volumesFrom=[{"sourceContainer": "db", "readOnly": True}]),
                           c("db", image="postgres:9.4", cpu=128, essential=False, entryPoint=["/init"])],
             volumes=[{"name": "data", "host": {"sourcePath": "/srv/data"}}, {"name": "scratch"}])
    assert td["family"] == "echo" and td["revision"] == 1 and td["status"] == "ACTIVE"
    assert td["taskDefinitionArn"] == TD_ARN + "echo:1"
    assert td["volumes"] == [{"name": "data", "host": {"sourcePath": "/srv/data"}}, {"name": "scratch"}]
    web, db = td["containerDefinitions"]
    assert web == {"name": "web", "image": "busybox", "cpu": 0, "memory": 64, "essential": True,
                   "portMappings": [{"containerPort": 80, "protocol": "tcp"},
                                    {"containerPort": 53, "hostPort": 53, "protocol": "udp"}],
                   "links": ["db:database"], "command": ["sleep", "1"],
                   "environment": [{"name": "K", "value": "v"}],
                   "mountPoints": [{"sourceVolume": "data", "containerPath": "/d", "readOnly": False}],
                   "volumesFrom": [{"sourceContainer": "db", "readOnly": True}]}, web
    assert db == {"name": "db", "image": "postgres:9.4", "cpu": 128, "memory": 64, "essential": False,
                  "portMappings": [], "environment": [], "mountPoints": [], "entryPoint": ["/init"],
                  "volumesFrom": []}, db
    plain = reg(ecs, "echo-plain")
    assert plain["volumes"] == []
    assert plain["containerDefinitions"] == [{"name": "a", "image": "busybox", "cpu": 0, "memory": 64,
                                              "essential": True, "portMappings": [], "environment": [],
                                              "mountPoints": [], "volumesFrom": []}]
    described = ecs.describe_task_definition(taskDefinition="echo:1")["taskDefinition"]
    assert described == td


# (containers, volumes, exception, message); a None message is checked only by name.
INVALID = [
    ("family blank", dict(family=""), "ClientException", "Family can not be blank."),
    ("family chars", dict(family="bad name!"), "ClientException", "Family contains invalid characters."),
    ("family colon", dict(family="fam:1"), "ClientException", "Family contains invalid characters."),
    ("family 256", dict(family="f" * 256), "ClientException", "Family contains invalid characters."),
    ("no containers", dict(containerDefinitions=[]), "ClientException", "Container definitions can not be empty."),
    ("11 containers", dict(containerDefinitions=[c(f"c{i}") for i in range(11)]), "ClientException",
     "Too many containers (max 10)."),
    ("name missing", dict(containerDefinitions=[{"image": "busybox", "memory": 64}]), "ClientException",
     "Container.name should not be null or empty."),
    ("name blank", dict(containerDefinitions=[c("")]),
     "ClientException", "Container.name should not be null or empty."),
    ("name chars", dict(containerDefinitions=[c("a b")]),
     "ClientException", "Container.name contains invalid characters."),
    ("name 256", dict(containerDefinitions=[c("n" * 256)]),
     "ClientException", "Container.name contains invalid characters."),
    ("duplicate names", dict(containerDefinitions=[c("a"), c("b"), c("a")]),
     "ClientException", "Duplicate container name: a"),
    ("image missing", dict(containerDefinitions=[{"name": "a", "memory": 64}]), "ClientException",
     "Container.image should not be null or empty."),
    ("image blank", dict(containerDefinitions=[c(image="")]),
     "ClientException", "Container.image should not be null or empty."),
    ("image chars", dict(containerDefinitions=[c(image="bad image!")]),
     "ClientException", "contains invalid characters"),
    ("image 256", dict(containerDefinitions=[c(image="i" * 256)]), "ClientException", "at most 255 characters"),
    ("memory missing", dict(containerDefinitions=[{"name": "m", "image": "busybox"}]), "ClientException",
     "Invalid setting for container 'm'. At least one of 'memory' or 'memoryReservation' must be specified."),
    ("memory 3", dict(containerDefinitions=[c(memory=3)]),
     "ClientException", "Invalid 'memory' setting for container 'a'."),
    ("memory 0", dict(containerDefinitions=[c(memory=0)]),
     "ClientException", "Invalid 'memory' setting for container 'a'."),
    ("cpu -1", dict(containerDefinitions=[c(cpu=-1)]), "ClientException", "Invalid 'cpu' setting for container 'a'."),
    ("cpu 10241", dict(containerDefinitions=[c(cpu=10241)]),
     "ClientException", "Invalid 'cpu' setting for container 'a'."),
    ("link unknown", dict(containerDefinitions=[c(links=["nope"])]),
     "ClientException", "Invalid link 'nope' in container 'a'."),
    ("link self", dict(containerDefinitions=[c(links=["a:me"])]),
     "ClientException", "Invalid link 'a:me' in container 'a'."),
    ("link cycle", dict(containerDefinitions=[c("a", links=["b"]), c("b", links=["a"])]),
     "ClientException", "Invalid link"),
    ("volume blank", dict(volumes=[{"name": ""}]), "ClientException", "Volume.name should not be null or empty."),
    ("volume chars", dict(volumes=[{"name": "bad vol"}]), "ClientException", "Invalid volume name 'bad vol'."),
    ("volume duplicate", dict(volumes=[{"name": "v"}, {"name": "v"}]), "ClientException", "Duplicate volume name: v"),
    ("volume relative path", dict(volumes=[{"name": "v", "host": {"sourcePath": "rel/path"}}]), "ClientException",
     "Invalid 'host' setting for volume 'v'."),
    ("mount unknown volume", dict(containerDefinitions=[c(mountPoints=[{"sourceVolume": "x", "containerPath": "/x"}])]),
     "ClientException", "Unknown volume 'x' referenced by container 'a'."),
    ("mount blank volume", dict(containerDefinitions=[c(mountPoints=[{"containerPath": "/x"}])]), "ClientException",
     "Invalid 'mountPoints' setting for container 'a'."),
    ("mount relative path", dict(volumes=[{"name": "v"}],
                                 containerDefinitions=[c(mountPoints=[{"sourceVolume": "v", "containerPath": "x"}])]),
     "ClientException", "Invalid 'mountPoints' setting for container 'a'."),
    ("volumesFrom unknown", dict(containerDefinitions=[c(volumesFrom=[{"sourceContainer": "zz"}])]), "ClientException",
     "Invalid 'volumesFrom' setting for container 'a'. sourceContainer 'zz' is not another container"),
    ("volumesFrom self", dict(containerDefinitions=[c(volumesFrom=[{"sourceContainer": "a"}])]), "ClientException",
     "sourceContainer 'a' is not another container"),
    ("volumesFrom cycle", dict(containerDefinitions=[c("a", volumesFrom=[{"sourceContainer": "b"}]),
                                                     c("b", volumesFrom=[{"sourceContainer": "a"}])]),
     "ClientException", "cycle"),
    ("no essential", dict(containerDefinitions=[c("a", essential=False), c("b", essential=False)]), "ClientException",
     "Task definition must have at least one essential container."),
    ("containerPort missing", dict(containerDefinitions=[c(portMappings=[{"hostPort": 80}])]), "ClientException",
     "containerPort is required."),
    ("containerPort 0", dict(containerDefinitions=[c(portMappings=[{"containerPort": 0}])]), "ClientException",
     "containerPort must be from 1 to 65535"),
    ("containerPort 65536", dict(containerDefinitions=[c(portMappings=[{"containerPort": 65536}])]), "ClientException",
     "containerPort must be from 1 to 65535"),
    ("hostPort -1", dict(containerDefinitions=[c(portMappings=[{"containerPort": 80, "hostPort": -1}])]),
     "ClientException", "hostPort must be from 0 to 65535"),
    ("hostPort 65536", dict(containerDefinitions=[c(portMappings=[{"containerPort": 80, "hostPort": 65536}])]),
     "ClientException", "hostPort must be from 0 to 65535"),
    ("host port twice", dict(containerDefinitions=[c("a", portMappings=[{"containerPort": 80, "hostPort": 8080}]),
                                                   c("b", portMappings=[{"containerPort": 81, "hostPort": 8080}])]),
     "ClientException", "Host port 8080/tcp is mapped more than once"),
    ("protocol", dict(containerDefinitions=[c(portMappings=[{"containerPort": 80, "protocol": "sctp"}])]),
     "InvalidParameterException", "sctp"),
    ("env duplicate", dict(containerDefinitions=[c(environment=[{"name": "K", "value": "1"},
                                                                {"name": "K", "value": "2"}])]),
     "ClientException", "Duplicate environment variable name: K"),
    ("too big", dict(containerDefinitions=[c(command=["x" * 1000] * 70)]),
     "ClientException", "exceeds the limit of 65536 bytes"),
]


def test_validation_rules(server):
    ecs = server.client()
    for why, kw, code, message in INVALID:
        args = dict({"family": "invalid", "containerDefinitions": [c()]}, **kw)
        try:
            expect_error(lambda: ecs.register_task_definition(**args), code, message)
        except AssertionError as e:
            raise AssertionError(f"{why}: {e}") from None
    # None of them registered anything; the edges of each rule are accepted.
    assert ecs.list_task_definition_families(familyPrefix="invalid")["families"] == []
    ok = reg(ecs, "v" * 255, [c("n" * 255, image="registry.example.com:5000/a_b/c-d:v1.0@sha256#x", memory=4,
                                cpu=10240, links=["b"], volumesFrom=[{"sourceContainer": "b"}], portMappings=[
                                    {"containerPort": 65535, "hostPort": 8080},
                                    {"containerPort": 1, "hostPort": 8080, "protocol": "udp"},
                                    {"containerPort": 2, "hostPort": 0}, {"containerPort": 3, "hostPort": 0}]),
                              c("b", essential=False)])
    assert ok["revision"] == 1 and ok["containerDefinitions"][0]["cpu"] == 10240


# ---- DescribeTaskDefinition / DeregisterTaskDefinition ----------------------

def test_describe_and_deregister(server):
    ecs = server.client()
    for _ in range(3):
        reg(ecs, "dsc")
    d = lambda ref: ecs.describe_task_definition(taskDefinition=ref)["taskDefinition"]  # noqa: E731
    assert d("dsc")["revision"] == 3
    assert d("dsc:2")["revision"] == 2 and d(TD_ARN + "dsc:1")["revision"] == 1
    ecs.deregister_task_definition(taskDefinition=TD_ARN + "dsc:3")
    assert d("dsc")["revision"] == 2, "the family's latest ACTIVE revision"
    inactive = d("dsc:3")
    assert inactive["status"] == "INACTIVE" and inactive["revision"] == 3
    again = ecs.deregister_task_definition(taskDefinition="dsc:3")["taskDefinition"]
    assert again["status"] == "INACTIVE" and again["revision"] == 3
    for r in (1, 2):
        ecs.deregister_task_definition(taskDefinition=f"dsc:{r}")
    for ref in ("dsc", "nope", "nope:1", "dsc:4", TD_ARN + "nope:1",
                f"arn:aws:ecs:us-west-2:{ACCOUNT}:task-definition/dsc:1",
                f"arn:aws:ecs:{REGION}:210987654321:task-definition/dsc:1"):
        r = expect_error(lambda: ecs.describe_task_definition(taskDefinition=ref), "ClientException")
        assert r["Error"]["Message"] == NOT_FOUND, (ref, r["Error"])
    assert d("dsc:1")["status"] == "INACTIVE"
    r = expect_error(lambda: ecs.deregister_task_definition(taskDefinition="dsc"), "ClientException")
    assert r["Error"]["Message"] == "Revision is missing."
    expect_error(lambda: ecs.deregister_task_definition(taskDefinition="nope:1"), "ClientException", NOT_FOUND)
    for bad in ("dsc:abc", "dsc:0", "dsc:-1"):
        expect_error(lambda: ecs.describe_task_definition(taskDefinition=bad), "ClientException")
    expect_error(lambda: ecs.describe_task_definition(taskDefinition=f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/dsc"),
                 "InvalidParameterException")


# ---- ListTaskDefinitions / ListTaskDefinitionFamilies -----------------------

def test_list_task_definitions_order_and_filters(server):
    ecs = server.client()
    families = ["ord-_", "ord-a", "ord-A", "ord--", "ord"]
    for f in families:
        for _ in range(11 if f == "ord" else 2):
            reg(ecs, f)
    ecs.deregister_task_definition(taskDefinition="ord:5")
    ecs.deregister_task_definition(taskDefinition="ord-a:1")
    ecs.deregister_task_definition(taskDefinition="ord-a:2")
    want = [TD_ARN + f"{f}:{r}" for f in sorted(families, key=str.encode)
            for r in (range(1, 12) if f == "ord" else (1, 2)) if (f, r) not in {("ord", 5), ("ord-a", 1), ("ord-a", 2)}]
    mine = lambda arns: [a for a in arns if a.startswith(TD_ARN + "ord")]  # noqa: E731
    assert mine(list_all(ecs)) == want, "family by byte order, then revision numerically (10 after 9)"
    assert mine(list_all(ecs, sort="DESC")) == want[::-1]
    assert mine(list_all(ecs, page=3, sort="DESC")) == want[::-1]
    assert list_all(ecs, familyPrefix="ord") == [TD_ARN + f"ord:{r}" for r in range(1, 12) if r != 5]
    assert revs(list_all(ecs, familyPrefix="ord", sort="DESC", page=4), "ord") == [11, 10, 9, 8, 7, 6, 4, 3, 2, 1]
    assert list_all(ecs, familyPrefix="ord", status="ACTIVE", sort="ASC") == list_all(ecs, familyPrefix="ord")
    assert list_all(ecs, familyPrefix="ord", status="INACTIVE") == [TD_ARN + "ord:5"]
    assert mine(list_all(ecs, status="INACTIVE")) == [TD_ARN + "ord:5", TD_ARN + "ord-a:1", TD_ARN + "ord-a:2"]
    assert list_all(ecs, familyPrefix="ord-a") == []
    assert list_all(ecs, familyPrefix="or") == [], "familyPrefix names one family exactly"
    expect_error(lambda: ecs.list_task_definitions(status="DELETED"), "InvalidParameterException")
    expect_error(lambda: ecs.list_task_definitions(sort="UP"), "InvalidParameterException")


def test_list_families(server):
    ecs = server.client()
    for f in ("fam-b", "fam-a", "fam-c", "famous", "fa"):
        reg(ecs, f)
    ecs.deregister_task_definition(taskDefinition="fam-c:1")
    fam = lambda **kw: list_all(ecs, "list_task_definition_families", "families", **kw)  # noqa: E731
    assert fam(familyPrefix="fam") == ["fam-a", "fam-b", "fam-c", "famous"]
    assert fam(familyPrefix="fam", status="ALL", page=1) == ["fam-a", "fam-b", "fam-c", "famous"]
    assert fam(familyPrefix="fam", status="ACTIVE") == ["fam-a", "fam-b", "famous"]
    assert fam(familyPrefix="fam", status="INACTIVE") == ["fam-c"]
    assert fam(familyPrefix="fam-", page=2) == ["fam-a", "fam-b", "fam-c"]
    assert fam(familyPrefix="famz") == []
    everything = fam()
    assert everything == sorted(everything, key=str.encode) and len(everything) == len(set(everything))
    assert {"fa", "fam-a", "famous"} <= set(everything)
    reg(ecs, "fam-c")
    assert fam(familyPrefix="fam", status="INACTIVE") == []


def test_list_bounds_and_tokens(server):
    ecs = server.client()
    reg(ecs, "bounds")
    for method in ("list_task_definitions", "list_task_definition_families"):
        call = getattr(ecs, method)
        for bad in (0, 101):
            expect_error(lambda: call(maxResults=bad), "InvalidParameterException",
                         "maxResults must be between 1 and 100.")
        for bad in ("garbage", "AAAA", "x" * 4000):
            expect_error(lambda: call(nextToken=bad), "InvalidParameterException", "Invalid nextToken.")
        assert call(maxResults=100)


# ---- pagination across 250 task definitions ---------------------------------

PAGE_FAMILIES = [f"page-{i}" for i in range(5)]


def ensure_250(server):
    """5 families x 50 revisions, registered once per server."""
    if not getattr(server, "_page_250", False):
        ecs = server.client()
        for f in PAGE_FAMILIES:
            for _ in range(50):
                reg(ecs, f)
        server._page_250 = True
    return [TD_ARN + f"{f}:{r}" for f in PAGE_FAMILIES for r in range(1, 51)]


def test_pagination_250_boto3(server):
    want = ensure_250(server)
    ecs = server.client()
    arns = list_all(ecs, page=7)
    assert len(arns) == len(set(arns)), "an ARN came twice"
    first = ecs.list_task_definitions()
    assert first["taskDefinitionArns"] == arns[:100] and first["nextToken"], "the default page is 100"
    assert [a for a in arns if "/page-" in a] == want
    pages = list(ecs.get_paginator("list_task_definitions").paginate(PaginationConfig={"PageSize": 7}))
    assert all(len(p["taskDefinitionArns"]) == 7 for p in pages[:-1])
    assert [a for p in pages for a in p["taskDefinitionArns"] if "/page-" in a] == want
    desc = list_all(ecs, page=7, familyPrefix="page-3", sort="DESC")
    assert desc == [TD_ARN + f"page-3:{r}" for r in range(50, 0, -1)]
    fams = list_all(ecs, "list_task_definition_families", "families", page=2, familyPrefix="page-")
    assert fams == PAGE_FAMILIES


def test_pagination_250_cli(server):
    want = ensure_250(server)
    out = server.cli("list-task-definitions", "--page-size", "7")  # auto-paginates with maxResults 7
    assert [a for a in out["taskDefinitionArns"] if "/page-" in a] == want
    assert "NextToken" not in out
    one = server.cli("list-task-definitions", "--family-prefix", "page-2", "--max-items", "20", "--page-size", "7")
    assert one["taskDefinitionArns"] == want[100:120] and one["NextToken"]
    rest = server.cli("list-task-definitions", "--family-prefix", "page-2", "--starting-token", one["NextToken"],
                      "--page-size", "7")
    assert rest["taskDefinitionArns"] == want[120:150]
    fams = server.cli("list-task-definition-families", "--family-prefix", "page-", "--page-size", "2")
    assert fams["families"] == PAGE_FAMILIES


def test_cli_register_describe_deregister(server):
    defs = json.dumps([{"name": "web", "image": "nginx:1.9", "memory": 128, "cpu": 256,
                        "portMappings": [{"containerPort": 80, "hostPort": 8080}],
                        "mountPoints": [{"sourceVolume": "logs", "containerPath": "/var/log/nginx"}]}])
    td = server.cli("register-task-definition", "--family", "cli-web", "--container-definitions", defs,
                    "--volumes", '[{"name":"logs","host":{"sourcePath":"/var/log/web"}}]')["taskDefinition"]
    assert td["taskDefinitionArn"] == TD_ARN + "cli-web:1" and td["status"] == "ACTIVE"
    assert td["containerDefinitions"][0]["portMappings"] == [{"containerPort": 80, "hostPort": 8080, "protocol": "tcp"}]
    assert td["containerDefinitions"][0]["essential"] is True and td["containerDefinitions"][0]["environment"] == []
    assert isinstance(td["registeredAt"], (int, float))
    got = server.cli("describe-task-definition", "--task-definition", "cli-web:1")["taskDefinition"]
    assert got == td
    gone = server.cli("deregister-task-definition", "--task-definition", TD_ARN + "cli-web:1")["taskDefinition"]
    assert gone["status"] == "INACTIVE" and gone["revision"] == 1
    p = server.cli("describe-task-definition", "--task-definition", "cli-web", check=False)
    assert p.returncode != 0 and "(ClientException)" in p.stderr and NOT_FOUND in p.stderr, p.stderr
    p = server.cli("register-task-definition", "--family", "bad name!", "--container-definitions", defs, check=False)
    assert p.returncode != 0 and "(ClientException)" in p.stderr, p.stderr
    assert "Family contains invalid characters." in p.stderr, p.stderr
