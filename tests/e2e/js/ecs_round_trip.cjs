// Drives a running ecsd with the AWS SDK for JavaScript v3 (@aws-sdk/client-ecs),
// for tests/e2e/test_js_sdk.py. Reads ECSD_JS_SDK (the folder npm installed the
// SDK into), ECSD_ENDPOINT, ECSD_KEY, ECSD_SECRET, ECSD_REGION and ECSD_NAME (a
// unique prefix), and prints one JSON object with every answer it got.
"use strict";
const path = require("path");
const { createRequire } = require("module");
const sdk = createRequire(path.join(process.env.ECSD_JS_SDK, "package.json"))("@aws-sdk/client-ecs");

const client = new sdk.ECSClient({
  endpoint: process.env.ECSD_ENDPOINT,
  region: process.env.ECSD_REGION,
  credentials: { accessKeyId: process.env.ECSD_KEY, secretAccessKey: process.env.ECSD_SECRET },
  maxAttempts: 1,
});
const name = process.env.ECSD_NAME;

// The task definition a current deploy tool sends (Fargate-style task size,
// json-file logs, a health check, tags).
const taskDefinition = {
  family: name,
  requiresCompatibilities: ["EC2"],
  networkMode: "bridge",
  cpu: "256",
  memory: "512",
  containerDefinitions: [{
    name: "web",
    image: "busybox:latest",
    essential: true,
    command: ["sh", "-c", "sleep 3600"],
    portMappings: [{ containerPort: 8080, hostPort: 0, protocol: "tcp" }],
    environment: [{ name: "MODE", value: "test" }],
    logConfiguration: { logDriver: "json-file", options: { "max-size": "10m", "max-file": "3" } },
    healthCheck: { command: ["CMD-SHELL", "true"], interval: 10, timeout: 5, retries: 3, startPeriod: 1 },
  }],
  tags: [{ key: "team", value: "platform" }, { key: "env", value: "e2e" }],
};

async function call(Command, input) {
  const out = await client.send(new Command(input));
  delete out.$metadata;
  return out;
}

async function main() {
  const result = { sent: taskDefinition };
  result.createCluster = await call(sdk.CreateClusterCommand, { clusterName: name });
  result.register = await call(sdk.RegisterTaskDefinitionCommand, taskDefinition);
  result.describe = await call(sdk.DescribeTaskDefinitionCommand, { taskDefinition: name, include: ["TAGS"] });
  result.describeNoTags = await call(sdk.DescribeTaskDefinitionCommand, { taskDefinition: `${name}:1` });
  result.list = await call(sdk.ListTaskDefinitionsCommand, { familyPrefix: name });
  result.listClusters = await call(sdk.ListClustersCommand, {});
  result.describeClusters = await call(sdk.DescribeClustersCommand, { clusters: [name] });
  try {
    await call(sdk.DescribeTaskDefinitionCommand, { taskDefinition: `${name}-missing` });
    result.error = null;
  } catch (e) {
    result.error = { name: e.name, message: e.message, status: e.$metadata && e.$metadata.httpStatusCode };
  }
  // DeleteTaskDefinitions: a revision of a family of its own, deregistered then
  // deleted; an ACTIVE one is a failure of the answer, not an error
  const del = { ...taskDefinition, family: `${name}-del` };
  await call(sdk.RegisterTaskDefinitionCommand, del);
  await call(sdk.RegisterTaskDefinitionCommand, del);
  await call(sdk.DeregisterTaskDefinitionCommand, { taskDefinition: `${name}-del:1` });
  result.deleteTd = await call(sdk.DeleteTaskDefinitionsCommand, { taskDefinitions: [`${name}-del:1`, `${name}-del:2`] });
  result.describeDeleted = await call(sdk.DescribeTaskDefinitionCommand, { taskDefinition: `${name}-del:1` });
  process.stdout.write(JSON.stringify(result));
}

main().catch((e) => {
  process.stderr.write(`${e.name}: ${e.message}\n${e.stack}\n`);
  process.exit(1);
});
