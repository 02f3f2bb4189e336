"""The README's first steps, with the aws CLI and boto3."""
from harness import ACCOUNT, REGION


def test_readme_walkthrough_cli(server):
    c = server.cli("create-cluster", "--cluster-name", "web")["cluster"]
    assert c["clusterArn"] == f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/web"
    assert c["status"] == "ACTIVE"
    td = server.cli("register-task-definition", "--family", "app", "--container-definitions",
                    '[{"name":"a","image":"busybox","memory":64,"essential":true}]')["taskDefinition"]
    assert td["revision"] >= 1
    got = server.cli("describe-task-definition", "--task-definition", "app")["taskDefinition"]
    assert got["taskDefinitionArn"] == td["taskDefinitionArn"]
    assert got["containerDefinitions"][0]["essential"] is True


def test_boto3_roundtrip(server):
    ecs = server.client()
    r = ecs.create_cluster(clusterName="smoke")
    assert r["cluster"]["clusterName"] == "smoke"
    assert r["ResponseMetadata"]["HTTPHeaders"].get("x-amzn-requestid")
    arns = ecs.list_clusters()["clusterArns"]
    assert r["cluster"]["clusterArn"] in arns
